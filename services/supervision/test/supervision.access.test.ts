import { startSupervision, caseTransitioned, caseFlow, newCaseNumber, waitFor, type Harness } from './helpers.js';

let h: Harness;
const caseNumber = newCaseNumber();
beforeAll(async () => {
  h = await startSupervision();
  const m = caseTransitioned(caseNumber, 'receive', 'received', new Date());
  await h.publish(m);
  await waitFor(() => h.svc.ctx.prisma.processEvent.findUnique({ where: { messageId: m.id } }));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const urls = () => [
  `/v1/cases/${caseNumber}/timeline`, '/v1/events', '/v1/overview', '/v1/warnings', '/v1/anomalies', '/v1/rules',
  '/v1/rates?from=2026-11-01&to=2026-11-30', '/v1/chain/verify', '/v1/exports', '/v1/duty-shifts', '/v1/contacts',
];
const as = (p: { realm?: 'staff' | 'public'; roles: string[]; department?: string }) => ({ authorization: `Bearer ${h.env.token({ sub: 'u-1', name: '测试', ...p })}` });

describe('supervision access', () => {
  it('should show timelines and events to a supervisor', async () => {
    for (const url of urls()) expect((await h.svc.app.inject({ method: 'GET', url, headers: as({ roles: ['supervisor'] }) })).statusCode).toBe(200);
  });

  it('should not show timelines or events to plain staff, even of the case\'s own department', async () => {
    for (const url of urls()) {
      const r = await h.svc.app.inject({ method: 'GET', url, headers: as({ roles: ['staff'], department: 'gy-wjw' }) });
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('forbidden');
      expect(r.json()).not.toHaveProperty('events');
      expect(r.json()).not.toHaveProperty('items');
    }
  });

  it('should let only supervisors change rules, the duty roster and contacts', async () => {
    const writes = [
      { method: 'PUT' as const, url: '/v1/rules/out_of_order', payload: { enabled: false, params: {} } },
      { method: 'POST' as const, url: '/v1/duty-shifts', payload: { account: 'a', startsAt: '2026-11-21T00:00:00Z', endsAt: '2026-11-21T08:00:00Z' } },
      { method: 'PUT' as const, url: '/v1/contacts/a', payload: { name: '甲', department: 'gy-wjw', head: true, phone: '13800000000' } },
    ];
    for (const w of writes) {
      const r = await h.svc.app.inject({ ...w, headers: as({ roles: ['staff', 'dept_admin'], department: 'gy-wjw' }) });
      expect([w.url, r.statusCode]).toEqual([w.url, 403]);
    }
    expect(await h.svc.ctx.prisma.ruleConfig.count()).toBe(0);
    expect(await h.svc.ctx.prisma.dutyShift.count()).toBe(0);
    expect(await h.svc.ctx.prisma.staffContact.count()).toBe(0);
  });

  it('should show the hall display board without login, with masked case numbers and no names', async () => {
    const done = newCaseNumber();
    await h.send(...caseFlow(done, [['receive', 'received', new Date(Date.now() - 60_000)], ['accept', 'accepted', new Date(Date.now() - 50_000)], ['approve', 'approved', new Date(Date.now() - 40_000), { reason: '同意许可' }], ['complete', 'completed', new Date(Date.now() - 30_000)]]));
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/board' });
    expect(r.statusCode).toBe(200);
    const board = r.json();
    expect(board.recent[0]).toMatchObject({ caseNumber: `${done.slice(0, 4)}****${done.slice(-4)}`, result: '已办结' });
    expect(board.completedToday).toBeGreaterThanOrEqual(1);
    expect(board.queue).toEqual([expect.objectContaining({ department: 'gy-wjw', waiting: 1 })]);
    expect(r.body).not.toContain(done);
    expect(r.body).not.toContain(caseNumber);
    expect(r.body).not.toContain('staff-1');
  });

  it('should not show anything without a token', async () => {
    for (const url of urls()) expect((await h.svc.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('should not accept a public-realm token even if it claims the supervisor role', async () => {
    for (const url of urls()) expect((await h.svc.app.inject({ method: 'GET', url, headers: as({ realm: 'public', roles: ['supervisor'] }) })).statusCode).toBe(403);
  });
});
