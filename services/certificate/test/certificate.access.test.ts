import { generateSigningKey, createTokenSigner } from '@hall/auth';
import { TEST_AUDIENCE, TEST_ISSUER } from '@hall/testkit/service-env';
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
let certificateId: string;
beforeAll(async () => {
  h = await startCertificate();
  const req = certificateRequest();
  await h.request(req);
  certificateId = (await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }))).id;
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const verify = (headers: Record<string, string> = {}) => h.svc.app.inject({ method: 'GET', url: `/v1/certificates/${certificateId}/verify`, headers });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('certificate access', () => {
  it('should let any staff member verify', async () => {
    const r = await verify(bearer(h.env.token({ sub: 'staff-2', name: '职员', roles: ['staff'], department: 'gy-mzj' })));
    expect(r.statusCode).toBe(200);
    expect(r.json().signatureValid).toBe(true);
  });

  it('should not verify without a token', async () => {
    const r = await verify();
    expect(r.statusCode).toBe(401);
    expect(r.json().document).toBeUndefined();
  });

  it('should not verify for an applicant (public realm) token', async () => {
    const r = await verify(bearer(h.env.token({ sub: 'applicant-1', realm: 'public', name: '周梦婕' })));
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('forbidden');
  });

  it('should not verify for a staff token signed by a foreign key', async () => {
    const k = generateSigningKey('EdDSA');
    const forged = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: TEST_ISSUER.extranet, audience: TEST_AUDIENCE.extranet }).sign({ sub: 'x', realm: 'staff', name: '伪造', roles: ['staff'] });
    expect((await verify(bearer(forged))).statusCode).toBe(401);
  });

  it('should serve the public keys to anyone, without a token', async () => {
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/keys' });
    expect(r.statusCode).toBe(200);
    expect(r.json().keys.length).toBeGreaterThan(0);
  });
});
