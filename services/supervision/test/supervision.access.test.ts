import { startSupervision, caseTransitioned, newCaseNumber, waitFor, type Harness } from './helpers.js';

let h: Harness;
const caseNumber = newCaseNumber();
beforeAll(async () => {
  h = await startSupervision();
  const m = caseTransitioned(caseNumber, 'receive', 'received', new Date());
  await h.publish(m);
  await waitFor(() => h.svc.ctx.prisma.processEvent.findUnique({ where: { messageId: m.id } }));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const urls = () => [`/v1/cases/${caseNumber}/timeline`, '/v1/events'];
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

  it('should not show anything without a token', async () => {
    for (const url of urls()) expect((await h.svc.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('should not accept a public-realm token even if it claims the supervisor role', async () => {
    for (const url of urls()) expect((await h.svc.app.inject({ method: 'GET', url, headers: as({ realm: 'public', roles: ['supervisor'] }) })).statusCode).toBe(403);
  });
});
