/**
 * 投诉 in supervision, against the real service (Postgres, extranet NATS): complaint.filed arrives on
 * IN as the inbound lane's receiver writes it; supervision assigns and answers it, the answer leaves
 * as complaint.answered on OUT (for the complainant); an unanswered complaint past its deadline in
 * working days raises one warning (row + hall.x.supervision.complaint.overdue), on a test clock.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { connectNats, createPublisher, type NatsConnection } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { createClock, startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { startOrCleanup, waitFor } from '@hall/testkit';
import { createDefinition } from '../src/app.js';
import type { Db } from '../src/db.js';
import { complaintDueAt } from '../src/complaints.js';

const clock = createClock();
let env: ServiceEnv, svc: RunningService<unknown, Db>, relayIn: NatsConnection;
let supervisor: string, handler: string, otherHandler: string;

beforeAll(async () => {
  env = await createServiceEnv({ zone: 'extranet', natsUser: 'supervision' });
  // Sweeps every 100 ms instead of every second: the overdue test waits for sweeps, not for time.
  svc = (await startOrCleanup(env, () => startService(createDefinition({ clock: () => clock.now() }), { ...env.env, SCAN_INTERVAL_MS: '3600000', COMPLAINT_SWEEP_INTERVAL_MS: '100' })) as unknown) as RunningService<unknown, Db>;
  const u = env.nats.users['relay-in-receiver']!;
  relayIn = await connectNats({ servers: env.nats.url, user: u.user, pass: u.pass, name: 'test-relay-in', logger: createLogger({ service: 't', level: 'silent' }) });
  supervisor = env.token({ sub: randomUUID(), name: '监察员', roles: ['staff', 'supervisor'] });
  handler = env.token({ sub: 'h-1', name: '卫健委投诉专员', roles: ['staff', 'complaint_handler'], department: 'gy-wjw' });
  otherHandler = env.token({ sub: 'h-2', name: '民政局投诉专员', roles: ['staff', 'complaint_handler'], department: 'gy-mz' });
}, 90_000);
afterAll(async () => { await relayIn?.close(); await svc?.stop(); await env?.cleanup(); }, 30_000);

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) => svc.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
async function file(filedAt: Date, extra: Record<string, unknown> = {}) {
  const complaintId = randomUUID();
  const trackingCode = `TS${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  await createPublisher(relayIn).publish(buildMessage('complaint.filed', {
    zone: 'internet', correlationId: `complaint:${complaintId}`,
    payload: { complaintId, trackingCode, target: { kind: 'department', department: 'gy-wjw' }, category: 'delay', content: '申请已超过承诺时限仍未办结，电话无人接听。', anonymous: true, filedAt: filedAt.toISOString(), ...extra },
  }));
  await waitFor(() => svc.ctx.prisma.complaint.findUnique({ where: { id: complaintId } }));
  return { complaintId, trackingCode };
}
/**
 * Resolves once `n` more sweeps have run with the clock at `at`. Each round files a complaint against
 * another department that is already overdue at `at` (filed 2026-11-26, due 2026-12-10) and waits for
 * its warning: the sweep that raised it started after the complaint was stored, looked at every open
 * complaint, and rounds are sequential, so `n` rounds are `n` distinct sweeps. What those sweeps would
 * have done to the test's own complaint is done by then: a deterministic stand-in for sleeping
 * "through several sweeps".
 */
async function sweepsAt(at: Date, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const marker = await file(new Date('2026-11-26T03:00:00Z'), { target: { kind: 'department', department: 'gy-zjj' } });
    const w = await waitFor(() => svc.ctx.prisma.complaintWarning.findUnique({ where: { complaintId: marker.complaintId } }), { what: `sweep ${i} of ${n} at ${at.toISOString()} (its marker complaint's warning)` });
    expect(w.raisedAt).toEqual(at);
  }
}
const outbox = (type: string) => svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>('SELECT payload FROM outbox WHERE type = $1 ORDER BY created_at, seq', type);

