/**
 * Issuance, verification, revocation and signing keys. Issuance builds the identifier, the signed
 * document (canonical JSON), the signature by the issuing department's active key and the messages
 * certificate.issued (approval completes the case) and certificate.notice (the holder's timeline) in
 * one transaction; the document step then renders the PDF (extranet object store) and enqueues
 * certificate.record (the internet zone's verification record, PDF attached). The algorithm is pluggable
 * (signature.ts): keys are per department; a rotation retires the active key (it still verifies).
 */
import { createHash, randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import { buildMessage, canonicalJson, type CertificateFailed, type CertificateRequested, type CertificateTypePublished, type IssuerPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import type { ObjectStore } from '@hall/storage';
import type { Logger } from '@hall/logging';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { certificateIdentifier, generateKeyPair, publicJwk, signBytes, verifyBytes, CERTIFICATE_FILE_FORMAT, type SignatureAlgorithm, type PublicJwk, type CertificateFile } from '@hall/ecert';
import { CERTIFICATE_TYPES, dataErrors, schemaCompiles, templateRows, validUntilFor, type CertificateTypeDef } from './types.js';
import { renderCertificatePdf } from './pdf.js';

export { CERTIFICATE_TYPES };
type Tx = Prisma.TransactionClient;

export interface SignedDocument { id: string; type: string; typeName: string; issuer: { department: string; name: string; creditCode: string }; holder: unknown; data: unknown; issuedAt: string; validUntil?: string }
export type CertificateStatus = 'valid' | 'revoked' | 'expired' | 'unknown';

export interface IssuerOptions {
  /** Algorithm of newly created keys. */
  algorithm: SignatureAlgorithm;
  /** The portal's verification page; the QR code carries `${verifyUrl}?id=<identifier>`. */
  verifyUrl: string;
  store?: ObjectStore;
  logger?: Logger;
}

export const verificationAddress = (verifyUrl: string, id: string) => `${verifyUrl}?id=${encodeURIComponent(id)}`;

/** The identifier from a QR payload: the verification address (any host) or the bare identifier. */
export function identifierFromQr(payload: string): string | null {
  const p = payload.trim();
  if (p.startsWith('1.2.156.')) return p;
  try {
    const id = new URL(p).searchParams.get('id');
    return id && id.length <= 128 ? id : null;
  } catch {
    return null;
  }
}

/**
 * The definition issuance uses: the latest the catalog published, else the static fallback (only
 * until the catalog's first publication of that type arrives).
 */
async function typeDefOf(tx: Tx | Db, code: string): Promise<CertificateTypeDef | undefined> {
  const row = await tx.certificateTypeDef.findUnique({ where: { code } });
  if (!row) return CERTIFICATE_TYPES[code];
  return {
    typeCode: row.typeCode, name: row.name, holderKind: row.holderKind as CertificateTypeDef['holderKind'], schema: row.schema as Record<string, unknown>,
    template: row.template as [string, string][], ...(row.validityYears ? { validityYears: row.validityYears } : {}), issuers: row.issuers,
  };
}

type KeyRow = { kid: string; department: string; algorithm: string; publicKeyPem: string; privateKeyPem: string; active: boolean; createdAt: Date; retiredAt: Date | null };

/** The department's active key; created here unless the issuer's keys are created only by its admin (then null when there is none). */
async function activeKey(tx: Tx, department: string, algorithm: SignatureAlgorithm, createOnFirstUse: boolean): Promise<KeyRow | null> {
  const existing = await tx.signingKey.findFirst({ where: { department, active: true }, orderBy: { createdAt: 'desc' } });
  if (existing || !createOnFirstUse) return existing;
  // One key creation per department at a time (concurrent first issuances would create two).
  await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `signing-key:${department}`);
  const again = await tx.signingKey.findFirst({ where: { department, active: true }, orderBy: { createdAt: 'desc' } });
  if (again) return again;
  return createKey(tx, department, algorithm);
}

function createKey(tx: Tx, department: string, algorithm: SignatureAlgorithm) {
  const k = generateKeyPair(algorithm);
  return tx.signingKey.create({ data: { kid: `${department}-${randomUUID().slice(0, 8)}`, department, algorithm, publicKeyPem: k.publicKey, privateKeyPem: k.privateKey } });
}

function documentOf(cert: { id: string; type: string; typeName: string | null; department: string; issuerName: string | null; issuerCreditCode: string; holder: unknown; data: unknown; issuedAt: Date; validUntil: Date | null }): SignedDocument {
  return {
    id: cert.id, type: cert.type, typeName: cert.typeName ?? CERTIFICATE_TYPES[cert.type]?.name ?? cert.type,
    issuer: { department: cert.department, name: cert.issuerName ?? cert.department, creditCode: cert.issuerCreditCode },
    holder: cert.holder, data: cert.data, issuedAt: cert.issuedAt.toISOString(),
    ...(cert.validUntil ? { validUntil: cert.validUntil.toISOString() } : {}),
  };
}

export const statusOf = (c: { status: string; validUntil: Date | null }, now = new Date()): CertificateStatus =>
  c.status === 'revoked' ? 'revoked' : c.validUntil && c.validUntil.getTime() <= now.getTime() ? 'expired' : 'valid';

/** An Ajv error as recorded with a refusal. */
export interface DataError { instancePath: string; keyword: string; params: Record<string, unknown>; message: string }
export type FailureCode = CertificateFailed['payload']['code'];
export type IssueResult = { status: 'issued'; certificate: { id: string } } | { status: 'refused'; code: FailureCode; reason: string; errors: DataError[] };
export class CertificateNotFound extends Error {}
export class AlreadyRevoked extends Error {}

export function certificateService(db: Db, opts: IssuerOptions = { algorithm: 'SM2-SM3', verifyUrl: 'http://127.0.0.1:8080/verify.html' }) {
  const toJwk = (k: { kid: string; algorithm: string; publicKeyPem: string }): PublicJwk => publicJwk(k.kid, k.algorithm as SignatureAlgorithm, k.publicKeyPem);

  return {
    /**
     * Issues the certificate a case asks for; a second request for the same case returns the first
     * certificate. A request that cannot be honoured — unknown type, no issuer record for the
     * department, a department the type does not name, data against the type's data schema, no
     * signing key where the issuer's keys are made only by its admin — is refused before anything is
     * signed: the refusal is stored with its cause (GET /v1/certificate-requests/:caseId), audited and
     * announced (certificate.failed: approval shows 制证失败 on the case, supervision records an
     * anomaly), and the caller acknowledges the request. A later request for the case (an admin's
     * retry after fixing the definition) is judged afresh; issuing removes the refusal.
     * `requestId` is the id of the certificate.requested message; certificate.failed names it.
     */
    async issue(tx: Tx, req: CertificateRequested['payload'], requestId: string, now = new Date()): Promise<IssueResult> {
      const existing = await tx.certificate.findUnique({ where: { caseId: req.caseId } });
      if (existing) return { status: 'issued', certificate: existing };
      const refuse = async (code: FailureCode, reason: string, errors: DataError[] = []): Promise<IssueResult> => {
        const row = { caseNumber: req.caseNumber, applicationId: req.applicationId, type: req.certificateType, department: req.department, code, reason, errors: errors as object[], refusedAt: now };
        await tx.certificateRefusal.upsert({ where: { caseId: req.caseId }, create: { caseId: req.caseId, ...row }, update: row });
        await audit(tx, { actor: 'system', action: 'certificate.refuse', target: req.caseId, detail: { caseNumber: req.caseNumber, certificateType: req.certificateType, code, errors } });
        await enqueue(tx, buildMessage('certificate.failed', {
          zone: 'extranet', correlationId: req.applicationId,
          payload: { requestId, request: { caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, certificateType: req.certificateType, department: req.department }, code, reason, failedAt: now.toISOString() },
        }));
        return { status: 'refused', code, reason, errors };
      };
      const type = await typeDefOf(tx, req.certificateType);
      if (!type) return refuse('certificate_type_unknown', `证照类型“${req.certificateType}”未在事项目录中定义，请在事项目录的证照类型中定义后重试`);
      const issuer = await tx.issuer.findUnique({ where: { department: req.department } });
      if (!issuer) return refuse('issuer_unknown', `部门“${req.department}”没有发证机关记录（名称、统一社会信用代码），请在事项目录的发证机关中登记后重试`);
      if (type.issuers?.length && !type.issuers.includes(req.department)) {
        return refuse('issuer_not_allowed', `证照类型“${type.name}”的发证部门不包括${issuer.name}，请在证照类型中增加该部门后重试`);
      }
      const invalid = dataErrors(type, req.data);
      if (invalid) {
        const errors: DataError[] = invalid.map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, params: e.params as Record<string, unknown>, message: e.message ?? '' }));
        const fields = [...new Set(errors.map((e) => e.instancePath.replace(/^\//, '') || String(e.params.missingProperty ?? '')).filter(Boolean))].slice(0, 10);
        return refuse('data_invalid', `证照数据不符合证照类型“${type.name}”的数据规范，未签发${fields.length ? `（字段：${fields.join('、')}）` : ''}`, errors);
      }
      const key = await activeKey(tx, req.department, opts.algorithm, issuer.keyPolicy !== 'admin');
      if (!key) return refuse('signing_key_missing', `${issuer.name}尚无签名密钥（须由部门管理员生成），生成后重试`);
      const scope = `${type.typeCode}:${issuer.creditCode}`;
      const rows = await tx.$queryRawUnsafe<{ value: number }[]>('INSERT INTO serial_counter (scope, value) VALUES ($1, 1) ON CONFLICT (scope) DO UPDATE SET value = serial_counter.value + 1 RETURNING value', scope);
      const id = certificateIdentifier(type.typeCode, issuer.creditCode, rows[0]!.value);
      const issuedAt = new Date();
      const validUntil = validUntilFor(type, issuedAt);
      const doc: SignedDocument = {
        id, type: req.certificateType, typeName: type.name, issuer: { department: req.department, name: issuer.name, creditCode: issuer.creditCode },
        holder: req.holder, data: req.data, issuedAt: issuedAt.toISOString(), ...(validUntil ? { validUntil: validUntil.toISOString() } : {}),
      };
      const canonical = canonicalJson(doc);
      const signature = signBytes(key.algorithm as SignatureAlgorithm, Buffer.from(canonical), key.privateKeyPem, key.publicKeyPem);
      const documentSha256 = createHash('sha256').update(canonical).digest('hex');

      const cert = await tx.certificate.create({
        data: {
          id, caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, type: req.certificateType, typeCode: type.typeCode, department: req.department,
          issuerCreditCode: issuer.creditCode, typeName: type.name, issuerName: issuer.name, holder: req.holder as object, data: req.data as object, issuedAt, validUntil, status: 'valid',
          algorithm: key.algorithm, keyId: key.kid, signature, documentSha256,
        },
      });
      await audit(tx, { actor: 'system', action: 'certificate.issue', target: id, detail: { caseNumber: req.caseNumber, keyId: key.kid, algorithm: key.algorithm } });
      await tx.certificateRefusal.deleteMany({ where: { caseId: req.caseId } });
      await enqueue(tx, buildMessage('certificate.issued', {
        zone: 'extranet', correlationId: req.applicationId,
        payload: { certificateId: id, caseId: req.caseId, caseNumber: req.caseNumber, applicationId: req.applicationId, certificateType: req.certificateType, issuedAt: issuedAt.toISOString(), signature, algorithm: key.algorithm },
      }));
      await enqueue(tx, buildMessage('certificate.notice', {
        zone: 'extranet', correlationId: req.applicationId,
        payload: { certificateId: id, applicationId: req.applicationId, caseNumber: req.caseNumber, certificateType: req.certificateType, issuedAt: issuedAt.toISOString(), sha256: documentSha256 },
      }));
      return { status: 'issued', certificate: cert };
    },

    /**
     * Stores a type definition the catalog published; an older or repeated version changes nothing.
     * A schema that does not compile here is not stored (logged), so issuance keeps the previous one.
     */
    async receiveType(tx: Tx, p: CertificateTypePublished['payload']): Promise<'stored' | 'stale' | 'rejected'> {
      if (!schemaCompiles(p.schema)) {
        opts.logger?.error({ code: p.code, version: p.version }, 'published certificate type schema does not compile; ignored');
        return 'rejected';
      }
      const publishedAt = new Date(p.publishedAt);
      const n = await tx.$executeRawUnsafe(
        `INSERT INTO certificate_type (code, type_code, name, validity_years, holder_kind, schema, template, version, published_at, issuers) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10::text[])
         ON CONFLICT (code) DO UPDATE SET type_code = EXCLUDED.type_code, name = EXCLUDED.name, validity_years = EXCLUDED.validity_years, holder_kind = EXCLUDED.holder_kind,
           schema = EXCLUDED.schema, template = EXCLUDED.template, version = EXCLUDED.version, published_at = EXCLUDED.published_at, issuers = EXCLUDED.issuers
         WHERE certificate_type.version < EXCLUDED.version`,
        p.code, p.typeCode, p.name, p.validityYears ?? null, p.holderKind, JSON.stringify(p.schema), JSON.stringify(p.template), p.version, publishedAt, p.issuers ?? [],
      );
      return n > 0 ? 'stored' : 'stale';
    },

    /** Stores an issuer record the catalog published (name, issuer code, key policy); an older or repeated version changes nothing. */
    async receiveIssuer(tx: Tx, p: IssuerPublished['payload']): Promise<'stored' | 'stale'> {
      const n = await tx.$executeRawUnsafe(
        `INSERT INTO issuer (department, name, credit_code, key_policy, version, published_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (department) DO UPDATE SET name = EXCLUDED.name, credit_code = EXCLUDED.credit_code, key_policy = EXCLUDED.key_policy, version = EXCLUDED.version, published_at = EXCLUDED.published_at
         WHERE issuer.version < EXCLUDED.version`,
        p.department, p.name, p.creditCode, p.keyPolicy, p.version, new Date(p.publishedAt),
      );
      return n > 0 ? 'stored' : 'stale';
    },

    /** What became of a case's certificate request: issued, refused (with its cause and any schema errors), or null (never seen or not yet handled). */
    async requestOutcome(caseId: string) {
      const cert = await db.certificate.findUnique({ where: { caseId }, select: { id: true, department: true, type: true, caseNumber: true, issuedAt: true } });
      if (cert) return { caseId, caseNumber: cert.caseNumber, department: cert.department, certificateType: cert.type, status: 'issued' as const, certificateId: cert.id, issuedAt: cert.issuedAt.toISOString() };
      const r = await db.certificateRefusal.findUnique({ where: { caseId } });
      if (!r) return null;
      return { caseId, caseNumber: r.caseNumber, department: r.department, certificateType: r.type, status: 'refused' as const, code: r.code, reason: r.reason ?? '证照数据不符合该证照类型的数据规范，未签发', refusedAt: r.refusedAt.toISOString(), errors: r.errors as unknown as DataError[] };
    },

    /**
     * The document step after issuance: renders the PDF, stores it in the extranet object store and
     * enqueues certificate.record (PDF attached) for the internet zone — outside the issuance
     * transaction, so a slow render never holds the serial number's lock. Idempotent: the consumer
     * calls it on every delivery of the request until record_at is set. Without a CJK font the record
     * goes without a PDF (logged).
     */
    async publishRecord(id: string): Promise<boolean> {
      const cert = await db.certificate.findUnique({ where: { id } });
      if (!cert || cert.recordAt) return false;
      const doc = documentOf(cert);
      const holder = cert.holder as { accountId: string; name: string };
      let pdf: { key: string; sha256: string; size: number } | null = null;
      if (opts.store) {
        try {
          const body = await renderCertificatePdf({
            id, typeName: doc.typeName, holderName: holder.name, issuerName: doc.issuer.name, issuerCreditCode: doc.issuer.creditCode, issuedAt: doc.issuedAt, validUntil: doc.validUntil ?? null,
            fields: templateRows(await typeDefOf(db, cert.type), cert.data as Record<string, unknown>), algorithm: cert.algorithm, keyId: cert.keyId, documentSha256: cert.documentSha256, verifyUrl: verificationAddress(opts.verifyUrl, id),
          });
          const key = `certificates/${id}.pdf`;
          pdf = { key, ...(await opts.store.put(key, body, { contentType: 'application/pdf' })) };
        } catch (err) {
          // Storage outages retry (the request is redelivered); a missing font goes on without a PDF.
          if ((err as Error).name !== 'NoCjkFontError') throw err;
          opts.logger?.error({ err: (err as Error).message, certificateId: id }, 'certificate PDF not rendered');
        }
      }
      const key = await db.signingKey.findUnique({ where: { kid: cert.keyId } });
      return db.$transaction(async (tx) => {
        const n = await tx.certificate.updateMany({ where: { id, recordAt: null }, data: { recordAt: new Date(), pdfKey: pdf?.key ?? null, pdfSha256: pdf?.sha256 ?? null } });
        if (n.count === 0) return false;
        await enqueue(tx, buildMessage('certificate.record', {
          zone: 'extranet', correlationId: cert.applicationId,
          ...(pdf ? { attachments: [{ key: pdf.key, sha256: pdf.sha256, size: pdf.size, contentType: 'application/pdf' }] } : {}),
          payload: {
            certificateId: id, applicationId: cert.applicationId, certificateType: cert.type, typeName: doc.typeName, holder: { accountId: holder.accountId, name: holder.name }, issuer: doc.issuer,
            issuedAt: doc.issuedAt, ...(doc.validUntil ? { validUntil: doc.validUntil } : {}), document: doc as unknown as Record<string, unknown>, signature: cert.signature, algorithm: cert.algorithm,
            key: { kid: cert.keyId, algorithm: cert.algorithm, publicKey: key!.publicKeyPem }, sha256: cert.documentSha256, ...(pdf ? { pdfKey: pdf.key } : {}),
          },
        }));
        return true;
      });
    },

    /** Status (valid, revoked, expired, unknown) and a signature check of the rebuilt document with the recorded key. */
    async verify(id: string, now = new Date()): Promise<{ status: CertificateStatus; signatureValid: boolean; document?: SignedDocument; keyId?: string; algorithm?: string; revokedAt?: string; revocationReason?: string; validUntil?: string }> {
      const cert = await db.certificate.findUnique({ where: { id } });
      if (!cert) return { status: 'unknown', signatureValid: false };
      const key = await db.signingKey.findUnique({ where: { kid: cert.keyId } });
      const doc = documentOf(cert);
      const signatureValid = !!key && key.algorithm === cert.algorithm && verifyBytes(cert.algorithm, Buffer.from(canonicalJson(doc)), cert.signature, key.publicKeyPem);
      return {
        status: statusOf(cert, now), signatureValid, document: doc, keyId: cert.keyId, algorithm: cert.algorithm,
        ...(cert.revokedAt ? { revokedAt: cert.revokedAt.toISOString(), revocationReason: cert.revocationReason ?? '' } : {}),
        ...(cert.validUntil ? { validUntil: cert.validUntil.toISOString() } : {}),
      };
    },

    /** The certificate file for offline verification (verify-offline.ts). */
    async file(id: string): Promise<CertificateFile | null> {
      const cert = await db.certificate.findUnique({ where: { id } });
      if (!cert) return null;
      return { format: CERTIFICATE_FILE_FORMAT, document: documentOf(cert) as unknown as Record<string, unknown>, signature: cert.signature, algorithm: cert.algorithm, keyId: cert.keyId };
    },

    pdfKeyOf: async (id: string) => (await db.certificate.findUnique({ where: { id }, select: { pdfKey: true } }))?.pdfKey ?? null,

    /** 注销/吊销 by the issuing department: audited, and announced outbound so the portal answers "revoked" too. */
    async revoke(id: string, reason: string, actor: { sub: string; department?: string }): Promise<{ revokedAt: Date }> {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ id: string; department: string; status: string; application_id: string }[]>('SELECT id, department, status, application_id FROM certificate WHERE id = $1 FOR UPDATE', id);
        const cert = rows[0];
        // Another department's certificate is not this caller's to see: same answer as a missing one.
        if (!cert || cert.department !== actor.department) throw new CertificateNotFound(id);
        if (cert.status === 'revoked') throw new AlreadyRevoked(id);
        const revokedAt = new Date();
        await tx.certificate.update({ where: { id }, data: { status: 'revoked', revokedAt, revocationReason: reason, revokedBy: actor.sub } });
        await audit(tx, { actor: actor.sub, action: 'certificate.revoke', target: id, detail: { reason } });
        await enqueue(tx, buildMessage('certificate.revoked', { zone: 'extranet', correlationId: cert.application_id, payload: { certificateId: id, reason, revokedAt: revokedAt.toISOString() } }));
        return { revokedAt };
      });
    },

    /** Retires the department's active key and creates a new one; retired keys keep verifying. */
    async rotateKey(department: string, algorithm: SignatureAlgorithm, actor: string) {
      return db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `signing-key:${department}`);
        const retired = await tx.signingKey.updateMany({ where: { department, active: true }, data: { active: false, retiredAt: new Date() } });
        const key = await createKey(tx, department, algorithm);
        await audit(tx, { actor, action: 'certificate.key.rotate', target: key.kid, detail: { department, algorithm, retired: retired.count } });
        return { kid: key.kid, department, algorithm, jwk: toJwk(key) };
      });
    },

    /**
     * 本部门签发的证照: a department's certificates, newest first, for its staff. `q` matches the
     * identifier, the case number or the holder's name (partly); `status` is valid, revoked or expired.
     */
    async ofDepartment(department: string, opts: { q?: string; status?: 'valid' | 'revoked' | 'expired'; skip: number; take: number }, now = new Date()) {
      const q = opts.q?.trim();
      const and: object[] = [{ department }];
      if (q) and.push({ OR: [{ id: { contains: q } }, { caseNumber: { contains: q } }, { holder: { path: ['name'], string_contains: q } }] });
      if (opts.status === 'revoked') and.push({ status: 'revoked' });
      else if (opts.status === 'expired') and.push({ status: { not: 'revoked' } }, { validUntil: { lte: now } });
      else if (opts.status === 'valid') and.push({ status: { not: 'revoked' } }, { OR: [{ validUntil: null }, { validUntil: { gt: now } }] });
      const where = { AND: and };
      const [rows, total] = await Promise.all([
        db.certificate.findMany({ where, orderBy: [{ issuedAt: 'desc' }, { id: 'asc' }], skip: opts.skip, take: opts.take }),
        db.certificate.count({ where }),
      ]);
      return {
        total,
        items: rows.map((c) => ({
          id: c.id, type: c.type, typeName: c.typeName ?? CERTIFICATE_TYPES[c.type]?.name ?? c.type, caseNumber: c.caseNumber,
          holderName: String((c.holder as { name?: unknown }).name ?? ''), status: statusOf(c, now) as string, issuedAt: c.issuedAt.toISOString(),
          validUntil: c.validUntil?.toISOString() ?? null, revokedAt: c.revokedAt?.toISOString() ?? null, revocationReason: c.revocationReason ?? null,
        })),
      };
    },

    /** The holder's certificates, newest first: identifiers and status only, no holder data or contents. */
    async byHolder(accountId: string) {
      const rows = await db.certificate.findMany({ where: { holder: { path: ['accountId'], equals: accountId } }, orderBy: { issuedAt: 'desc' }, take: 200 });
      return rows.map((c) => ({
        id: c.id, type: c.type, typeName: c.typeName ?? CERTIFICATE_TYPES[c.type]?.name ?? c.type, department: c.department,
        issuerName: c.issuerName ?? c.department, status: statusOf(c) as string, issuedAt: c.issuedAt.toISOString(),
      }));
    },

    /** Every key ever used (public halves only), JWK-like, with its department and state. */
    async publicKeys() {
      const keys = await db.signingKey.findMany({ select: { kid: true, department: true, algorithm: true, publicKeyPem: true, active: true, createdAt: true, retiredAt: true }, orderBy: { createdAt: 'asc' } });
      return keys.map((k) => ({
        ...toJwk(k), department: k.department, algorithm: k.algorithm, active: k.active, createdAt: k.createdAt.toISOString(), ...(k.retiredAt ? { retiredAt: k.retiredAt.toISOString() } : {}),
        // The key as stored: SPKI PEM for Ed25519, 04||X||Y hex for SM2.
        publicKey: k.publicKeyPem, ...(k.algorithm === 'Ed25519' ? { publicKeyPem: k.publicKeyPem } : {}),
      }));
    },
  };
}
