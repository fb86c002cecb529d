/**
 * 免提交 on the extranet side: a certificate the certificate service verified joins the case only
 * when the item version the case was filed under accepts that certificate type for that material.
 * Declaration checks this too, but the extranet does not rely on the internet zone's checks.
 */
import { randomUUID, createHash } from 'node:crypto';
import { startApproval, ITEM, submit, waitFor, type Harness } from './helpers.js';

let h: Harness;
const item = {
  ...ITEM, code: 'T-REUSE-001',
  materials: [
    { code: 'marriage-certificate', name: '结婚证', required: true, allowedTypes: ['application/pdf'], maxSizeBytes: 1_000_000, eCertificateType: 'marriage-certificate' },
    { code: 'photo', name: '照片', required: false, allowedTypes: ['image/png'], maxSizeBytes: 1_000_000 },
  ],
};
beforeAll(async () => {
  h = await startApproval();
  await h.publish('catalog', 'catalog.item.published', item);
  await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: item.code, version: 1 } } }), 20_000);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const checked = (applicationId: string, materialCode: string, certificateType: string) => {
  const certificateId = `1.2.156.3005.2.11100000000013.11341621MB1234567X.${randomUUID().slice(0, 8)}.001.X`;
  return {
    applicationId, materialCode, certificateId, verified: true, status: 'valid', signatureValid: true, certificateType, typeName: '结婚证', issuerName: '涡阳县民政局',
    issuedAt: new Date().toISOString(), document: { id: certificateId }, pdf: { key: `certificates/${randomUUID()}.pdf`, sha256: createHash('sha256').update(certificateId).digest('hex') }, checkedAt: new Date().toISOString(),
  };
};
const auditOf = (caseId: string, certificateId: string) => waitFor(async () => {
  const rows = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: caseId } });
  return rows.find((r) => (r.detail as { certificateId?: string }).certificateId === certificateId);
}, 20_000);

it('attaches a verified certificate of the type the material accepts, and refuses other types and materials that take none', async () => {
  const { app, c } = await submit(h, item);
  const wrongType = checked(app.applicationId, 'marriage-certificate', 'household-register');
  const noCertificateMaterial = checked(app.applicationId, 'photo', 'marriage-certificate');
  const right = checked(app.applicationId, 'marriage-certificate', 'marriage-certificate');
  for (const p of [wrongType, noCertificateMaterial, right]) await h.publish('certificate', 'certificate.reuse.checked', p);

  const refusedType = await auditOf(c.id, wrongType.certificateId);
  expect(refusedType).toMatchObject({ action: 'case.certificate.refuse', detail: { reason: '所选电子证照的类型与材料要求不符' } });
  const refusedMaterial = await auditOf(c.id, noCertificateMaterial.certificateId);
  expect(refusedMaterial).toMatchObject({ action: 'case.certificate.refuse', detail: { reason: '该材料不能以电子证照代替' } });
  expect(await auditOf(c.id, right.certificateId)).toMatchObject({ action: 'case.certificate.attach' });

  const materials = (await h.svc.ctx.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).materials as { certificateId?: string }[];
  expect(materials.map((m) => m.certificateId)).toEqual([right.certificateId]);
}, 60_000);
