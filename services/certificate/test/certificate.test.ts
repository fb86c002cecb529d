import { createPublicKey, verify } from 'node:crypto';
import { certificateIdentifier, isValidIdentifier } from '../src/identifier.js';
import { ISSUERS } from '../src/issuer.js';
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

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
    expect(cert).toMatchObject({ caseNumber: req.caseNumber, applicationId: req.applicationId, department: 'gy-wjw', status: 'valid', algorithm: 'Ed25519', holder: req.holder, data: req.data });

    const rows = await waitFor(async () => { const r = await outbox(req.applicationId); return r.length === 2 && r.every((x) => x.sent_at) && r; });
    expect(rows.map((r) => [r.type, r.subject])).toEqual([['certificate.issued', 'hall.x.certificate.issued'], ['certificate.notice', 'hall.out.certificate.notice']]);
    expect(rows[0]!.payload.payload).toMatchObject({ certificateId: cert.id, caseId: req.caseId, signature: cert.signature, algorithm: 'Ed25519' });
    expect(rows[1]!.payload.payload).toMatchObject({ certificateId: cert.id, sha256: cert.documentSha256 });
    // The notice leaves the extranet: nothing personal beyond what the holder already sees.
    expect(Object.keys(rows[1]!.payload.payload).sort()).toEqual(['applicationId', 'caseNumber', 'certificateId', 'certificateType', 'issuedAt', 'sha256']);

    // Approval asks again for the same case (a new message id): still one certificate, no new messages.
    const again = await h.request(req);
    await h.handled(again);
    expect(await h.svc.ctx.prisma.certificate.count({ where: { caseId: req.caseId } })).toBe(1);
    expect(await outbox(req.applicationId)).toHaveLength(2);
  });

  it('should number concurrent certificates of one type and issuer without repeats or gaps', async () => {
    const reqs = Array.from({ length: 12 }, () => certificateRequest());
    await Promise.all(reqs.map((r) => h.request(r)));
    const certs = await waitFor(async () => {
      const c = await h.svc.ctx.prisma.certificate.findMany({ where: { caseId: { in: reqs.map((r) => r.caseId) } } });
      return c.length === reqs.length && c;
    }, 20_000);
    const serials = certs.map((c) => Number(c.id.split('.')[7])).sort((a, b) => a - b);
    expect(new Set(serials).size).toBe(reqs.length);
    expect(serials[serials.length - 1]! - serials[0]!).toBe(reqs.length - 1);
    expect(certs.every((c) => isValidIdentifier(c.id))).toBe(true);
  }, 30_000);

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
    const original = ISSUERS['gy-wjw']!.name;
    ISSUERS['gy-wjw']!.name = '涡阳县卫生健康委员会（更名后）';
    try {
      const r = (await verifyId(cert.id)).json();
      expect(r).toMatchObject({ status: 'valid', signatureValid: true });
      expect(r.document.issuer.name).toBe(original);
    } finally {
      ISSUERS['gy-wjw']!.name = original;
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
    const key = (r.json().keys as { kid: string; department: string; algorithm: string; publicKeyPem: string; active: boolean }[]).find((k) => k.kid === cert.keyId);
    expect(key).toMatchObject({ department: 'gy-wjw', algorithm: 'Ed25519', active: true });

    // Offline: the signature from the certificate.issued event, the document, and the published key.
    const events = await waitFor(async () => { const r = (await outbox(req.applicationId)).filter((x) => x.type === 'certificate.issued' && x.sent_at); return r.length > 0 && r; });
    const signature = Buffer.from(events[0]!.payload.payload.signature as string, 'base64');
    const document = (await verifyId(cert.id)).json().document as Record<string, unknown>;
    const publicKey = createPublicKey(key!.publicKeyPem);
    expect(verify(null, Buffer.from(canonical(document)), publicKey, signature)).toBe(true);
    expect(verify(null, Buffer.from(canonical({ ...document, data: { ...(document.data as object), 孩次: 3 } })), publicKey, signature)).toBe(false);
  });
});
