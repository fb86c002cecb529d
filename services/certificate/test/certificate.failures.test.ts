/**
 * Requests that cannot be honoured (issue 19): an unknown type, a department without an issuer
 * record, a department the type does not name, an issuer without a key whose keys only its admin
 * makes. Each is refused with its cause, audited and announced once (certificate.failed), and
 * acknowledged; a new request for the case after the definition is fixed (an admin's retry) issues.
 */
import { Messages, type CertificateTypePublished } from '@hall/contracts';
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => { h = await startCertificate(); }, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const failures = (applicationId: string) =>
  h.svc.ctx.prisma.$queryRawUnsafe<{ type: string; subject: string; payload: any }[]>("SELECT type, subject, payload FROM outbox WHERE correlation_id = $1 AND type = 'certificate.failed' ORDER BY created_at", applicationId);
const publishType = (p: CertificateTypePublished['payload']) => h.publishType(p);
// A type of no demo definition (those are the fallback until the catalog's first publication).
const eia = (version: number, issuers: string[]): CertificateTypePublished['payload'] => ({
  code: 'test-eia-approval', typeCode: '12100000000081', name: '建设项目环境影响评价文件批复', holderKind: 'legal_person', version, publishedAt: new Date().toISOString(),
  schema: { type: 'object', properties: { projectName: { type: 'string' } } }, template: [['projectName', '建设项目名称']], issuers,
});

describe('certificate requests that cannot be honoured', () => {
  it('should refuse an unknown type with certificate.failed, then issue on a retry once the catalog defines it', async () => {
    const req = certificateRequest({ certificateType: 'test-eia-approval', department: 'gy-sthj', data: { projectName: '涡阳县污水处理厂扩建' } });
    const requestId = await h.request(req);
    await h.handled(requestId);
    const [failed] = await waitFor(async () => { const f = await failures(req.applicationId); return f.length === 1 && f; });
    expect(failed!.subject).toBe('hall.x.certificate.failed');
    expect(Messages['certificate.failed'].check.Check(failed!.payload)).toBe(true);
    // It names the refused request and says what that was for, without its holder or data.
    expect(failed!.payload.payload).toEqual({
      requestId, request: { caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, department: 'gy-sthj', certificateType: 'test-eia-approval' },
      code: 'certificate_type_unknown', reason: expect.stringContaining('test-eia-approval'), failedAt: expect.any(String),
    });
    expect(await h.svc.ctx.prisma.certificateRefusal.findUniqueOrThrow({ where: { caseId: req.caseId } })).toMatchObject({ code: 'certificate_type_unknown' });

    // The type is defined, but the department has no issuer record yet.
    await publishType(eia(1, ['gy-sthj']));
    const retryId = await h.request(req);
    await h.handled(retryId);
    await waitFor(async () => (await failures(req.applicationId)).length === 2);
    expect((await failures(req.applicationId))[1]!.payload.payload).toMatchObject({ requestId: retryId, code: 'issuer_unknown', reason: expect.stringContaining('发证机关') });

    // The catalog registers the issuer: the retry issues, signed with the issuer's code, and the refusal is gone.
    await h.publishIssuer({ department: 'gy-sthj', name: '亳州市涡阳县生态环境分局', creditCode: '11341621003000007H' });
    await h.handled(await h.request(req));
    const cert = await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }));
    expect(cert.id).toMatch(/^1\.2\.156\.3005\.2\.12100000000081\.11341621003000007H\./);
    expect(cert.issuerName).toBe('亳州市涡阳县生态环境分局');
    expect(await h.svc.ctx.prisma.certificateRefusal.findUnique({ where: { caseId: req.caseId } })).toBeNull();
    expect(await failures(req.applicationId)).toHaveLength(2);
  });

  it('should refuse a department the type does not name as its issuer', async () => {
    await publishType(eia(2, ['gy-sthj']));
    const req = certificateRequest({ certificateType: 'test-eia-approval', department: 'gy-scj', data: { projectName: '某项目' } });
    await h.handled(await h.request(req));
    const [f] = await waitFor(async () => { const x = await failures(req.applicationId); return x.length === 1 && x; });
    expect(f!.payload.payload).toMatchObject({ code: 'issuer_not_allowed', reason: expect.stringContaining('涡阳县市场监督管理局') });
    expect(await h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } })).toBeNull();
  });

  it('should refuse while an issuer whose keys only its admin creates has none, and issue after the admin creates one', async () => {
    await h.publishIssuer({ department: 'gy-adm', name: '涡阳县测试发证局', creditCode: '11341621003000099Y', keyPolicy: 'admin' });
    const req = certificateRequest({ department: 'gy-adm' });
    await h.handled(await h.request(req));
    const [f] = await waitFor(async () => { const x = await failures(req.applicationId); return x.length === 1 && x; });
    expect(f!.payload.payload).toMatchObject({ code: 'signing_key_missing', reason: expect.stringContaining('部门管理员') });
    expect(await h.svc.ctx.prisma.signingKey.count({ where: { department: 'gy-adm' } })).toBe(0);

    const admin = h.env.token({ sub: 'admin-adm', name: '李管理', roles: ['staff', 'dept_admin'], department: 'gy-adm' });
    const r = await h.svc.app.inject({ method: 'POST', url: '/v1/keys/rotate', headers: { authorization: `Bearer ${admin}` }, payload: {} });
    expect(r.statusCode).toBe(201);
    await h.handled(await h.request(req));
    const cert = await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }));
    expect(cert.keyId).toBe(r.json().kid);
  });
});
