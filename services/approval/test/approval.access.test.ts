import { randomUUID } from 'node:crypto';
import { startApproval, ITEM, application, waitFor, type Harness } from './helpers.js';

let h: Harness;
let caseId: string;
beforeAll(async () => {
  h = await startApproval();
  await h.publish('catalog', 'catalog.item.published', ITEM);
  const app = application();
  await h.publish('relay-in-receiver', 'application.submitted', app, 'internet');
  caseId = (await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }), 20_000)).id;
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const as = (p: object) => ({ authorization: `Bearer ${h.env.token({ sub: randomUUID(), name: '职员', roles: ['staff'], ...p })}` });

describe('approval access', () => {
  it('should not show or act on a case of another department', async () => {
    const other = as({ department: 'gy-mzj', positions: ['acceptance', 'approval'] });
    expect((await h.svc.app.inject({ method: 'GET', url: `/v1/cases/${caseId}`, headers: other })).statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'POST', url: `/v1/cases/${caseId}/accept`, headers: other, payload: {} })).statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/cases', headers: other })).json().total).toBe(0);
    expect((await h.svc.ctx.prisma.case.findUnique({ where: { id: caseId } }))!.status).toBe('received');
  });

  it('should not let a clerk without the acceptance position accept', async () => {
    const r = await h.svc.app.inject({ method: 'POST', url: `/v1/cases/${caseId}/accept`, headers: as({ department: 'gy-wjw', positions: ['approval'] }), payload: {} });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('forbidden');
  });

  it('should refuse an internet-zone (public realm) token and staff without a department', async () => {
    const publicToken = h.env.token({ sub: randomUUID(), realm: 'public', name: '周梦婕' });
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${publicToken}` } })).statusCode).toBe(403);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/cases', headers: as({ positions: ['acceptance'] }) })).statusCode).toBe(403);
  });
});
