import { startNatsZone, startOrCleanup, waitFor } from '@hall/testkit';
/** Boots the real supervision service (app.ts) on real Postgres and the extranet NATS server; events are published as the zone's real producers. */
import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher, type NatsConnection, type Publisher, type PublishResult } from '@hall/messaging';
import { buildMessage, subjectOf, type CaseTransitioned, type ItemPublished, type MessageOf, type MessageType } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { createDefinition } from '../src/app.js';
import type { Db } from '../src/db.js';

/** Who writes each event type into the extranet. */
const PRODUCER: Partial<Record<MessageType, string>> = {
  'application.submitted': 'relay-in-receiver', 'evaluation.submitted': 'relay-in-receiver', 'case.transitioned': 'approval', 'certificate.issued': 'certificate', 'certificate.failed': 'certificate',
  'relay.message.quarantined': 'relay-in-receiver', 'catalog.item.published': 'catalog',
};

export interface Harness {
  svc: RunningService<unknown, Db>;
  env: ServiceEnv;
  publish<T extends MessageType>(message: MessageOf<T>): Promise<PublishResult>;
  /** Publishes the message's bytes once more without Nats-Msg-Id, so the stream keeps a second copy; returns its sequence. */
  publishCopy(message: MessageOf<MessageType>): Promise<number>;
  /** Resolves once supervision has acknowledged everything up to `seq` of the stream. */
  handled(stream: 'X' | 'IN', seq: number): Promise<void>;
  /** Publishes in order and waits until supervision has recorded every one. */
  send(...messages: MessageOf<MessageType>[]): Promise<void>;
  /** Publishes an item version and waits until supervision knows it. */
  publishItem(m: MessageOf<'catalog.item.published'>): Promise<void>;
  /** Resolves once every consumer of supervision has nothing pending (what earlier tests of the file published is handled). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts supervision; the periodic deadline scan is off unless a test sets SCAN_INTERVAL_MS (tests
 * scan at chosen instants). `ownNats`: a NATS server of its own, for a second supervision in the
 * same file: two instances on one server would share the durable consumers and take each other's
 * messages.
 */
export async function startSupervision(opts: { clock?: () => Date; env?: Record<string, string>; ownNats?: boolean } = {}): Promise<Harness> {
  const nats = opts.ownNats ? await startNatsZone({ zone: 'extranet' }) : undefined;
  const env = await startOrCleanup({ cleanup: async () => { await nats?.stop(); } }, () => createServiceEnv({ zone: 'extranet', natsUser: 'supervision', ...(nats ? { nats } : {}) }));
  const svc = (await startService(createDefinition({ clock: opts.clock }), { ...env.env, SCAN_INTERVAL_MS: '3600000', ...opts.env })) as unknown as RunningService<unknown, Db>;
  const conns = new Map<string, { nc: NatsConnection; pub: Publisher }>();
  const as = async (user: string) => {
    let c = conns.get(user);
    if (!c) {
      const u = env.nats.users[user]!;
      const nc = await connectNats({ servers: env.nats.url, user: u.user, pass: u.pass, name: `test-${user}`, logger: createLogger({ service: 't', level: 'silent' }) });
      c = { nc, pub: createPublisher(nc, { timeoutMs: 30_000 }) };
      conns.set(user, c);
    }
    return c;
  };
  return {
    svc, env,
    publish: async (message) => (await as(PRODUCER[message.type]!)).pub.publish(message),
    publishCopy: async (message) => {
      const { nc } = await as(PRODUCER[message.type]!);
      const subject = subjectOf(message.type);
      return (await nc.request(subject, JSON.stringify(message), { timeout: 5000 })).json<{ seq: number }>().seq;
    },
    handled: async (stream, seq) => {
      // The service's own user may read its consumers' state (CONSUMER.INFO), nothing more.
      await waitFor(async () => (await svc.ctx.nc.request(`$JS.API.CONSUMER.INFO.${stream}.supervision`, '{}', { timeout: 5000 })).json<{ ack_floor: { stream_seq: number } }>().ack_floor.stream_seq >= seq, 60_000);
    },
    send: async (...messages) => {
      for (const m of messages) await (await as(PRODUCER[m.type]!)).pub.publish(m);
      const ids = messages.map((m) => m.id);
      await waitFor(async () => (await svc.ctx.prisma.processEvent.count({ where: { messageId: { in: ids } } })) === ids.length, 60_000);
    },
    publishItem: async (m) => {
      await (await as('catalog')).pub.publish(m);
      await waitFor(async () => (await svc.ctx.prisma.item.findUnique({ where: { code: m.payload.code } }))?.version === m.payload.version, 60_000);
    },
    settled: async () => {
      await waitFor(async () => {
        for (const [stream, durable] of CONSUMERS) {
          const c = (await svc.ctx.nc.request(`$JS.API.CONSUMER.INFO.${stream}.${durable}`, '{}', { timeout: 5000 })).json<{ num_pending: number; num_ack_pending: number }>();
          if (c.num_pending !== 0 || c.num_ack_pending !== 0) return false;
        }
        return true;
      }, { what: "supervision's consumers to have nothing pending" });
    },
    close: async () => { for (const { nc } of conns.values()) await nc.close(); await svc.stop(); await env.cleanup(); await nats?.stop(); },
  };
}

/** Supervision's durable consumers (app.ts, complaints.ts), as [stream, durable]. */
const CONSUMERS = [['X', 'supervision'], ['IN', 'supervision'], ['QUARANTINE', 'supervision'], ['OUT', 'supervision-items'], ['IN', 'supervision-complaints']] as const;

export interface TransitionOpts { caseId?: string; applicationId?: string; id?: string; itemCode?: string; department?: string; actor?: string; from?: CaseTransitioned['payload']['from']; reason?: string; step?: string }
export function caseTransitioned(caseNumber: string, action: string, to: CaseTransitioned['payload']['to'], occurredAt: Date, opts: TransitionOpts = {}) {
  const caseId = opts.caseId ?? randomUUID();
  const applicationId = opts.applicationId ?? randomUUID();
  return buildMessage('case.transitioned', {
    zone: 'extranet', correlationId: applicationId, occurredAt, ...(opts.id ? { id: opts.id } : {}),
    payload: {
      caseId, caseNumber, applicationId, itemCode: opts.itemCode ?? 'T-ITEM-002', department: opts.department ?? 'gy-wjw', action, from: opts.from ?? null, to,
      actor: opts.actor ?? 'staff-1', at: occurredAt.toISOString(), ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.step ? { step: opts.step } : {}),
    },
  });
}

