import { waitFor } from '@hall/testkit';
/** Boots the real supervision service (app.ts) on real Postgres and the extranet NATS server; events are published as the zone's real producers. */
import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher, type NatsConnection, type Publisher, type PublishResult } from '@hall/messaging';
import { buildMessage, type CaseTransitioned, type MessageOf, type MessageType } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { definition } from '../src/app.js';
import type { Db } from '../src/db.js';

/** Who writes each event type into the extranet. */
const PRODUCER: Partial<Record<MessageType, string>> = { 'application.submitted': 'relay-in-receiver', 'case.transitioned': 'approval', 'certificate.issued': 'certificate', 'relay.message.quarantined': 'relay-in-receiver' };

export interface Harness {
  svc: RunningService<unknown, Db>;
  env: ServiceEnv;
  publish<T extends MessageType>(message: MessageOf<T>): Promise<PublishResult>;
  /** Publishes the message's bytes once more without Nats-Msg-Id, so the stream keeps a second copy; returns its sequence. */
  publishCopy(message: MessageOf<MessageType>): Promise<number>;
  /** Resolves once supervision has acknowledged everything up to `seq` of the stream. */
  handled(stream: 'X' | 'IN', seq: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSupervision(): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'supervision' });
  const svc = (await startService(definition, env.env)) as unknown as RunningService<unknown, Db>;
  const conns = new Map<string, { nc: NatsConnection; pub: Publisher }>();
  const as = async (user: string) => {
    let c = conns.get(user);
    if (!c) {
      const u = env.nats.users[user]!;
      const nc = await connectNats({ servers: env.nats.url, user: u.user, pass: u.pass, name: `test-${user}`, logger: createLogger({ service: 't', level: 'silent' }) });
      c = { nc, pub: createPublisher(nc) };
      conns.set(user, c);
    }
    return c;
  };
  return {
    svc, env,
    publish: async (message) => (await as(PRODUCER[message.type]!)).pub.publish(message),
    publishCopy: async (message) => {
      const { nc } = await as(PRODUCER[message.type]!);
      const subject = message.type === 'application.submitted' ? 'hall.in.application.submitted' : `hall.x.${message.type}`;
      return (await nc.request(subject, JSON.stringify(message), { timeout: 5000 })).json<{ seq: number }>().seq;
    },
    handled: async (stream, seq) => {
      // The service's own user may read its consumers' state (CONSUMER.INFO), nothing more.
      await waitFor(async () => (await svc.ctx.nc.request(`$JS.API.CONSUMER.INFO.${stream}.supervision`, '{}', { timeout: 5000 })).json<{ ack_floor: { stream_seq: number } }>().ack_floor.stream_seq >= seq);
    },
    close: async () => { for (const { nc } of conns.values()) await nc.close(); await svc.stop(); await env.cleanup(); },
  };
}

export function caseTransitioned(caseNumber: string, action: string, to: CaseTransitioned['payload']['to'], occurredAt: Date, opts: { caseId?: string; applicationId?: string; id?: string } = {}) {
  const caseId = opts.caseId ?? randomUUID();
  const applicationId = opts.applicationId ?? randomUUID();
  return buildMessage('case.transitioned', {
    zone: 'extranet', correlationId: applicationId, occurredAt, ...(opts.id ? { id: opts.id } : {}),
    payload: { caseId, caseNumber, applicationId, itemCode: 'T-ITEM-002', department: 'gy-wjw', action, from: null, to, actor: 'staff-1', at: occurredAt.toISOString() },
  });
}

export function applicationSubmitted(applicationId: string, occurredAt: Date) {
  return buildMessage('application.submitted', {
    zone: 'internet', correlationId: applicationId, occurredAt,
    payload: { applicationId, receiptNo: 'SB2026112600000001', itemCode: 'T-ITEM-002', itemVersion: 1, applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: {}, materials: [], submittedAt: occurredAt.toISOString() },
  });
}

export const newCaseNumber = () => `GY-WJW-20261126-${randomUUID().slice(0, 6)}`;

export { waitFor };
