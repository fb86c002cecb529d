/**
 * Revocation with a reason, expiry, key rotation (old keys keep verifying, Ed25519 and SM2 side by
 * side), verification by QR payload, and the PDF: rendered to an image, not blank, its QR code
 * decoding to the portal's verification address.
 */
import { certificateService } from '../src/issuer.js';
import { verifyCertificateFile } from '@hall/ecert';
import { renderFirstPage } from './pdf-render.js';
import { startCertificate, certificateRequest, waitFor, VERIFY_URL, type Harness } from './helpers.js';

let h: Harness;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
let clerk: { authorization: string };
let otherDept: { authorization: string };
let admin: { authorization: string };
beforeAll(async () => {
  h = await startCertificate();
  clerk = bearer(h.env.token({ sub: 'clerk-wjw', name: '王审批', roles: ['staff'], department: 'gy-wjw' }));
  otherDept = bearer(h.env.token({ sub: 'clerk-mzj', name: '李民政', roles: ['staff'], department: 'gy-mzj' }));
  admin = bearer(h.env.token({ sub: 'admin-wjw', name: '张管理', roles: ['staff', 'dept_admin'], department: 'gy-wjw' }));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const issue = async (overrides: Parameters<typeof certificateRequest>[0] = {}) => {
  const req = certificateRequest(overrides);
  await h.request(req);
  return waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }));
};
const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) => h.svc.app.inject({ method, url, headers, ...(payload ? { payload: payload as object } : {}) });
const verify = (id: string) => inject('GET', `/v1/certificates/${encodeURIComponent(id)}/verify`, clerk);

describe('revocation', () => {
  it('should revoke with a reason: verify shows revoked, the record goes outbound, and it is audited', async () => {
    const cert = await issue();
    expect((await verify(cert.id)).json()).toMatchObject({ status: 'valid', signatureValid: true });
    const r = await inject('POST', `/v1/certificates/${encodeURIComponent(cert.id)}/revoke`, clerk, { reason: '申请人提供虚假材料，依法撤销' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: cert.id, status: 'revoked', reason: '申请人提供虚假材料，依法撤销' });
    expect((await verify(cert.id)).json()).toMatchObject({ status: 'revoked', signatureValid: true, revocationReason: '申请人提供虚假材料，依法撤销', revokedAt: expect.any(String) });
    const out = await waitFor(async () => {
      const rows = await h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any; sent_at: Date | null }[]>("SELECT payload, sent_at FROM outbox WHERE type = 'certificate.revoked' AND payload->'payload'->>'certificateId' = $1", cert.id);
      return rows.length === 1 && rows[0]!.sent_at && rows;
    });
    expect(out[0]!.payload.payload).toMatchObject({ certificateId: cert.id, reason: '申请人提供虚假材料，依法撤销' });
    const audits = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: cert.id }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => [a.action, a.actor])).toEqual([['certificate.issue', 'system'], ['certificate.revoke', 'clerk-wjw']]);
  });

  it('should refuse a second revocation, another department, a missing reason and a wrong check character', async () => {
    const cert = await issue();
    const url = `/v1/certificates/${encodeURIComponent(cert.id)}/revoke`;
    const other = await inject('POST', url, otherDept, { reason: '非本部门' });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('certificate_not_found');
    expect((await inject('POST', url, clerk, {})).statusCode).toBe(400);
    expect((await inject('POST', url, bearer(h.env.token({ sub: 'a-1', realm: 'public', name: '周梦婕' })), { reason: '自行注销' })).statusCode).toBe(403);
    const wrong = `${cert.id.slice(0, -1)}${cert.id.endsWith('0') ? '1' : '0'}`;
    const bad = await inject('POST', `/v1/certificates/${encodeURIComponent(wrong)}/revoke`, clerk, { reason: '校验位错误' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'certificate_id_invalid', title: '证照标识格式或校验位不正确' });
    expect((await inject('POST', url, clerk, { reason: '遗失声明作废' })).statusCode).toBe(200);
    const again = await inject('POST', url, clerk, { reason: '再次注销' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('certificate_already_revoked');
  });
});

