/**
 * The reads the data-exchange service forwards with a client's token (realm client): verification
 * with certificate:verify or certificate:read, and a holder's certificates with
 * certificate:holder-lookup plus a stated purpose. Staff keep their access; applicants have none.
 */
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
let certificateId: string;
const holder = { accountId: 'acct-holder-77', name: '周梦婕' };
beforeAll(async () => {
  h = await startCertificate();
  const req = certificateRequest({ holder });
  await h.request(req);
  certificateId = (await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }))).id;
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const client = (scopes: string[]) => bearer(h.env.token({ sub: 'client-dept-x', realm: 'client', name: '民政局业务系统', roles: [], scopes }));
const get = (url: string, headers: Record<string, string> = {}) => h.svc.app.inject({ method: 'GET', url, headers });

describe('certificate access for API clients', () => {
  it('should let a client with certificate:verify or certificate:read verify', async () => {
    for (const scope of ['certificate:verify', 'certificate:read']) {
      const r = await get(`/v1/certificates/${certificateId}/verify`, client([scope]));
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'valid', signatureValid: true });
    }
  });

  it('should not verify for a client without a certificate scope', async () => {
    const r = await get(`/v1/certificates/${certificateId}/verify`, client(['case:status']));
    expect(r.statusCode).toBe(403);
    expect(r.json().detail).toContain('certificate:verify');
  });

  it("should list a holder's certificates to a client with certificate:holder-lookup and a purpose, without holder data", async () => {
    const r = await get(`/v1/holders/${holder.accountId}/certificates?purpose=${encodeURIComponent('社会救助核查')}`, client(['certificate:holder-lookup']));
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual([{ id: certificateId, type: 'birth-service-certificate', typeName: '生育服务证', department: 'gy-wjw', issuerName: '涡阳县卫生健康委员会', status: 'valid', issuedAt: expect.any(String) }]);
    expect(r.body).not.toContain(holder.name);
  });

  it('should not list a holder\'s certificates to a client without a purpose', async () => {
    const r = await get(`/v1/holders/${holder.accountId}/certificates`, client(['certificate:holder-lookup']));
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('purpose_required');
  });

  it("should not list a holder's certificates to a client without the scope, nor to an applicant", async () => {
    expect((await get(`/v1/holders/${holder.accountId}/certificates?purpose=x1`, client(['certificate:verify']))).statusCode).toBe(403);
    expect((await get(`/v1/holders/${holder.accountId}/certificates`, bearer(h.env.token({ sub: holder.accountId, realm: 'public', name: holder.name })))).statusCode).toBe(403);
    expect((await get(`/v1/holders/${holder.accountId}/certificates`)).statusCode).toBe(401);
  });

  it("should list a holder's certificates to staff, and nothing for an unknown holder", async () => {
    const staff = bearer(h.env.token({ sub: 'staff-1', name: '职员', roles: ['staff'], department: 'gy-mzj' }));
    expect((await get(`/v1/holders/${holder.accountId}/certificates`, staff)).json().items.map((c: { id: string }) => c.id)).toEqual([certificateId]);
    expect((await get('/v1/holders/acct-nobody/certificates', staff)).json().items).toEqual([]);
  });
});
