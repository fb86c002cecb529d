/**
 * 免提交 (reuse): a submission may offer the applicant's e-certificates instead of materials. For
 * each, the certificate service checks — identifier, status valid, signature good, held by the
 * applicant (the holder's account is the applicant's, which for a legal person is the company's
 * party id) — and tells approval with certificate.reuse.checked, which attaches the verified
 * certificate to the case in place of an upload. One transaction with the inbox row.
 */
import { buildMessage, type ApplicationSubmitted } from '@hall/contracts';
import { audit } from '@hall/db';
import { enqueue } from '@hall/messaging';
import type { Prisma } from './generated/prisma/client.js';
import { isValidIdentifier } from '@hall/ecert';
import type { certificateService } from './issuer.js';

type Tx = Prisma.TransactionClient;

export async function checkReuse(tx: Tx, certificates: ReturnType<typeof certificateService>, a: ApplicationSubmitted['payload']): Promise<number> {
  const refs = a.certificates ?? [];
  for (const ref of refs) {
    const checkedAt = new Date().toISOString();
    const base = { applicationId: a.applicationId, materialCode: ref.materialCode, certificateId: ref.certificateId, checkedAt };
    let payload;
    if (!isValidIdentifier(ref.certificateId)) {
      payload = { ...base, verified: false, reason: '证照标识格式或校验位不正确', status: 'unknown' as const, signatureValid: false };
    } else {
      const v = await certificates.verify(ref.certificateId);
      const holder = (v.document?.holder ?? {}) as { accountId?: string };
      const reason = v.status === 'unknown' ? '电子证照不存在'
        : holder.accountId !== a.applicant.accountId ? '电子证照不属于申请人'
          : !v.signatureValid ? '电子证照签名校验未通过'
            : v.status === 'revoked' ? '电子证照已注销'
              : v.status === 'expired' ? '电子证照已过期' : null;
      // Another holder's certificate: nothing of it goes into the case.
      const own = v.status !== 'unknown' && holder.accountId === a.applicant.accountId;
      const pdf = own ? await tx.certificate.findUnique({ where: { id: ref.certificateId }, select: { pdfKey: true, pdfSha256: true, recordAt: true } }) : null;
      // Issued a moment ago and its document not rendered yet: check again on redelivery.
      if (pdf && !pdf.recordAt) throw new Error(`certificate ${ref.certificateId} has no document yet`);
      payload = {
        ...base, verified: reason === null, ...(reason ? { reason } : {}), status: v.status, signatureValid: v.signatureValid,
        ...(own && v.document ? {
          certificateType: v.document.type, typeName: v.document.typeName, issuerName: v.document.issuer.name, issuedAt: v.document.issuedAt,
          ...(v.document.validUntil ? { validUntil: v.document.validUntil } : {}), document: v.document as unknown as Record<string, unknown>,
          ...(pdf?.pdfKey && pdf.pdfSha256 ? { pdf: { key: pdf.pdfKey, sha256: pdf.pdfSha256 } } : {}),
        } : {}),
      };
    }
    await audit(tx, { actor: 'system', action: 'certificate.reuse.check', target: ref.certificateId, detail: { applicationId: a.applicationId, materialCode: ref.materialCode, verified: payload.verified, reason: payload.reason ?? null } });
    await enqueue(tx, buildMessage('certificate.reuse.checked', { zone: 'extranet', correlationId: a.applicationId, payload }));
  }
  return refs.length;
}
