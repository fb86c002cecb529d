/**
 * Issuance: identifier, canonical document, signature by the department's key, and the messages
 * that tell approval (complete the case) and the holder (outbound notice) — one transaction.
 * Algorithm is pluggable by name; Ed25519 is built in (node:crypto). SM2/SM3 arrive with the
 * e-certificate issue; the `algorithm` column already tells verifiers which one to use.
 */
import { createHash, generateKeyPairSync, sign, verify, randomUUID, createPublicKey } from 'node:crypto';
import { buildMessage, canonicalJson, type CertificateRequested } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { certificateIdentifier } from './identifier.js';

type Tx = Prisma.TransactionClient;

/** Certificate types known here: GB/T 36904 type code and display name. */
export const CERTIFICATE_TYPES: Record<string, { typeCode: string; name: string }> = {
  'birth-service-certificate': { typeCode: '11100000000017', name: '生育服务证' },
};
/** Issuing departments' unified social credit codes (统一社会信用代码). */
export const ISSUERS: Record<string, { creditCode: string; name: string }> = {
  'gy-wjw': { creditCode: '11341621003000001X', name: '涡阳县卫生健康委员会' },
  'gy-mzj': { creditCode: '11341621003000002T', name: '涡阳县民政局' },
};


export interface SignedDocument { id: string; type: string; typeName: string; issuer: { department: string; name: string; creditCode: string }; holder: unknown; data: unknown; issuedAt: string }

async function activeKey(tx: Tx, department: string) {
  const existing = await tx.signingKey.findFirst({ where: { department, active: true }, orderBy: { createdAt: 'desc' } });
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return tx.signingKey.create({
    data: { kid: `${department}-${randomUUID().slice(0, 8)}`, department, algorithm: 'Ed25519', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  });
}

export class UnknownCertificateType extends Error {}

export function certificateService(db: Db) {
  return {
    /** Issues the certificate a case asks for; a second request for the same case returns the first certificate. */
    async issue(tx: Tx, req: CertificateRequested['payload']) {
      const existing = await tx.certificate.findUnique({ where: { caseId: req.caseId } });
      if (existing) return existing;
      const type = CERTIFICATE_TYPES[req.certificateType];
      const issuer = ISSUERS[req.department];
      if (!type || !issuer) throw new UnknownCertificateType(`no certificate type ${req.certificateType} or issuer ${req.department}`);
      const scope = `${type.typeCode}:${issuer.creditCode}`;
      const rows = await tx.$queryRawUnsafe<{ value: number }[]>('INSERT INTO serial_counter (scope, value) VALUES ($1, 1) ON CONFLICT (scope) DO UPDATE SET value = serial_counter.value + 1 RETURNING value', scope);
      const id = certificateIdentifier(type.typeCode, issuer.creditCode, rows[0]!.value);
      const issuedAt = new Date();
      const doc: SignedDocument = { id, type: req.certificateType, typeName: type.name, issuer: { department: req.department, name: issuer.name, creditCode: issuer.creditCode }, holder: req.holder, data: req.data, issuedAt: issuedAt.toISOString() };
      const canonical = canonicalJson(doc);
      const key = await activeKey(tx, req.department);
      const signature = sign(null, Buffer.from(canonical), key.privateKeyPem).toString('base64');
      const documentSha256 = createHash('sha256').update(canonical).digest('hex');
      const cert = await tx.certificate.create({
        data: {
          id, caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, type: req.certificateType, typeCode: type.typeCode, department: req.department,
          issuerCreditCode: issuer.creditCode, typeName: type.name, issuerName: issuer.name, holder: req.holder as object, data: req.data as object, issuedAt, status: 'valid', algorithm: key.algorithm, keyId: key.kid, signature, documentSha256,
        },
      });
      await enqueue(tx, buildMessage('certificate.issued', {
        zone: 'extranet', correlationId: req.applicationId,
        payload: { certificateId: id, caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, certificateType: req.certificateType, issuedAt: issuedAt.toISOString(), signature, algorithm: key.algorithm },
      }));
      await enqueue(tx, buildMessage('certificate.notice', {
        zone: 'extranet', correlationId: req.applicationId,
        payload: { certificateId: id, applicationId: req.applicationId, caseNumber: req.caseNumber, certificateType: req.certificateType, issuedAt: issuedAt.toISOString(), sha256: documentSha256 },
      }));
      return cert;
    },

    /** Rebuilds the signed document and checks the signature with the recorded key. */
    async verify(id: string): Promise<{ status: 'valid' | 'revoked' | 'expired' | 'unknown'; signatureValid: boolean; document?: SignedDocument; keyId?: string }> {
      const cert = await db.certificate.findUnique({ where: { id } });
      if (!cert) return { status: 'unknown', signatureValid: false };
      const key = await db.signingKey.findUnique({ where: { kid: cert.keyId } });
      const issuer = ISSUERS[cert.department];
      const doc: SignedDocument = {
        id: cert.id, type: cert.type, typeName: cert.typeName ?? CERTIFICATE_TYPES[cert.type]?.name ?? cert.type,
        issuer: { department: cert.department, name: cert.issuerName ?? issuer?.name ?? cert.department, creditCode: cert.issuerCreditCode },
        holder: cert.holder, data: cert.data, issuedAt: cert.issuedAt.toISOString(),
      };
      const signatureValid = !!key && verify(null, Buffer.from(canonicalJson(doc)), createPublicKey(key.publicKeyPem), Buffer.from(cert.signature, 'base64'));
      return { status: cert.status as 'valid', signatureValid, document: doc, keyId: cert.keyId };
    },

    /** The holder's certificates, newest first: identifiers and status only, no holder data or contents. */
    async byHolder(accountId: string) {
      const rows = await db.certificate.findMany({ where: { holder: { path: ['accountId'], equals: accountId } }, orderBy: { issuedAt: 'desc' }, take: 200 });
      return rows.map((c) => ({
        id: c.id, type: c.type, typeName: c.typeName ?? CERTIFICATE_TYPES[c.type]?.name ?? c.type, department: c.department,
        issuerName: c.issuerName ?? ISSUERS[c.department]?.name ?? c.department, status: c.status, issuedAt: c.issuedAt.toISOString(),
      }));
    },

    publicKeys: () => db.signingKey.findMany({ select: { kid: true, department: true, algorithm: true, publicKeyPem: true, active: true }, orderBy: { createdAt: 'asc' } }),
  };
}