describe('complaints in supervision', () => {
  it('takes a complaint in, assigns it, answers it, and sends the answer back outbound', async () => {
    clock.set(new Date('2026-11-27T02:00:00Z'));
    const { complaintId, trackingCode } = await file(new Date('2026-11-27T02:00:00Z'));
    const c = await svc.ctx.prisma.complaint.findUniqueOrThrow({ where: { id: complaintId } });
    expect(c).toMatchObject({ department: 'gy-wjw', status: 'received', anonymous: true, complainantName: null });
    // 10 working days after Friday 2026-11-27: Friday 2026-12-11, end of the day in China.
    expect(c.dueAt.toISOString()).toBe('2026-12-11T15:59:59.999Z');

    // Another department's handler does not see it.
    expect((await call('POST', `/v1/complaints/${complaintId}/answer`, otherHandler, { outcome: 'unsubstantiated', answer: '不属实' })).statusCode).toBe(404);
    expect((await call('GET', '/v1/complaints', otherHandler)).json().total).toBe(0);

    const assigned = await call('POST', `/v1/complaints/${complaintId}/assign`, supervisor, { department: 'gy-wjw', assignee: 'h-1', assigneeName: '卫健委投诉专员' });
    expect(assigned.json()).toMatchObject({ status: 'assigned', assignee: 'h-1' });
    const answered = await call('POST', `/v1/complaints/${complaintId}/answer`, handler, { outcome: 'partly', answer: '经核查，办件因材料补正暂停计时，但电话未及时接听属实，已整改。' });
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({ status: 'answered', outcome: 'partly', overdue: false });
    expect((await call('POST', `/v1/complaints/${complaintId}/answer`, handler, { outcome: 'partly', answer: '再次答复' })).json().code).toBe('complaint_answered');

    const sent = (await outbox('complaint.answered')).filter((m) => m.payload.payload.complaintId === complaintId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload.payload).toMatchObject({ trackingCode, outcome: 'partly', department: 'gy-wjw' });
    await waitFor(async () => ((await svc.ctx.prisma.$queryRawUnsafe<{ n: number }[]>("SELECT count(*)::int AS n FROM outbox WHERE type = 'complaint.answered' AND sent_at IS NOT NULL"))[0]!.n >= 1 ? true : null));
    const detail = (await call('GET', `/v1/complaints/${complaintId}`, supervisor)).json();
    expect(detail.actions.map((a: { action: string }) => a.action)).toEqual(['receive', 'assign', 'answer']);
  });

  it('raises one warning for a complaint left unanswered past its deadline, and counts it for the department', async () => {
    const filedAt = new Date('2026-11-27T03:00:00Z');
    clock.set(filedAt);
    const { complaintId, trackingCode } = await file(filedAt);
    expect(complaintDueAt(filedAt).toISOString()).toBe('2026-12-11T15:59:59.999Z');
    // Just before the deadline: no warning, through several sweeps.
    const before = new Date('2026-12-11T15:59:00Z');
    clock.set(before);
    await sweepsAt(before, 2);
    expect(await svc.ctx.prisma.complaintWarning.count({ where: { complaintId } })).toBe(0);

    const after = new Date('2026-12-11T16:00:01Z');
    clock.set(after);
    const warning = await waitFor(() => svc.ctx.prisma.complaintWarning.findUnique({ where: { complaintId } }), { what: 'the warning of the overdue complaint' });
    expect(warning).toMatchObject({ department: 'gy-wjw', level: 'red' });
    // Later sweeps leave it at one warning and one message.
    await sweepsAt(after, 2);
    const raised = (await outbox('supervision.complaint.overdue')).filter((m) => m.payload.payload.complaintId === complaintId);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.payload.payload).toMatchObject({ trackingCode, department: 'gy-wjw', workingDaysLimit: 10 });

    const stats = (await call('GET', '/v1/complaints/statistics', handler)).json();
    expect(stats.departments).toEqual([{ department: 'gy-wjw', total: 2, answered: 1, open: 1, overdue: 1, substantiated: 0, partly: 1, unsubstantiated: 0 }]);
    const list = (await call('GET', '/v1/complaints?status=received', handler)).json();
    expect(list.items.find((c: { id: string }) => c.id === complaintId)).toMatchObject({ overdue: true });
    clock.set(null);
  }, 30_000);
});
