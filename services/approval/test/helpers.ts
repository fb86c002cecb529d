/** Boots the real approval service on real Postgres and the extranet NATS server; publishes as the zone's real producers. */
import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { connectNats, createPublisher } from '@hall/messaging';
import { buildMessage, type MessageType } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import { definition } from '../src/app.js';
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

export interface Harness { svc: RunningService<unknown, Db>; env: ServiceEnv; publish(as: string, type: MessageType, payload: unknown, zone?: 'internet' | 'extranet', id?: string): Promise<void>; close(): Promise<void> }

export async function startApproval(): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'approval' });
  const svc = (await startService(definition, env.env)) as unknown as RunningService<unknown, Db>;
  const conns = new Map<string, ReturnType<typeof createPublisher>>();
  const closers: (() => Promise<void>)[] = [];
  return {
    svc, env,
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
