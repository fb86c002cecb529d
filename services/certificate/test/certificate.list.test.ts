/**
 * 本部门签发的证照 (the console's 证照管理 page): staff see their own department's certificates only,
 * newest first, paginated, searchable by holder name, identifier or case number, filterable by status.
 */
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
let wjw: { authorization: string };
let mzj: { authorization: string };
beforeAll(async () => {
  h = await startCertificate();
  wjw = bearer(h.env.token({ sub: 'clerk-wjw', name: '王审批', roles: ['staff'], department: 'gy-wjw' }));
  mzj = bearer(h.env.token({ sub: 'clerk-mzj', name: '李民政', roles: ['staff'], department: 'gy-mzj' }));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const issue = async (overrides: Parameters<typeof certificateRequest>[0] = {}) => {
  const req = certificateRequest(overrides);
  await h.request(req);
  return waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }), 60_000);
};
const list = (query: string, headers = wjw) => h.svc.app.inject({ method: 'GET', url: `/v1/certificates?${query}`, headers });

it('lists the department\'s own certificates, newest first, with search, status filter and pages', async () => {
  const a = await issue({ holder: { accountId: 'h-a', name: '周梦婕' } });
  const b = await issue({ holder: { accountId: 'h-b', name: '陶志强' } });
  const c = await issue({ holder: { accountId: 'h-c', name: '周晓燕' } });
  const other = await issue({ department: 'gy-mzj', certificateType: 'marriage-certificate', holder: { accountId: 'h-d', name: '周梦婕' }, data: { applicantName: '周梦婕', spouseName: '陶志强' } });

  const all = (await list('pageSize=10')).json();
  expect(all.total).toBe(3);
  expect(all.items.map((i: { id: string }) => i.id)).toEqual([c.id, b.id, a.id]);
  expect(all.items[0]).toMatchObject({ caseNumber: c.caseNumber, holderName: '周晓燕', status: 'valid', typeName: expect.any(String), revokedAt: null });
  expect(all.items.some((i: { id: string }) => i.id === other.id)).toBe(false);

  const page2 = (await list('page=2&pageSize=2')).json();
  expect(page2).toMatchObject({ total: 3, page: 2, pageSize: 2 });
  expect(page2.items.map((i: { id: string }) => i.id)).toEqual([a.id]);

  expect((await list(`q=${encodeURIComponent('周')}`)).json().items.map((i: { id: string }) => i.id)).toEqual([c.id, a.id]);
  expect((await list(`q=${encodeURIComponent(b.caseNumber)}`)).json().items.map((i: { id: string }) => i.id)).toEqual([b.id]);
  expect((await list(`q=${encodeURIComponent(a.id.slice(-12))}`)).json().items.map((i: { id: string }) => i.id)).toEqual([a.id]);

  const revoked = await h.svc.app.inject({ method: 'POST', url: `/v1/certificates/${encodeURIComponent(b.id)}/revoke`, headers: wjw, payload: { reason: '证照信息有误，予以注销' } });
  expect(revoked.statusCode).toBe(200);
  expect((await list('status=revoked')).json()).toMatchObject({ total: 1, items: [{ id: b.id, status: 'revoked', revocationReason: '证照信息有误，予以注销' }] });
  expect((await list('status=valid')).json().items.map((i: { id: string }) => i.id)).toEqual([c.id, a.id]);
  expect((await list(`status=valid&q=${encodeURIComponent('周梦婕')}`)).json().items.map((i: { id: string }) => i.id)).toEqual([a.id]);

  // The other department sees only its own.
  expect((await list('', mzj)).json()).toMatchObject({ total: 1, items: [{ id: other.id }] });
}, 180_000);

it('refuses bad input and callers without a department', async () => {
  expect((await list('status=lost')).statusCode).toBe(400);
  expect((await list('pageSize=1000')).statusCode).toBe(400);
  expect((await list('')).statusCode).toBe(200);
  const applicant = bearer(h.env.token({ sub: 'someone', name: '周梦婕', roles: ['applicant'] }));
  expect([401, 403]).toContain((await list('', applicant)).statusCode);
  expect((await h.svc.app.inject({ method: 'GET', url: '/v1/certificates' })).statusCode).toBe(401);
});
