/**
 * The audit of every data-exchange call (调用审计): which client, which endpoint (the route
 * pattern, never the URL, which may hold an ID number), the stated purpose, the ids of what was
 * returned (certificate ids, case numbers, registry record ids — never personal data), the status
 * and when. Written before the response leaves (onSend): if the audit cannot be written, the
 * data is not sent either.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

export interface CallRecord { clientId: string; method: string; endpoint: string; purpose: string | null; resultIds: string[]; status: number; requestId: string | null }
export interface CallFilter { clientId?: string; endpoint?: string; status?: number; from?: Date; to?: Date }

export function auditRepository(db: Db) {
  const where = (f: CallFilter): Prisma.ApiCallWhereInput => ({
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.endpoint ? { endpoint: f.endpoint } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
  });
  return {
    // A refused call is audited too, with what it sent: Postgres text cannot hold U+0000 (the http
    // layer refuses such requests with 400 nul_character), so it is kept as U+FFFD, not lost.
    record: (c: CallRecord) => db.apiCall.create({ data: { ...c, purpose: c.purpose === null ? null : pgText(c.purpose), endpoint: pgText(c.endpoint), requestId: c.requestId === null ? null : pgText(c.requestId) } }),
    list: (f: CallFilter, skip: number, take: number) =>
      db.$transaction([db.apiCall.findMany({ where: where(f), orderBy: { id: 'desc' }, skip, take }), db.apiCall.count({ where: where(f) })]),
  };
}

const pgText = (v: string) => v.replaceAll('\u0000', '\ufffd');

const results = new WeakMap<FastifyRequest, string[]>();

/** Handlers name what they return; the audit hook records it with the call. */
export function auditResult(request: FastifyRequest, ids: string[]): void {
  results.set(request, ids);
}

const audited = new WeakSet<FastifyRequest>();

/** onSend hook for the client API: one audit row per call, whatever its outcome (401s aside: no client is known). */
export function auditHook(repo: ReturnType<typeof auditRepository>) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (audited.has(request)) return payload;
    audited.add(request);
    let clientId: string;
    try { clientId = request.principal.sub; } catch { return payload; }
    const purpose = (request.query as { purpose?: unknown } | undefined)?.purpose;
    const ok = reply.statusCode < 400;
    await repo.record({
      clientId, method: request.method, endpoint: request.routeOptions.url ?? request.url.split('?')[0]!,
      purpose: typeof purpose === 'string' && purpose ? purpose.slice(0, 500) : null,
      resultIds: ok ? results.get(request) ?? [] : [], status: reply.statusCode, requestId: request.id,
    });
    return payload;
  };
}
