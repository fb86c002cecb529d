/**
 * E-certificates in the internet zone, from the verification records the OUTBOUND lane carries
 * (certificate.record with the PDF attached, certificate.revoked):
 * - public verification by identifier or QR payload (no login): status, type, issuer, dates, the
 *   holder's name masked, and a fresh signature check of the carried document with the carried key;
 * - the holder's wallet (我的证照): their certificates, or a legal person's for its handlers and
 *   legal representative (X-On-Behalf-Of, checked by identity as for applications), with the
 *   signed data and the PDF download.
 * Another holder's certificate answers 404 in the wallet.
 */
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject, type HttpPlugin } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { consume, handleOnce } from '@hall/messaging';
import { canonicalJson, type CertificateRecord, type CertificateRevoked } from '@hall/contracts';
import type { ServiceContext } from '@hall/service';
import type { ObjectStore } from '@hall/storage';
import type { FastifyRequest } from 'fastify';
import { verifyBytes, isValidIdentifier } from '@hall/ecert';
import type { Db } from './db.js';
import type { Acting } from './acting.js';

type Row = NonNullable<Awaited<ReturnType<Db['certificateRecord']['findUnique']>>>;
type Status = 'valid' | 'revoked' | 'expired' | 'unknown';

const statusOf = (r: Row, now = new Date()): Status => (r.status === 'revoked' ? 'revoked' : r.validUntil && r.validUntil <= now ? 'expired' : 'valid');
const signatureValid = (r: Row) => verifyBytes(r.algorithm, Buffer.from(canonicalJson(r.document)), r.signature, r.publicKey);
/** 周梦婕 → 周*婕, 李明 → 李*. */
const mask = (name: string) => (name.length <= 1 ? name : name.length === 2 ? `${name[0]}*` : `${name[0]}${'*'.repeat(name.length - 2)}${name[name.length - 1]}`);

/** The identifier from a QR payload: the verification address (any host) or the bare identifier. */
export function identifierFromQr(payload: string): string | null {
  const p = payload.trim();
  if (p.startsWith('1.2.156.')) return p;
  try { return new URL(p).searchParams.get('id'); } catch { return null; }
}

export async function startCertificateConsumer(ctx: ServiceContext<unknown, Db>): Promise<() => Promise<void>> {
  const consumer = await consume({
    nc: ctx.nc, stream: 'OUT', durable: 'declaration-certificates', logger: ctx.logger,
    // One filter subject (nats-server 2.9 has no multi-filter consumers); certificate.notice is the other consumer's.
    filterSubjects: ['hall.out.certificate.>'],
    handler: async (message) => {
      await handleOnce(ctx.prisma, 'declaration-certificates', message.id, async (tx) => {
        if (message.type === 'certificate.record') {
          const p = (message as CertificateRecord).payload;
          const data = {
            holderId: p.holder.accountId, holderName: p.holder.name, type: p.certificateType, typeName: p.typeName, issuerName: p.issuer.name, issuerCreditCode: p.issuer.creditCode,
            issuedAt: new Date(p.issuedAt), validUntil: p.validUntil ? new Date(p.validUntil) : null, document: p.document as object, signature: p.signature, algorithm: p.algorithm,
            keyId: p.key.kid, publicKey: p.key.publicKey, sha256: p.sha256, pdfKey: p.pdfKey ?? null, applicationId: p.applicationId ?? null,
          };
          await tx.certificateRecord.upsert({ where: { id: p.certificateId }, create: { id: p.certificateId, status: 'valid', ...data }, update: data });
        } else if (message.type === 'certificate.revoked') {
          const p = (message as CertificateRevoked).payload;
          const n = await tx.certificateRecord.updateMany({ where: { id: p.certificateId }, data: { status: 'revoked', revokedAt: new Date(p.revokedAt), revocationReason: p.reason } });
          // The record travels first; should it not be here yet, try again later.
          if (n.count === 0) throw new Error(`revocation of unknown certificate ${p.certificateId}`);
        }
      });
    },
  });
  return () => consumer.stop();
}

