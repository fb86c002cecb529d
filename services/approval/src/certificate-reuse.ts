/**
 * 免提交: the certificate service's verdict on an e-certificate the applicant offered instead of a
 * material (certificate.reuse.checked). A verified certificate joins the case's materials — its PDF
 * (in the extranet object store) is what the clerk opens, with the signed document beside it; a
 * refused one is not attached (the material stays missing) and the refusal is audited on the case.
 * The case is created from the same submission by the inbound consumer; until it exists, retry.
 */
import { audit } from '@hall/db';
import { consume, handleOnce } from '@hall/messaging';
import type { CertificateReuseChecked } from '@hall/contracts';
import type { ServiceContext } from '@hall/service';
import type { Db } from './db.js';

export async function startCertificateReuse(ctx: ServiceContext<unknown, Db>): Promise<() => Promise<void>> {
  const consumer = await consume({
    nc: ctx.nc, stream: 'X', durable: 'approval-certificate-reuse', filterSubjects: ['hall.x.certificate.reuse.checked'], logger: ctx.logger,
    handler: async (m) => {
      const p = (m as CertificateReuseChecked).payload;
      await handleOnce(ctx.prisma, 'approval-certificate-reuse', m.id, async (tx) => {
        const c = await tx.case.findUnique({ where: { applicationId: p.applicationId } });
        if (!c) throw new Error(`no case yet for application ${p.applicationId}`);
        // The extranet checks the material itself too (declaration did, but a zone never trusts the other's
        // checks): the item version the case was filed under must accept this type of certificate for it.
        const item = await tx.itemDefinition.findUnique({ where: { code_version: { code: c.itemCode, version: c.itemVersion } } });
        const spec = ((item?.publication as { materials?: { code: string; eCertificateType?: string }[] } | undefined)?.materials ?? []).find((x) => x.code === p.materialCode);
        const typeRefusal = !p.verified ? null
          : !spec?.eCertificateType ? '该材料不能以电子证照代替'
            : p.certificateType !== spec.eCertificateType ? '所选电子证照的类型与材料要求不符' : null;
        const attach = p.verified && !typeRefusal;
        await audit(tx, { actor: 'system', action: attach ? 'case.certificate.attach' : 'case.certificate.refuse', target: c.id, detail: { materialCode: p.materialCode, certificateId: p.certificateId, reason: typeRefusal ?? p.reason ?? null } });
        if (!attach || !p.pdf) return;
        const materials = (c.materials ?? []) as Record<string, unknown>[];
        if (materials.some((x) => x.certificateId === p.certificateId && x.materialCode === p.materialCode)) return;
        materials.push({
          materialCode: p.materialCode, fileName: `${p.typeName ?? '电子证照'}（电子证照 ${p.certificateId}）.pdf`, objectKey: p.pdf.key, sha256: p.pdf.sha256, contentType: 'application/pdf',
          source: 'e-certificate', certificateId: p.certificateId, certificate: { verified: true, status: p.status, signatureValid: p.signatureValid, typeName: p.typeName, issuerName: p.issuerName, issuedAt: p.issuedAt, validUntil: p.validUntil ?? null, checkedAt: p.checkedAt, document: p.document },
        });
        await tx.case.update({ where: { id: c.id }, data: { materials: materials as object[] } });
      });
    },
  });
  return () => consumer.stop();
}
