/** Boots the real approval service on real Postgres and the extranet NATS server; publishes as the zone's real producers. */
import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher } from '@hall/messaging';
import { buildMessage, type MessageType } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { definition } from '../src/app.js';
import { DEMO_CATALOG } from '../../catalog/src/demo-catalog.js';
import { waitFor } from '@hall/testkit';
import type { Db } from '../src/db.js';

export const ITEM = {
  code: 'T-ITEM-002', version: 1, name: '生育登记', powerType: '行政确认', department: 'gy-wjw', departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区',
  promisedDays: 5, statutoryDays: 20, certificateType: 'birth-service-certificate', guide: {}, formSchema: { type: 'object' }, materials: [], publishedAt: new Date().toISOString(),
};

export function application(applicationId = randomUUID()) {
  return {
    applicationId, receiptNo: 'SB2026112600000001', itemCode: ITEM.code, itemVersion: 1,
    applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' as const }, form: { name: '周梦婕' }, materials: [], submittedAt: new Date().toISOString(),
  };
}

export interface Harness {
  svc: RunningService<unknown, Db>;
  env: ServiceEnv;
  publish(as: string, type: MessageType, payload: unknown, zone?: 'internet' | 'extranet', id?: string): Promise<void>;
  /** The service's log records of level warn and above (and below, with TEST_LOG_LEVEL), oldest first: events a test can wait for. */
  logs: Record<string, unknown>[];
  /** Resolves once the consumer `consumer` has committed the message `messageId` (its inbox row, written with the handler's effects). */
  handled(consumer: string, messageId: string): Promise<void>;
  close(): Promise<void>;
}

/** `extraEnv`: settings of this test's service (shorter intervals); production defaults otherwise. */
export async function startApproval(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'approval', objectStore: true, env: extraEnv });
  // Warnings are kept for the test to read (the consumer logs a failed handling there); they reach
  // stdout only when TEST_LOG_LEVEL asks for logs.
  const logs: Record<string, unknown>[] = [];
  const shown = process.env.TEST_LOG_LEVEL;
  const logDestination = { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); if (shown) process.stdout.write(line); } };
  const svc = (await startService(definition, { ...env.env, LOG_LEVEL: shown ?? 'warn' }, { logDestination })) as unknown as RunningService<unknown, Db>;
  const conns = new Map<string, ReturnType<typeof createPublisher>>();
  const closers: (() => Promise<void>)[] = [];
  return {
    svc, env, logs,
    handled: async (consumer, messageId) => {
      await waitFor(async () => (await svc.ctx.prisma.$queryRawUnsafe<unknown[]>('SELECT 1 FROM inbox WHERE consumer = $1 AND message_id = $2', consumer, messageId)).length > 0, { what: `${consumer} to handle message ${messageId}` });
    },
    publish: async (as, type, payload, zone = 'extranet', id) => {
      let pub = conns.get(as);
      if (!pub) {
        const c = env.nats.users[as]!;
        const nc = await connectNats({ servers: env.nats.url, user: c.user, pass: c.pass, name: `test-${as}`, logger: createLogger({ service: 't', level: 'silent' }) });
        closers.push(() => nc.close());
        pub = createPublisher(nc);
        conns.set(as, pub);
      }
      await pub.publish(buildMessage(type, { zone, correlationId: 'test', payload: payload as never, ...(id ? { id } : {}) }));
    },
    close: async () => { for (const c of closers) await c(); await svc.stop(); await env.cleanup(); },
  };
}

export { waitFor } from '@hall/testkit';

/** The publication of a demo catalog item (services/catalog's seeds), as the catalog publishes it. */
export function publicationOf(code: string, overrides: Record<string, unknown> = {}) {
  const i = DEMO_CATALOG.find((x) => x.code === code);
  if (!i) throw new Error(`demo item ${code} not found`);
  const keep = ['code', 'version', 'name', 'powerType', 'department', 'departmentName', 'hall', 'level', 'promisedDays', 'statutoryDays', 'certificateType', 'guide', 'formSchema', 'materials', 'kind', 'online', 'visits', 'keywords', 'workflow', 'implementationCode'];
  return { ...Object.fromEntries(Object.entries(i).filter(([k]) => keep.includes(k))), publishedAt: new Date().toISOString(), ...overrides } as typeof ITEM & Record<string, unknown>;
}

/** A staff token of the zone's issuer. */
export const staffToken = (h: Harness, name: string, department: string, positions: string[], extra: Record<string, unknown> = {}) =>
  h.env.token({ sub: `staff-${name}-${randomUUID().slice(0, 6)}`, name, roles: ['staff'], department, positions, region: '440400', ...extra });

/** Calls the service as a staff member; returns status and JSON body. */
export async function call(h: Harness, method: 'GET' | 'POST', url: string, token: string, body?: object): Promise<{ status: number; body: any }> {
  const r = await h.svc.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : method === 'POST' ? { payload: {} } : {}) });
  return { status: r.statusCode, body: r.json() };
}

/** Publishes an application for an item and waits for its case. */
export async function submit(h: Harness, item: { code: string; version: number }, form: Record<string, unknown> = {}, materials: unknown[] = []) {
  const app = { ...application(), itemCode: item.code, itemVersion: item.version, form, materials };
  await h.publish('relay-in-receiver', 'application.submitted', app, 'internet');
  const c = await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }), 20_000);
  return { app, c };
}

/** The messages of a type the service wrote to its outbox for one application, oldest first. */
export const outboxOf = (h: Harness, type: string, correlationId: string) =>
  h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>('SELECT payload FROM outbox WHERE type = $1 AND correlation_id = $2 ORDER BY seq', type, correlationId).then((r) => r.map((x) => x.payload.payload));