const PublicView = Type.Object({
  id: Type.String(), status: Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('unknown')]), statusText: Type.String(),
  signatureValid: Type.Boolean(), typeName: Type.Optional(Type.String()), issuerName: Type.Optional(Type.String()), issuerCreditCode: Type.Optional(Type.String()),
  holderName: Type.Optional(Type.String({ description: '脱敏' })), issuedAt: Type.Optional(Type.String()), validUntil: Type.Optional(Type.String()),
  revokedAt: Type.Optional(Type.String()), revocationReason: Type.Optional(Type.String()), algorithm: Type.Optional(Type.String()), keyId: Type.Optional(Type.String()),
});
const STATUS_TEXT: Record<Status, string> = { valid: '有效', revoked: '已注销', expired: '已过期', unknown: '未找到该电子证照' };
const WalletItem = Type.Object({
  id: Type.String(), type: Type.String(), typeName: Type.String(), issuerName: Type.String(), status: Type.String(), statusText: Type.String(), issuedAt: Type.String(),
  validUntil: Type.Union([Type.String(), Type.Null()]), revocationReason: Type.Union([Type.String(), Type.Null()]), hasPdf: Type.Boolean(),
});

export const certificateRoutes: HttpPlugin<{ db: Db; store: ObjectStore; acting: (req: FastifyRequest) => Promise<Acting> }> = async (app, opts) => {
  const applicant = [app.authenticate, requireRealm('public')];
  const checked = (id: string) => {
    if (!isValidIdentifier(id)) throw Problems.badRequest('certificate_id_invalid', '证照标识格式或校验位不正确');
    return id;
  };
  const publicView = async (id: string) => {
    const r = await opts.db.certificateRecord.findUnique({ where: { id: checked(id) } });
    if (!r) return { id, status: 'unknown' as const, statusText: STATUS_TEXT.unknown, signatureValid: false };
    const status = statusOf(r);
    return {
      id, status, statusText: STATUS_TEXT[status], signatureValid: signatureValid(r), typeName: r.typeName, issuerName: r.issuerName, issuerCreditCode: r.issuerCreditCode,
      holderName: mask(r.holderName), issuedAt: r.issuedAt.toISOString(), ...(r.validUntil ? { validUntil: r.validUntil.toISOString() } : {}),
      ...(r.revokedAt ? { revokedAt: r.revokedAt.toISOString(), revocationReason: r.revocationReason ?? '' } : {}), algorithm: r.algorithm, keyId: r.keyId,
    };
  };

  // Public: whoever holds the paper or scans the QR code may check it; no holder data beyond a masked name.
  app.get('/v1/public/certificates/:id/verify', {
    schema: { params: StrictObject({ id: Type.String({ minLength: 10, maxLength: 128 }) }), response: { 200: PublicView, 400: ProblemSchema } },
  }, async (req) => publicView(req.params.id));
  app.get('/v1/public/certificates/verify', {
    schema: { querystring: StrictObject({ qr: Type.String({ minLength: 10, maxLength: 1000 }) }), response: { 200: PublicView, 400: ProblemSchema } },
  }, async (req) => {
    const id = identifierFromQr(req.query.qr);
    if (!id) throw Problems.badRequest('certificate_qr_invalid', '二维码内容不是电子证照核验地址');
    return publicView(id);
  });

  const owned = async (req: FastifyRequest, id: string) => {
    const owner = await opts.acting(req);
    const r = await opts.db.certificateRecord.findUnique({ where: { id } });
    if (!r || r.holderId !== owner.ownerId) throw Problems.notFound('certificate_not_found', '电子证照不存在');
    return r;
  };

  app.get('/v1/certificates', {
    preHandler: applicant,
    schema: { response: { 200: Type.Object({ items: Type.Array(WalletItem) }) } },
  }, async (req) => {
    const owner = await opts.acting(req);
    const rows = await opts.db.certificateRecord.findMany({ where: { holderId: owner.ownerId }, orderBy: { issuedAt: 'desc' }, take: 200 });
    return {
      items: rows.map((r) => {
        const status = statusOf(r);
        return { id: r.id, type: r.type, typeName: r.typeName, issuerName: r.issuerName, status, statusText: STATUS_TEXT[status], issuedAt: r.issuedAt.toISOString(), validUntil: r.validUntil?.toISOString() ?? null, revocationReason: r.revocationReason, hasPdf: !!r.pdfKey };
      }),
    };
  });

  app.get('/v1/certificates/:id', {
    preHandler: applicant,
    schema: { params: StrictObject({ id: Type.String({ minLength: 10, maxLength: 128 }) }), response: { 200: Type.Any(), 404: ProblemSchema } },
  }, async (req) => {
    const r = await owned(req, req.params.id);
    const status = statusOf(r);
    return {
      id: r.id, typeName: r.typeName, issuerName: r.issuerName, status, statusText: STATUS_TEXT[status], signatureValid: signatureValid(r), holderName: r.holderName,
      issuedAt: r.issuedAt.toISOString(), validUntil: r.validUntil?.toISOString() ?? null, revocationReason: r.revocationReason, hasPdf: !!r.pdfKey,
      // The certificate file for offline verification (packages/ecert/src/verify-offline.ts).
      file: { format: 'hall-e-certificate/1', document: r.document, signature: r.signature, algorithm: r.algorithm, keyId: r.keyId },
    };
  });

  app.get('/v1/certificates/:id/pdf', {
    preHandler: applicant,
    schema: { params: StrictObject({ id: Type.String({ minLength: 10, maxLength: 128 }) }), response: { 404: ProblemSchema } },
  }, async (req, reply) => {
    const r = await owned(req, req.params.id);
    if (!r.pdfKey) throw Problems.notFound('certificate_pdf_not_found', '该电子证照暂无文件');
    const body = await opts.store.getBuffer(r.pdfKey);
    // Saved under its Chinese name (出生医学证明-张三.pdf), not its 60-character identifier; ASCII fallback for old clients.
    const name = `${r.typeName}-${r.holderName}.pdf`.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="certificate.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`).send(body as never);
  });
};

