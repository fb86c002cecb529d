import { startOrCleanup } from '@hall/testkit';
/**
 * Boots the real catalog service (app.ts) on real Postgres and the extranet NATS server, and reads
 * the OUT stream as the zone's provisioner through the JetStream API (the catalog package does not
 * depend on a JetStream client; the API is plain request/reply on `$JS.API.…`).
 */
import type { Static } from '@sinclair/typebox';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, type NatsConnection } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { definition, type CatalogConfig } from '../src/app.js';
export { seedCertificateDefinitions } from '../src/app.js';
import type { Db } from '../src/db.js';

export { BIRTH_REGISTRATION } from '../src/demo-items.js';
export { itemRepository } from '../src/items.js';

export const PUBLISHED_SUBJECT = 'hall.out.catalog.item.published';

export interface StreamMessage { seq: number; subject: string; headers: Record<string, string>; data: any }

export interface Harness {
  svc: RunningService<Static<typeof CatalogConfig>, Db>;
  env: ServiceEnv;
  /** The last message on a subject of the OUT stream, or null when there is none. */
  lastOut(subject: string): Promise<StreamMessage | null>;
  /** The OUT stream's message published under this Nats-Msg-Id, or null. */
  outById(id: string): Promise<StreamMessage | null>;
  /** How many messages the OUT stream holds. */
  outCount(): Promise<number>;
  /** Outbox rows of a type, oldest first. */
  outbox(type: string): Promise<{ id: string; subject: string; correlation_id: string; payload: any; sent_at: Date | null }[]>;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

async function jsApi(nc: NatsConnection, subject: string, body: unknown = {}): Promise<any> {
  const reply = await nc.request(subject, JSON.stringify(body), { timeout: 5000 });
  return JSON.parse(decoder.decode(reply.data));
}

/** `NATS/1.0\r\nName: value\r\n…` → { Name: value } (first value of each header). */
function parseHeaders(b64: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!b64) return out;
  for (const line of Buffer.from(b64, 'base64').toString('utf8').split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0 && !(line.slice(0, i) in out)) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export async function startCatalog(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'catalog', env: extraEnv });
  const svc: Harness['svc'] = await startOrCleanup(env, () => startService(definition, env.env));
  const p = env.nats.users.provisioner!;
  const nc = await connectNats({ servers: env.nats.url, user: p.user, pass: p.pass, name: 'test-provisioner', logger: createLogger({ service: 'test', level: 'silent' }) });
  return {
    svc, env,
    lastOut: async (subject) => {
      const r = await jsApi(nc, '$JS.API.STREAM.MSG.GET.OUT', { last_by_subj: subject });
      if (r.error) {
        if (r.error.code === 404) return null;
        throw new Error(`JetStream: ${r.error.description}`);
      }
      const m = r.message;
      return { seq: m.seq, subject: m.subject, headers: parseHeaders(m.hdrs), data: JSON.parse(Buffer.from(m.data, 'base64').toString('utf8')) };
    },
    outById: async (id) => {
      const info = await jsApi(nc, '$JS.API.STREAM.INFO.OUT');
      for (let seq = info.state.last_seq as number; seq >= (info.state.first_seq as number); seq--) {
        const r = await jsApi(nc, '$JS.API.STREAM.MSG.GET.OUT', { seq });
        if (r.error) continue;
        const headers = parseHeaders(r.message.hdrs);
        if (headers['Nats-Msg-Id'] === id) return { seq, subject: r.message.subject, headers, data: JSON.parse(Buffer.from(r.message.data, 'base64').toString('utf8')) };
      }
      return null;
    },
    outCount: async () => {
      const r = await jsApi(nc, '$JS.API.STREAM.INFO.OUT');
      if (r.error) throw new Error(`JetStream: ${r.error.description}`);
      return r.state.messages as number;
    },
    outbox: (type) => svc.ctx.prisma.$queryRawUnsafe('SELECT id::text AS id, subject, correlation_id, payload, sent_at FROM outbox WHERE type = $1 ORDER BY created_at, seq', type),
    close: async () => { await nc.close(); await svc.stop(); await env.cleanup(); },
  };
}

export { waitFor } from '@hall/testkit';
