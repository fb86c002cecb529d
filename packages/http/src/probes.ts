/**
 * Liveness and readiness probes for the orchestrator. /health says the process is up and never
 * touches a dependency (a database blip must not get every pod restarted); /ready runs the named
 * checks so that traffic is withheld until the database, NATS and friends answer.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, ProblemSchema } from './problem.js';

export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ProbeOptions {
  service: string;
  readiness: ReadinessChecks;
  timeoutMs: number;
}

async function runCheck(check: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // Promise.resolve().then(): a check that throws synchronously is a failed check, not a crash.
    await Promise.race([Promise.resolve().then(check), timeout]);
    return 'ok';
  } catch (err) {
    return err instanceof Error && err.message ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

async function probes(app: FastifyInstance, opts: ProbeOptions): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const checksSchema = Type.Record(Type.String(), Type.String());

  typed.get('/health', {
    schema: { response: { 200: Type.Object({ status: Type.Literal('ok'), service: Type.String() }) } },
  }, async () => ({ status: 'ok' as const, service: opts.service }));

  typed.get('/ready', {
    schema: { response: { 200: Type.Object({ status: Type.Literal('ready'), checks: checksSchema }), 503: ProblemSchema } },
  }, async () => {
    const names = Object.keys(opts.readiness);
    const results = await Promise.all(names.map((name) => runCheck(opts.readiness[name]!, opts.timeoutMs)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    if (results.some((r) => r !== 'ok')) {
      throw new ProblemError(503, 'not_ready', '服务尚未就绪', { detail: '部分依赖检查未通过', extra: { checks } });
    }
    return { status: 'ready' as const, checks };
  });
}

export const probesPlugin = fp(probes, { name: '@hall/http/probes', fastify: '5.x', dependencies: ['@hall/http/problems'] });