/**
 * 免提交 at submission: each material offered as an e-certificate must be one the item allows so
 * (`eCertificateType`), and a certificate of that type held by the applicant (or the party acted
 * for) that is valid here. The extranet checks it again before the case uses it.
 */
export async function certificateMaterials(
  db: Db, ownerId: string, specs: { code: string; name: string; eCertificateType?: string }[], refs: { materialCode: string; certificateId: string }[],
): Promise<{ materialCode: string; certificateId: string }[]> {
  const out: { materialCode: string; certificateId: string }[] = [];
  for (const ref of refs) {
    const spec = specs.find((s) => s.code === ref.materialCode);
    if (!spec?.eCertificateType) throw Problems.badRequest('certificate_not_accepted', '该材料不能以电子证照代替', `材料 ${ref.materialCode}`);
    if (!isValidIdentifier(ref.certificateId)) throw Problems.badRequest('certificate_id_invalid', '证照标识格式或校验位不正确');
    const r = await db.certificateRecord.findUnique({ where: { id: ref.certificateId } });
    // Another holder's certificate answers as a missing one.
    if (!r || r.holderId !== ownerId) throw Problems.badRequest('certificate_not_found', '所选电子证照不存在', `证照 ${ref.certificateId}`);
    if (r.type !== spec.eCertificateType) throw Problems.badRequest('certificate_type_mismatch', '所选电子证照的类型与材料要求不符', `${spec.name} 需要 ${spec.eCertificateType}`);
    const status = statusOf(r);
    if (status !== 'valid') throw Problems.badRequest('certificate_not_valid', `所选电子证照${STATUS_TEXT[status]}，不能使用`);
    out.push({ materialCode: ref.materialCode, certificateId: ref.certificateId });
  }
  return out;
}