/** One case's transitions in order, each `from` the previous `to`: [action, to, at, extra] tuples. */
export function caseFlow(caseNumber: string, steps: [string, CaseTransitioned['payload']['to'], Date, Partial<TransitionOpts>?][], base: TransitionOpts = {}) {
  const ids = { caseId: base.caseId ?? randomUUID(), applicationId: base.applicationId ?? randomUUID() };
  let from: CaseTransitioned['payload']['from'] = null;
  return steps.map(([action, to, at, extra]) => {
    const m = caseTransitioned(caseNumber, action, to, at, { ...base, ...ids, from, ...extra });
    from = to;
    return m;
  });
}

export function itemPublished(code: string, o: { promisedDays?: number; department?: string; departmentName?: string; hall?: string; online?: boolean; workflow?: ItemPublished['payload']['workflow']; publishedAt?: Date; version?: number; status?: 'published' | 'retired' } = {}) {
  const at = o.publishedAt ?? new Date('2026-01-05T01:00:00Z');
  return buildMessage('catalog.item.published', {
    zone: 'extranet', correlationId: `${code}@${o.version ?? 1}`, occurredAt: at,
    payload: {
      code, version: o.version ?? 1, name: `测试事项 ${code}`, powerType: '行政许可', department: o.department ?? 'gy-wjw', departmentName: o.departmentName ?? '涡阳县卫健委',
      hall: o.hall ?? '涡阳县政务服务中心', level: '县级', promisedDays: o.promisedDays ?? 5, statutoryDays: 20, guide: {}, formSchema: {}, materials: [],
      publishedAt: at.toISOString(), online: o.online ?? true, ...(o.workflow ? { workflow: o.workflow } : {}), ...(o.status ? { status: o.status, ...(o.status === 'retired' ? { retiredAt: at.toISOString() } : {}) } : {}),
    },
  });
}

export function evaluation(caseNumber: string, level: number, evaluatedAt: Date, o: { department?: string; itemCode?: string; comment?: string } = {}) {
  const applicationId = randomUUID();
  return buildMessage('evaluation.submitted', {
    zone: 'internet', correlationId: applicationId, occurredAt: evaluatedAt,
    payload: { evaluationId: randomUUID(), applicationId, caseNumber, itemCode: o.itemCode ?? 'T-ITEM-002', department: o.department ?? 'gy-wjw', level, ...(o.comment ? { comment: o.comment } : {}), evaluatedAt: evaluatedAt.toISOString() },
  });
}

/** A China-time instant: cst('2026-10-10 10:00'). */
export const cst = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);

export function applicationSubmitted(applicationId: string, occurredAt: Date, itemCode = 'T-ITEM-002') {
  return buildMessage('application.submitted', {
    zone: 'internet', correlationId: applicationId, occurredAt,
    payload: { applicationId, receiptNo: 'SB2026112600000001', itemCode, itemVersion: 1, applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: {}, materials: [], submittedAt: occurredAt.toISOString() },
  });
}

export const newCaseNumber = () => `GY-WJW-20261126-${randomUUID().slice(0, 6)}`;

export { waitFor };
