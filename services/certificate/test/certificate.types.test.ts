/** Issuance by the type definition the catalog published (catalog.certificate-type.published on X): validity, data schema and PDF template. */
import * as mupdf from 'mupdf';
import type { CertificateTypePublished } from '@hall/contracts';
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => { h = await startCertificate(); }, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const publishType = (p: CertificateTypePublished['payload']) => h.publishType(p);
const disability = (version: number, over: Partial<CertificateTypePublished['payload']> = {}): CertificateTypePublished['payload'] => ({
  code: 'disability-certificate', typeCode: '11100000000027', name: '中华人民共和国残疾人证', holderKind: 'person', validityYears: 2, version, publishedAt: new Date().toISOString(),
  schema: { type: 'object', required: ['disabilityLevel'], properties: { disabilityCategory: { type: 'string' }, disabilityLevel: { type: 'string', enum: ['一级', '二级', '三级', '四级'] } } },
  template: [['applicantName', '持证人（目录发布）'], ['disabilityCategory', '残疾类别'], ['disabilityLevel', '残疾等级']],
  ...over,
});
const pdfText = async (certificateId: string) => {
  const cert = await waitFor(async () => { const c = await h.svc.ctx.prisma.certificate.findUnique({ where: { id: certificateId } }); return c?.recordAt && c; });
  expect(cert.pdfKey).toBeTruthy();
  const pdf = await h.svc.ctx.store!.getBuffer(cert.pdfKey!);
  return mupdf.Document.openDocument(new Uint8Array(pdf as Buffer), 'application/pdf').loadPage(0).toStructuredText('preserve-whitespace').asText();
};

describe('certificate types published by the catalog', () => {
  it('should issue by the published definition: its validity, its data schema and its template labels', async () => {
    await publishType(disability(1));
    // Validity: 2 years (the static fallback says 10).
    const ok = certificateRequest({ certificateType: 'disability-certificate', department: 'gy-cl', data: { applicantName: '张残联', disabilityCategory: '肢体残疾', disabilityLevel: '二级' } });
    await h.request(ok);
    const cert = await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: ok.caseId } }));
    const expected = new Date(cert.issuedAt); expected.setUTCFullYear(expected.getUTCFullYear() + 2);
    expect(cert.validUntil?.toISOString()).toBe(expected.toISOString());
    // Template: the published label is on the PDF.
    const text = await pdfText(cert.id);
    expect(text).toContain('持证人（目录发布）');
    expect(text).toContain('二级');

    // Schema: the published one requires disabilityLevel (the fallback does not).
    const bad = certificateRequest({ certificateType: 'disability-certificate', department: 'gy-cl', data: { applicantName: '李残联', disabilityCategory: '视力残疾' } });
    await h.handled(await h.request(bad));
    expect(await h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: bad.caseId } })).toBeNull();
    expect((await h.svc.ctx.prisma.certificateRefusal.findUniqueOrThrow({ where: { caseId: bad.caseId } })).errors).toEqual(expect.arrayContaining([expect.objectContaining({ keyword: 'required', params: { missingProperty: 'disabilityLevel' } })]));
  }, 60_000);

  it('should keep the newest version: an older publication arriving late changes nothing', async () => {
    await publishType(disability(5, { validityYears: 7 }));
    await publishType(disability(4, { validityYears: 3 }));
    expect(await h.svc.ctx.prisma.certificateTypeDef.findUniqueOrThrow({ where: { code: 'disability-certificate' } })).toMatchObject({ version: 5, validityYears: 7 });
    const req = certificateRequest({ certificateType: 'disability-certificate', department: 'gy-cl', data: { disabilityLevel: '一级' } });
    await h.request(req);
    const cert = await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }));
    expect(cert.validUntil!.getUTCFullYear() - cert.issuedAt.getUTCFullYear()).toBe(7);
  }, 60_000);

  it('should ignore (and acknowledge) a published schema that does not compile, keeping the previous definition', async () => {
    await publishType(disability(9, { schema: { type: 'object', properties: { disabilityLevel: { type: 'no-such-type' } } } }));
    expect(await h.svc.ctx.prisma.certificateTypeDef.findUniqueOrThrow({ where: { code: 'disability-certificate' } })).toMatchObject({ version: 5 });
  });
});
