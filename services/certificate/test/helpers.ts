import { waitFor } from '@hall/testkit';
/** Boots the real certificate service (app.ts) on real Postgres and the extranet NATS server; approval's requests are published as the approval user. */
import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher, type NatsConnection } from '@hall/messaging';
import { buildMessage, type CertificateRequested, type CertificateTypePublished, type IssuerPublished } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { definition } from '../src/app.js';
import type { Db } from '../src/db.js';

export function certificateRequest(overrides: Partial<CertificateRequested['payload']> = {}): CertificateRequested['payload'] {
  return {
    caseId: randomUUID(), caseNumber: `GY-WJW-20261126-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`, applicationId: randomUUID(),
    certificateType: 'birth-service-certificate', department: 'gy-wjw',
    holder: { accountId: randomUUID(), name: '周梦婕' }, data: { 女方姓名: '周梦婕', 男方姓名: '李明', 孩次: 1 },
    ...overrides,
  };
}

/** The issuer records these tests use, as the catalog publishes them (catalog.issuer.published). */
export const TEST_ISSUERS: Record<string, { name: string; creditCode: string }> = {
  'gy-wjw': { creditCode: '11341621003000001X', name: '涡阳县卫生健康委员会' },
  'gy-mzj': { creditCode: '11341621003000002T', name: '涡阳县民政局' },
  'gy-cl': { creditCode: '113416210030000035', name: '涡阳县残疾人联合会' },
  'gy-scj': { creditCode: '113416210030000048', name: '涡阳县市场监督管理局' },
};

export interface Harness {
  svc: RunningService<unknown, Db>;
  env: ServiceEnv;
  /** Publishes certificate.requested as approval does; returns the message id. */
  request(payload: CertificateRequested['payload'], id?: string): Promise<string>;
  /** Resolves once the service has handled the message with this id (its inbox row committed). */
  handled(messageId: string): Promise<void>;
  /** Publishes an issuer record as the catalog does and waits until the service stored it. */
  publishIssuer(p: Omit<IssuerPublished['payload'], 'publishedAt' | 'version' | 'keyPolicy'> & Partial<Pick<IssuerPublished['payload'], 'version' | 'keyPolicy'>>): Promise<void>;
  /** Publishes a certificate type definition as the catalog does and waits until the service handled it. */
  publishType(p: CertificateTypePublished['payload']): Promise<void>;
  close(): Promise<void>;
}

/** The portal's public address the service is given, and the verification page its QR codes carry. */
export const PORTAL_PUBLIC_URL = 'http://portal.test';
export const VERIFY_URL = `${PORTAL_PUBLIC_URL}/verify.html`;

export async function startCertificate(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'certificate', objectStore: true });
  const svc = (await startService(definition, { ...env.env, PORTAL_PUBLIC_URL, ...extraEnv })) as unknown as RunningService<unknown, Db>;
  const c = env.nats.users.approval!;
  const nc: NatsConnection = await connectNats({ servers: env.nats.url, user: c.user, pass: c.pass, name: 'test-approval', logger: createLogger({ service: 't', level: 'silent' }) });
  // Generous ack and wait limits: in CI these files run next to the whole-platform suites on two cores
  // (a 5-s JetStream ack timed out there at load average 19).
  const pub = createPublisher(nc, { timeoutMs: 30_000 });
  const cat = env.nats.users.catalog!;
  const catalogNc: NatsConnection = await connectNats({ servers: env.nats.url, user: cat.user, pass: cat.pass, name: 'test-catalog-issuers', logger: createLogger({ service: 't', level: 'silent' }) });
  const catalogPub = createPublisher(catalogNc, { timeoutMs: 30_000 });
  const publishIssuer: Harness['publishIssuer'] = async (p) => {
    const m = buildMessage('catalog.issuer.published', { zone: 'extranet', correlationId: `issuer:${p.department}`, payload: { keyPolicy: 'on_first_use', version: 1, ...p, publishedAt: new Date().toISOString() } });
    await catalogPub.publish(m);
    await waitFor(async () => (await svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'certificate-issuers' AND message_id = $1", m.id)).length > 0, 60_000);
  };
  await Promise.all(Object.entries(TEST_ISSUERS).map(([department, i]) => publishIssuer({ department, ...i })));
  const publishType: Harness['publishType'] = async (payload) => {
    const m = buildMessage('catalog.certificate-type.published', { zone: 'extranet', correlationId: `certificate-type:${payload.code}`, payload });
    await catalogPub.publish(m);
    await waitFor(async () => (await svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'certificate-types' AND message_id = $1", m.id)).length > 0, 60_000);
  };
  return {
    publishIssuer, publishType,
    svc, env,
    request: async (payload, id) => {
      const m = buildMessage('certificate.requested', { zone: 'extranet', correlationId: payload.applicationId, payload, ...(id ? { id } : {}) });
      await pub.publish(m);
      return m.id;
    },
    handled: async (messageId) => {
      await waitFor(async () => (await svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'certificate' AND message_id = $1", messageId)).length > 0, 60_000);
    },
    close: async () => { await nc.close(); await catalogNc.close(); await svc.stop(); await env.cleanup(); },
  };
}

export { waitFor };
