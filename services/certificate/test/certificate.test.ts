import { verifyCertificateFile, certificateIdentifier, isValidIdentifier } from '@hall/ecert';
import { startCertificate, certificateRequest, waitFor, TEST_ISSUERS, type Harness } from './helpers.js';

let h: Harness;
let staff: { authorization: string };
beforeAll(async () => {
  h = await startCertificate();
  staff = { authorization: `Bearer ${h.env.token({ sub: 'clerk-1', name: '王核验', roles: ['staff'], department: 'gy-mzj' })}` };
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const outbox = (correlationId: string) =>
  h.svc.ctx.prisma.$queryRawUnsafe<{ type: string; subject: string; payload: any; sent_at: Date | null }[]>('SELECT type, subject, payload, sent_at FROM outbox WHERE correlation_id = $1 ORDER BY type', correlationId);
const issued = (caseId: string) => waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId } }));
const verifyId = (id: string, headers: Record<string, string> = staff) => h.svc.app.inject({ method: 'GET', url: `/v1/certificates/${encodeURIComponent(id)}/verify`, headers });
/** Sorted-key JSON, as any third party would canonicalise the document to check its signature. */
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

describe('certificate', () => {
  it('should issue one signed certificate per case with a GB/T 36904 identifier, and announce it once', async () => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    expect(isValidIdentifier(cert.id)).toBe(true);
    expect(cert.id).toMatch(/^1\.2\.156\.3005\.2\.11100000000017\.11341621003000001X\.\d{6}\.1\.[0-9A-Z]$/);
    expect(cert).toMatchObject({ caseNumber: req.caseNumber, applicationId: req.applicationId, department: 'gy-wjw', status: 'valid', algorithm: 'SM2-SM3', holder: req.holder, data: req.data });

    const rows = await waitFor(async () => { const r = await outbox(req.applicationId); return r.length === 3 && r.every((x) => x.sent_at) && r; });
    // The document step (PDF, then the record) runs after the issuance transaction.
    const rendered = await h.svc.ctx.prisma.certificate.findUniqueOrThrow({ where: { id: cert.id } });
    expect(rendered.recordAt).not.toBeNull();
    expect(rendered.pdfKey).toBe(`certificates/${cert.id}.pdf`);
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['certificate.issued', 'hall.x.certificate.issued'], ['certificate.notice', 'hall.out.certificate.notice'], ['certificate.record', 'hall.out.certificate.record']]);
    expect(rows[0]!.payload.payload).toMatchObject({ certificateId: cert.id, caseId: req.caseId, signature: cert.signature, algorithm: 'SM2-SM3' });
    // The verification record carries the signed document, the key to check it, and the PDF as an attachment.
    expect(rows[2]!.payload.payload).toMatchObject({ certificateId: cert.id, signature: cert.signature, algorithm: 'SM2-SM3', key: { kid: cert.keyId, algorithm: 'SM2-SM3' }, sha256: cert.documentSha256, pdfKey: rendered.pdfKey });
    expect(rows[2]!.payload.attachments).toEqual([{ key: rendered.pdfKey, sha256: rendered.pdfSha256, size: expect.any(Number), contentType: 'application/pdf' }]);
    expect(rows[1]!.payload.payload).toMatchObject({ certificateId: cert.id, sha256: cert.documentSha256 });
    // The notice leaves the extranet: nothing personal beyond what the holder already sees.
    expect(Object.keys(rows[1]!.payload.payload).sort()).toEqual(['applicationId', 'caseNumber', 'certificateId', 'certificateType', 'issuedAt', 'sha256']);

    // Approval asks again for the same case (a new message id): still one certificate, no new messages.
    const again = await h.request(req);
    await h.handled(again);
    expect(await h.svc.ctx.prisma.certificate.count({ where: { caseId: req.caseId } })).toBe(1);
    expect(await outbox(req.applicationId)).toHaveLength(3);
  });

  it('should number concurrent certificates of one type and issuer without repeats or gaps', async () => {
    const reqs = Array.from({ length: 12 }, () => certificateRequest());
    await Promise.all(reqs.map((r) => h.request(r)));
    const certs = await waitFor(async () => {
      const c = await h.svc.ctx.prisma.certificate.findMany({ where: { caseId: { in: reqs.map((r) => r.caseId) } } });
      return c.length === reqs.length && c;
      // Issuance is serialized per type and issuer (the serial numbers): 12 SM2 signatures in a row
      // took over 20 s on a CI machine at load 20; this test is about numbering, not speed.
    }, 75_000);
    const serials = certs.map((c) => Number(c.id.split('.')[7])).sort((a, b) => a - b);
    expect(new Set(serials).size).toBe(reqs.length);
    expect(serials[serials.length - 1]! - serials[0]!).toBe(reqs.length - 1);
    expect(certs.every((c) => isValidIdentifier(c.id))).toBe(true);
  }, 90_000);

  it('should sign with the issuing department\'s own key and credit code', async () => {
    const a = certificateRequest({ department: 'gy-wjw' });
    const b = certificateRequest({ department: 'gy-mzj' });
    await h.request(a);
    await h.request(b);
    const [wjw, mzj] = [await issued(a.caseId), await issued(b.caseId)];
    expect(wjw.id).toMatch(/\.11341621003000001X\.\d{6}\.1\.[0-9A-Z]$/);
    expect(mzj.id).toMatch(/\.11341621003000002T\.\d{6}\.1\.[0-9A-Z]$/);
    expect(mzj.keyId).not.toBe(wjw.keyId);
    expect(mzj.keyId).toMatch(/^gy-mzj-/);
  });

  it('should verify an issued certificate for staff: valid, with a good signature', async () => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    const r = await verifyId(cert.id);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: cert.id, status: 'valid', signatureValid: true, keyId: cert.keyId, document: { id: cert.id, typeName: '生育服务证', holder: req.holder, data: req.data, issuer: { department: 'gy-wjw', creditCode: '11341621003000001X' } } });
  });

  it('should still verify after the issuing department is renamed', async () => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    const original = TEST_ISSUERS['gy-wjw']!;
    await h.publishIssuer({ department: 'gy-wjw', creditCode: original.creditCode, name: '涡阳县卫生健康委员会（更名后）', version: 2 });
    try {
      const r = (await verifyId(cert.id)).json();
      expect(r).toMatchObject({ status: 'valid', signatureValid: true });
      expect(r.document.issuer.name).toBe(original.name);
    } finally {
      await h.publishIssuer({ department: 'gy-wjw', ...original, version: 3 });
    }
  });

  it.each([
    ['its data', `UPDATE certificate SET data = jsonb_set(data, '{孩次}', '2') WHERE id = $1`],
    ['its holder', `UPDATE certificate SET holder = jsonb_set(holder, '{name}', '"李四"') WHERE id = $1`],
    ['its issue time', `UPDATE certificate SET issued_at = issued_at - interval '1 day' WHERE id = $1`],
  ])('should report a bad signature when %s was changed in the database', async (_what, sql) => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    expect((await verifyId(cert.id)).json().signatureValid).toBe(true);
    expect(await h.svc.ctx.prisma.$executeRawUnsafe(sql, cert.id)).toBe(1);
    expect((await verifyId(cert.id)).json()).toMatchObject({ id: cert.id, signatureValid: false });
  });

  it('should refuse an identifier with a wrong check character before any lookup', async () => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    const check = cert.id.slice(-1);
    const wrong = `${cert.id.slice(0, -1)}${check === '0' ? '1' : '0'}`;
    const r = await verifyId(wrong);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().code).toBe('certificate_id_invalid');
  });

  it('should answer "unknown" for a well-formed identifier that was never issued', async () => {
    const id = certificateIdentifier('11100000000017', '11341621003000001X', 999_999);
    const r = await verifyId(id);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ id, status: 'unknown', signatureValid: false });
  });

  it('should publish the department keys so that anyone can check a signature offline', async () => {
    const req = certificateRequest();
    await h.request(req);
    const cert = await issued(req.caseId);
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/keys' });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toMatch(/PRIVATE KEY|privateKey/);
    const key = (r.json().keys as { kid: string; department: string; algorithm: string; active: boolean }[]).find((k) => k.kid === cert.keyId);
    expect(key).toMatchObject({ department: 'gy-wjw', algorithm: 'SM2-SM3', alg: 'SM2-SM3', kty: 'EC', crv: 'SM2', active: true });

    // Offline: the certificate file and the published key set, nothing else.
    const file = (await h.svc.app.inject({ method: 'GET', url: `/v1/certificates/${encodeURIComponent(cert.id)}/file`, headers: staff })).json();
    expect(file).toMatchObject({ format: 'hall-e-certificate/1', signature: cert.signature, algorithm: 'SM2-SM3', keyId: cert.keyId });
    expect(canonical(file.document)).toBe(canonical((await verifyId(cert.id)).json().document));
    expect(verifyCertificateFile(file, r.json())).toEqual({ valid: true, reason: 'ok' });
    expect(verifyCertificateFile({ ...file, document: { ...file.document, data: { ...file.document.data, 孩次: 3 } } }, r.json())).toEqual({ valid: false, reason: 'bad_signature' });
  });
});