describe('expiry', () => {
  it('should answer expired after the validity of a type that has one, and valid before', async () => {
    const cert = await issue({ certificateType: 'disability-certificate', department: 'gy-cl', data: { applicantName: '周梦婕', disabilityCategory: '肢体', disabilityLevel: '三级' } });
    expect(cert.validUntil).not.toBeNull();
    expect(cert.validUntil!.getUTCFullYear()).toBe(cert.issuedAt.getUTCFullYear() + 10);
    const svc = certificateService(h.svc.ctx.prisma, { algorithm: 'SM2-SM3', verifyUrl: VERIFY_URL });
    expect(await svc.verify(cert.id, new Date(cert.validUntil!.getTime() - 1000))).toMatchObject({ status: 'valid', signatureValid: true });
    expect(await svc.verify(cert.id, new Date(cert.validUntil!.getTime() + 1000))).toMatchObject({ status: 'expired', signatureValid: true, validUntil: cert.validUntil!.toISOString() });
    // The validity is signed: moving it in the database breaks the signature.
    await h.svc.ctx.prisma.$executeRawUnsafe("UPDATE certificate SET valid_until = valid_until + interval '10 years' WHERE id = $1", cert.id);
    expect((await verify(cert.id)).json()).toMatchObject({ signatureValid: false });
  });
});

describe('signing keys', () => {
  it('should rotate a department key (Ed25519 next to SM2): old certificates still verify, new ones use the new key', async () => {
    const before = await issue();
    expect(before.algorithm).toBe('SM2-SM3');
    expect((await inject('POST', '/v1/keys/rotate', clerk, { algorithm: 'Ed25519' })).statusCode).toBe(403);
    const r = await inject('POST', '/v1/keys/rotate', admin, { algorithm: 'Ed25519' });
    expect(r.statusCode).toBe(201);
    const rotated = r.json();
    expect(rotated).toMatchObject({ department: 'gy-wjw', algorithm: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', alg: 'Ed25519' } });

    const after = await issue();
    expect(after).toMatchObject({ algorithm: 'Ed25519', keyId: rotated.kid });
    expect((await verify(after.id)).json()).toMatchObject({ status: 'valid', signatureValid: true, algorithm: 'Ed25519' });
    expect((await verify(before.id)).json()).toMatchObject({ status: 'valid', signatureValid: true, algorithm: 'SM2-SM3', keyId: before.keyId });

    const keys = (await inject('GET', '/v1/keys', {})).json();
    expect(keys.keys.find((k: { kid: string }) => k.kid === before.keyId)).toMatchObject({ active: false, retiredAt: expect.any(String), alg: 'SM2-SM3' });
    expect(keys.keys.find((k: { kid: string }) => k.kid === rotated.kid)).toMatchObject({ active: true, alg: 'Ed25519' });
    // Offline, both certificates check against the one published key set.
    for (const c of [before, after]) {
      const file = (await inject('GET', `/v1/certificates/${encodeURIComponent(c.id)}/file`, clerk)).json();
      expect(verifyCertificateFile(file, keys)).toEqual({ valid: true, reason: 'ok' });
    }
    const audit = await h.svc.ctx.prisma.auditEntry.findFirst({ where: { action: 'certificate.key.rotate', target: rotated.kid } });
    expect(audit).toMatchObject({ actor: 'admin-wjw' });
  });
});

describe('QR and PDF', () => {
  it('should render a PDF that is not blank, whose QR decodes to the verification address, which verifies', async () => {
    const issued = await issue();
    const cert = await waitFor(async () => { const c = await h.svc.ctx.prisma.certificate.findUnique({ where: { id: issued.id } }); return c?.recordAt && c; });
    expect(cert.pdfKey).toBe(`certificates/${cert.id}.pdf`);
    const res = await inject('GET', `/v1/certificates/${encodeURIComponent(cert.id)}/pdf`, clerk);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const page = renderFirstPage(res.rawPayload);
    expect(page.nonWhiteShare).toBeGreaterThan(0.01);
    expect(page.qr).toBe(`${VERIFY_URL}?id=${encodeURIComponent(cert.id)}`);

    const byQr = await inject('GET', `/v1/certificates/verify?qr=${encodeURIComponent(page.qr!)}`, clerk);
    expect(byQr.statusCode).toBe(200);
    expect(byQr.json()).toMatchObject({ id: cert.id, status: 'valid', signatureValid: true });
    const junk = await inject('GET', `/v1/certificates/verify?qr=${encodeURIComponent('https://example.com/nothing-here')}`, clerk);
    expect(junk.statusCode).toBe(400);
    expect(junk.json().code).toBe('certificate_qr_invalid');
  }, 30_000);
});
