/** Boots the real declaration service (app.ts) on real Postgres, NATS (internet zone) and S3. */
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher } from '@hall/messaging';
import { buildMessage } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { definition } from '../src/app.js';
import type { Db } from '../src/db.js';

export const ITEM = {
  code: 'T-ITEM-001', version: 1, name: '测试事项', powerType: '行政确认', department: 'gy-wjw', departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区',
  promisedDays: 5, statutoryDays: 20, certificateType: 'birth-service-certificate', guide: { fees: '不收费' },
  formSchema: { type: 'object', additionalProperties: false, required: ['name', 'phone'], properties: { name: { type: 'string', minLength: 2, title: '姓名' }, phone: { type: 'string', pattern: '^1[3-9]\\d{9}$', title: '联系电话' } } },
  materials: [{ code: 'id-card', name: '身份证', required: true, allowedTypes: ['image/png', 'application/pdf'], maxSizeBytes: 4096 }],
  publishedAt: new Date().toISOString(),
};

export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface Harness { svc: RunningService<unknown, Db>; env: ServiceEnv; url: string; publishOutbound(type: 'catalog.item.published' | 'case.status.changed' | 'certificate.notice' | 'consultation.answered', payload: unknown, id?: string): Promise<void>; close(): Promise<void> }

/** `own`: a NATS server and object store of its own, for tests that stop them (see createServiceEnv). */
export async function startDeclaration(extraEnv: Record<string, string> = {}, opts: { own?: boolean } = {}): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'internet', natsUser: 'declaration', objectStore: true, env: extraEnv, own: opts.own });
  const svc = (await startService(definition, env.env)) as unknown as RunningService<unknown, Db>;
  // The outbound lane's receiver is the only writer of hall.out.* in the internet zone: act as it.
  const creds = env.nats.users['relay-out-receiver']!;
  const nc = await connectNats({ servers: env.nats.url, user: creds.user, pass: creds.pass, name: 'test-relay', logger: createLogger({ service: 'test', level: 'silent' }) });
  const pub = createPublisher(nc);
  return {
    svc, env, url: svc.url,
    publishOutbound: async (type, payload, id) => {
      await pub.publish(buildMessage(type, { zone: 'extranet', correlationId: (payload as { applicationId?: string }).applicationId ?? 'catalog', payload: payload as never, ...(id ? { id } : {}) }));
    },
    close: async () => { await nc.close(); await svc.stop(); await env.cleanup(); },
  };
}

export { waitFor } from '@hall/testkit';
