import { waitFor } from '@hall/testkit';
/**
 * Boots the real relay (app.ts) as one lane. The relay runs as the destination zone, so
 * `createServiceEnv` gives it the destination's nats-server, S3 and database; the source zone gets
 * its own nats-server and S3 beside it, handed over through the SOURCE_* variables exactly as
 * deploy does. Streams are inspected through the JetStream JSON API as each zone's provisioner.
 */
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { startNatsZone, startS3, type NatsZoneServer, type S3Server } from '@hall/testkit';
import { connectNats, createPublisher, type NatsConnection, type Publisher } from '@hall/messaging';
import { buildMessage, type AttachmentRef } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { createObjectStore, sha256Hex, type ObjectStore } from '@hall/storage';
import { randomUUID } from 'node:crypto';
import { definition } from '../src/app.js';
import { LANES } from '../src/lanes.js';
import type { Db } from '../src/db.js';

export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const logger = createLogger({ service: 'relay-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface StoredMessage { seq: number; subject: string; headers: Record<string, string>; data: Buffer }

/** The few JetStream API calls the tests need, over plain request/reply (services do not depend on @nats-io/jetstream). */
export function streamAdmin(nc: NatsConnection) {
  const api = async <T>(subject: string, body: unknown = {}): Promise<T> => {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).json<T & { error?: { description: string } }>();
    if (reply.error) throw new Error(`${subject}: ${reply.error.description}`);
    return reply;
  };
  return {
    info: (stream: string) => api<{ state: { messages: number; first_seq: number; last_seq: number } }>(`$JS.API.STREAM.INFO.${stream}`),
    consumer: (stream: string, durable: string) => api<{ ack_floor: { stream_seq: number }; num_ack_pending: number }>(`$JS.API.CONSUMER.INFO.${stream}.${durable}`),
    /** Every message the stream holds, oldest first. */
    async messages(stream: string): Promise<StoredMessage[]> {
      const { state } = await this.info(stream);
      const out: StoredMessage[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const { message: m } = await api<{ message: { seq: number; subject: string; hdrs?: string; data?: string } }>(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
        const headers: Record<string, string> = {};
        for (const line of Buffer.from(m.hdrs ?? '', 'base64').toString('utf8').split('\r\n').slice(1)) {
          const at = line.indexOf(':');
          if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
        out.push({ seq: m.seq, subject: m.subject, headers, data: Buffer.from(m.data ?? '', 'base64') });
      }
      return out;
    },
  };
}
export type StreamAdmin = ReturnType<typeof streamAdmin>;

/** Publishes bytes straight into JetStream (no contract check, no Nats-Msg-Id) and returns the stream sequence. */
export async function publishRaw(nc: NatsConnection, subject: string, data: string | Uint8Array): Promise<number> {
  const ack = (await nc.request(subject, data, { timeout: 5000 })).json<{ seq?: number; error?: { description: string } }>();
  if (ack.error || ack.seq === undefined) throw new Error(`publish to ${subject} refused: ${ack.error?.description ?? 'no sequence'}`);
  return ack.seq;
}

export interface LaneHarness {
  lane: (typeof LANES)[keyof typeof LANES];
  svc: RunningService<unknown, Db>;
  env: ServiceEnv;
  source: { nats: NatsZoneServer; s3: S3Server; store: ObjectStore; admin: StreamAdmin };
  dest: { nats: NatsZoneServer; store: ObjectStore; admin: StreamAdmin };
  /** Connects to the source or destination zone's server as one of its users (closed by close()). */
  connect(side: 'source' | 'dest', user: string): Promise<NatsConnection>;
  /** Resolves once the lane has acknowledged (relayed or quarantined) everything up to source sequence `seq`. */
  handled(seq: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLane(name: 'inbound' | 'outbound'): Promise<LaneHarness> {
  const lane = LANES[name];
  const sender = name === 'inbound' ? 'relay-in-sender' : 'relay-out-sender';
  const receiver = name === 'inbound' ? 'relay-in-receiver' : 'relay-out-receiver';
  const [sourceNats, sourceS3] = await Promise.all([startNatsZone({ zone: lane.source }), startS3({ buckets: ['hall-materials'] })]);
  const env = await createServiceEnv({
    zone: lane.destination, natsUser: receiver, objectStore: true,
    env: {
      LANE: name, LANE_TRANSPORT: 'bridge', SOURCE_NATS_URL: sourceNats.url, SOURCE_NATS_USER: sender, SOURCE_NATS_PASS: sourceNats.users[sender]!.pass,
      SOURCE_S3_ENDPOINT: sourceS3.endpoint, SOURCE_S3_ACCESS_KEY: sourceS3.accessKey, SOURCE_S3_SECRET_KEY: sourceS3.secretKey,
    },
  });
  const svc = (await startService(definition, env.env)) as unknown as RunningService<unknown, Db>;
  const open: NatsConnection[] = [];
  const connect = async (side: 'source' | 'dest', user: string) => {
    const server = side === 'source' ? sourceNats : env.nats;
    const c = server.users[user];
    if (!c) throw new Error(`no ${server.zone} user ${user}`);
    const nc = await connectNats({ servers: server.url, user: c.user, pass: c.pass, name: `test-${side}-${user}`, logger });
    open.push(nc);
    return nc;
  };
  const sourceStore = createObjectStore({ endpoint: sourceS3.endpoint, accessKey: sourceS3.accessKey, secretKey: sourceS3.secretKey, bucket: 'hall-materials', logger });
  const sourceAdmin = streamAdmin(await connect('source', 'provisioner'));
  const destAdmin = streamAdmin(await connect('dest', 'provisioner'));
  return {
    lane, svc, env,
    source: { nats: sourceNats, s3: sourceS3, store: sourceStore, admin: sourceAdmin },
    dest: { nats: env.nats, store: svc.ctx.store!, admin: destAdmin },
    connect,
    handled: async (seq) => { await waitFor(async () => (await sourceAdmin.consumer(lane.stream, `relay-${name}`)).ack_floor.stream_seq >= seq, 15_000); },
    close: async () => {
      for (const nc of open) await nc.close();
      sourceStore.close();
      await svc.stop();
      await env.cleanup();
      await Promise.all([sourceNats.stop(), sourceS3.stop()]);
    },
  };
}

/** An application as declaration submits it, with its materials as attachments. */
export function applicationSubmitted(attachments: AttachmentRef[] = [], opts: { id?: string; zone?: 'internet' | 'extranet' } = {}) {
  const applicationId = randomUUID();
  return buildMessage('application.submitted', {
    zone: opts.zone ?? 'internet', correlationId: applicationId, ...(opts.id ? { id: opts.id } : {}), attachments,
    payload: {
      applicationId, receiptNo: 'SB2026112600000001', itemCode: 'T-ITEM-001', itemVersion: 1,
      applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: { name: '周梦婕' },
      materials: attachments.map((a) => ({ materialCode: 'id-card', fileName: 'id.png', objectKey: a.key, sha256: a.sha256, size: a.size, contentType: a.contentType })),
      submittedAt: new Date().toISOString(),
    },
  });
}

/** Puts `body` into the source store and returns the reference an envelope carries (declared values overridable). */
export async function sourceAttachment(h: LaneHarness, body: Buffer, declared: Partial<AttachmentRef> = {}): Promise<AttachmentRef> {
  const key = `materials/${randomUUID()}/${randomUUID()}`;
  await h.source.store.put(key, body, { contentType: declared.contentType ?? 'image/png', metadata: { sha256: sha256Hex(body) } });
  return { key, sha256: sha256Hex(body), size: body.length, contentType: 'image/png', ...declared };
}

export async function publisherAs(h: LaneHarness, side: 'source' | 'dest', user: string): Promise<{ nc: NatsConnection; pub: Publisher }> {
  const nc = await h.connect(side, user);
  return { nc, pub: createPublisher(nc) };
}

export { waitFor };
