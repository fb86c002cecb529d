/**
 * E-certificates (电子证照), extranet: issues a signed certificate (and its PDF) when approval asks
 * for one; answers verification by identifier or QR payload with the status (valid, revoked,
 * expired, unknown) and a signature check; revokes with a reason; rotates departments' signing keys
 * and publishes the public keys; serves the certificate file for offline verification.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requireScope, type AuthHandler } from '@hall/auth';
import { consume, handleOnce } from '@hall/messaging';
import { extendConfigWithS3, PageOf, PageQuery, pageWindow, type ServiceDefinition } from '@hall/service';
import type { ApplicationSubmitted, CertificateRequested, CertificateTypePublished, IssuerPublished } from '@hall/contracts';
import { checkReuse } from './reuse.js';
import { createPrisma, type Db } from './db.js';
import { certificateService, identifierFromQr, AlreadyRevoked, CertificateNotFound } from './issuer.js';
import { isValidIdentifier, ALGORITHMS, type SignatureAlgorithm } from '@hall/ecert';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CertificateConfig = extendConfigWithS3({
  /** Algorithm of newly created department keys: SM2 with SM3 (the national standard) or Ed25519. */
  CERTIFICATE_ALGORITHM: Type.Union(ALGORITHMS.map((a) => Type.Literal(a)), { default: 'SM2-SM3' }),
  /** The portal's public address, as citizens reach it (every link they receive starts here). */
  PORTAL_PUBLIC_URL: Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://', default: 'http://127.0.0.1:8080' }),
  /** The public verification page, if not `<PORTAL_PUBLIC_URL>/verify.html`; the PDF's QR code carries `<this>?id=<identifier>`. */
  CERTIFICATE_VERIFY_URL: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
});
/** Where the QR code points: the portal's public verification page. */
const verifyUrlOf = (c: { PORTAL_PUBLIC_URL: string; CERTIFICATE_VERIFY_URL?: string }) => c.CERTIFICATE_VERIFY_URL ?? `${c.PORTAL_PUBLIC_URL.replace(/\/+$/, '')}/verify.html`;

const Status = Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('unknown')]);
const VerifyView = Type.Object({
  id: Type.String(), status: Status, signatureValid: Type.Boolean(), keyId: Type.Optional(Type.String()), algorithm: Type.Optional(Type.String()),
  revokedAt: Type.Optional(Type.String()), revocationReason: Type.Optional(Type.String()), validUntil: Type.Optional(Type.String()), document: Type.Optional(Type.Any()),
});
const Jwk = Type.Object({
  kid: Type.String(), kty: Type.String(), crv: Type.String(), x: Type.String(), y: Type.Optional(Type.String()), alg: Type.String(), use: Type.String(),
  department: Type.String(), algorithm: Type.String(), active: Type.Boolean(), createdAt: Type.String(), retiredAt: Type.Optional(Type.String()),
  publicKey: Type.String(), publicKeyPem: Type.Optional(Type.String()),
});

export const definition: ServiceDefinition<typeof CertificateConfig, Db> = {
  name: 'certificate',
  configSchema: CertificateConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  objectStore: true,
  auth: true,
  async routes(app, ctx) {
    const certificates = certificateService(ctx.prisma, { algorithm: ctx.config.CERTIFICATE_ALGORITHM as SignatureAlgorithm, verifyUrl: verifyUrlOf(ctx.config), store: ctx.store, logger: ctx.logger });
    const IdParams = Type.Object({ id: Type.String({ minLength: 10, maxLength: 128 }) });
    // Staff, or another department's system (realm client, via the data-exchange service) holding one of the scopes.
    const staffOrClientWith = (...scopes: string[]): AuthHandler => async (req, reply) => {
      if (req.principal.realm !== 'client') return requireRealm('staff')(req, reply);
      if (!scopes.some((s) => req.principal.scopes?.includes(s))) await requireScope(scopes[0]!)(req, reply);
    };
    const checked = (id: string) => {
      // The check character is recomputed before any lookup: a mistyped identifier never reaches the database.
      if (!isValidIdentifier(id)) throw Problems.badRequest('certificate_id_invalid', '证照标识格式或校验位不正确');
      return id;
    };
    const staffOfDepartment: AuthHandler = async (req, reply) => {
      await requireRealm('staff')(req, reply);
      if (!reply.sent && !req.principal.department) throw Problems.forbidden('forbidden', '无权执行此操作', '须为发证部门工作人员');
    };

    app.get('/v1/certificates/:id/verify', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:verify', 'certificate:read')],
      schema: { params: IdParams, response: { 200: VerifyView, 400: ProblemSchema } },
    }, async (req) => ({ id: req.params.id, ...(await certificates.verify(checked(req.params.id))) }));

    // By QR payload: the verification address printed on the PDF (or the bare identifier).
    app.get('/v1/certificates/verify', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:verify', 'certificate:read')],
      schema: { querystring: StrictObject({ qr: Type.String({ minLength: 10, maxLength: 1000 }) }), response: { 200: VerifyView, 400: ProblemSchema } },
    }, async (req) => {
      const id = identifierFromQr(req.query.qr);
      if (!id) throw Problems.badRequest('certificate_qr_invalid', '二维码内容不是电子证照核验地址');
      return { id, ...(await certificates.verify(checked(id))) };
    });

    // The certificate file (document, signature, algorithm, key id) that anyone can check offline with the published key.
    app.get('/v1/certificates/:id/file', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:read')],
      schema: { params: IdParams, response: { 200: Type.Any(), 400: ProblemSchema, 404: ProblemSchema } },
    }, async (req) => {
      const f = await certificates.file(checked(req.params.id));
      if (!f) throw Problems.notFound('certificate_not_found', '电子证照不存在');
      return f;
    });

    app.get('/v1/certificates/:id/pdf', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:read')],
      schema: { params: IdParams, response: { 400: ProblemSchema, 404: ProblemSchema } },
    }, async (req, reply) => {
      const key = await certificates.pdfKeyOf(checked(req.params.id));
      if (!key || !ctx.store) throw Problems.notFound('certificate_pdf_not_found', '电子证照文件不存在');
      return reply.type('application/pdf').send((await ctx.store.getBuffer(key)) as never);
    });

    // 本部门签发的证照: the caller's department's certificates, for the console's 证照管理 page.
    const DepartmentCertificate = Type.Object({
      id: Type.String(), type: Type.String(), typeName: Type.String(), caseNumber: Type.String(), holderName: Type.String(), status: Type.String(),
      issuedAt: Type.String(), validUntil: Type.Union([Type.String(), Type.Null()]), revokedAt: Type.Union([Type.String(), Type.Null()]), revocationReason: Type.Union([Type.String(), Type.Null()]),
    });
    app.get('/v1/certificates', {
      preHandler: [app.authenticate, staffOfDepartment],
      schema: {
        querystring: StrictObject({ ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), status: Type.Optional(Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired')])) }),
        response: { 200: PageOf(DepartmentCertificate), 400: ProblemSchema, 403: ProblemSchema },
      },
    }, async (req) => {
      const { items, total } = await certificates.ofDepartment(req.principal.department!, { q: req.query.q, status: req.query.status, ...pageWindow(req.query) });
      return { items, total, page: req.query.page, pageSize: req.query.pageSize };
    });

    // 注销/吊销: staff of the issuing department, with a reason.
    app.post('/v1/certificates/:id/revoke', {
      preHandler: [app.authenticate, staffOfDepartment],
      schema: { params: IdParams, body: StrictObject({ reason: Type.String({ minLength: 2, maxLength: 500 }) }), response: { 200: Type.Object({ id: Type.String(), status: Type.Literal('revoked'), revokedAt: Type.String(), reason: Type.String() }), 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
    }, async (req) => {
      const id = checked(req.params.id);
      try {
        const r = await certificates.revoke(id, req.body.reason, { sub: req.principal.sub, department: req.principal.department });
        ctx.outbox.notify();
        return { id, status: 'revoked' as const, revokedAt: r.revokedAt.toISOString(), reason: req.body.reason };
      } catch (err) {
        if (err instanceof CertificateNotFound) throw Problems.notFound('certificate_not_found', '电子证照不存在或不属于本部门');
        if (err instanceof AlreadyRevoked) throw Problems.conflict('certificate_already_revoked', '该电子证照已注销');
        throw err;
      }
    });

    // Key rotation for the caller's own department (部门管理员): the old key is retired but keeps verifying.
    app.post('/v1/keys/rotate', {
      preHandler: [app.authenticate, staffOfDepartment],
      schema: { body: StrictObject({ algorithm: Type.Optional(Type.Union(ALGORITHMS.map((a) => Type.Literal(a)))) }), response: { 201: Type.Object({ kid: Type.String(), department: Type.String(), algorithm: Type.String(), jwk: Type.Any() }), 403: ProblemSchema } },
    }, async (req, reply) => {
      if (!req.principal.roles.includes('dept_admin') && !req.principal.roles.includes('sys_admin')) throw Problems.forbidden('forbidden', '无权执行此操作', '须为部门管理员');
      const r = await certificates.rotateKey(req.principal.department!, (req.body.algorithm ?? ctx.config.CERTIFICATE_ALGORITHM) as SignatureAlgorithm, req.principal.sub);
      reply.code(201);
      return r;
    });

    // What became of a case's certificate request (issued, or refused with the schema errors): staff of the requesting department.
    const DataErrorView = Type.Object({ instancePath: Type.String(), keyword: Type.String(), params: Type.Any(), message: Type.String() });
    app.get('/v1/certificate-requests/:caseId', {
      preHandler: [app.authenticate, staffOfDepartment],
      schema: {
        params: StrictObject({ caseId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            caseId: Type.String(), caseNumber: Type.String(), department: Type.String(), certificateType: Type.String(), status: Type.Union([Type.Literal('issued'), Type.Literal('refused')]),
            certificateId: Type.Optional(Type.String()), issuedAt: Type.Optional(Type.String()), refusedAt: Type.Optional(Type.String()), code: Type.Optional(Type.String()), reason: Type.Optional(Type.String()), errors: Type.Optional(Type.Array(DataErrorView)),
          }),
          400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema,
        },
      },
    }, async (req) => {
      const r = await certificates.requestOutcome(req.params.caseId);
      // Another department's request is not this caller's to see: same answer as a missing one.
      if (!r || r.department !== req.principal.department) throw Problems.notFound('certificate_request_not_found', '未找到该案件的发证请求或尚未处理');
      return r;
    });

    // A holder's certificates (holder = the holder's unified identity account id). A client must state its purpose.
    app.get('/v1/holders/:holderId/certificates', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:holder-lookup')],
      schema: {
        params: StrictObject({ holderId: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: StrictObject({ purpose: Type.Optional(Type.String({ minLength: 2, maxLength: 500 })) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), typeName: Type.String(), department: Type.String(), issuerName: Type.String(), status: Type.String(), issuedAt: Type.String() })) }), 400: ProblemSchema, 403: ProblemSchema },
      },
    }, async (req) => {
      if (req.principal.realm === 'client' && !req.query.purpose) throw Problems.badRequest('purpose_required', '按持证人查询须说明合法用途');
      return { items: await certificates.byHolder(req.params.holderId) };
    });

    // Public keys are public: anyone may verify a certificate offline with them (JWK-like set, retired keys included).
    app.get('/v1/keys', { schema: { response: { 200: Type.Object({ keys: Type.Array(Jwk) }) } } }, async () => ({ keys: await certificates.publicKeys() }));
  },
  async start(ctx) {
    const certificates = certificateService(ctx.prisma, { algorithm: ctx.config.CERTIFICATE_ALGORITHM as SignatureAlgorithm, verifyUrl: verifyUrlOf(ctx.config), store: ctx.store, logger: ctx.logger });
    const consumer = await consume({
      nc: ctx.nc, stream: 'X', durable: 'certificate', filterSubjects: ['hall.x.certificate.requested'], logger: ctx.logger, concurrency: 4,
      handler: async (m) => {
        const req = (m as CertificateRequested).payload;
        // A refusal commits with the inbox row and certificate.failed: acknowledged, never retried by itself.
        let refused: { code: string; reason: string } | null = null;
        await handleOnce(ctx.prisma, 'certificate', m.id, async (tx) => { const r = await certificates.issue(tx, req, m.id, ctx.clock.now()); refused = r.status === 'refused' ? r : null; });
        ctx.outbox.notify();
        if (refused) { const r: { code: string; reason: string } = refused; ctx.logger.error({ messageId: m.id, caseId: req.caseId, certificateType: req.certificateType, code: r.code, reason: r.reason }, 'certificate request refused'); return; }
        // The document step, on every delivery until done (a failure here leaves the request unacknowledged).
        const cert = await ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId }, select: { id: true, recordAt: true } });
        if (cert && !cert.recordAt && (await certificates.publishRecord(cert.id))) ctx.outbox.notify();
      },
    });
    // 免提交: submissions offering e-certificates instead of materials (IN stream, one filter subject).
    const reuse = await consume({
      nc: ctx.nc, stream: 'IN', durable: 'certificate-reuse', filterSubjects: ['hall.in.application.submitted'], logger: ctx.logger,
      handler: async (m) => {
        const p = (m as ApplicationSubmitted).payload;
        if (!p.certificates?.length) return;
        await handleOnce(ctx.prisma, 'certificate-reuse', m.id, async (tx) => { await checkReuse(tx, certificates, p); });
        ctx.outbox.notify();
      },
    });
    // The catalog's certificate type definitions (X stream, one filter subject).
    const types = await consume({
      nc: ctx.nc, stream: 'X', durable: 'certificate-types', filterSubjects: ['hall.x.catalog.certificate-type.published'], logger: ctx.logger,
      handler: async (m) => {
        const p = (m as CertificateTypePublished).payload;
        await handleOnce(ctx.prisma, 'certificate-types', m.id, async (tx) => { await certificates.receiveType(tx, p); });
      },
    });
    // The catalog's issuer records (X stream, one filter subject).
    const issuers = await consume({
      nc: ctx.nc, stream: 'X', durable: 'certificate-issuers', filterSubjects: ['hall.x.catalog.issuer.published'], logger: ctx.logger,
      handler: async (m) => {
        const p = (m as IssuerPublished).payload;
        await handleOnce(ctx.prisma, 'certificate-issuers', m.id, async (tx) => { await certificates.receiveIssuer(tx, p); });
      },
    });
    ctx.onStop(async () => { await consumer.stop(); await reuse.stop(); await types.stop(); await issuers.stop(); });
  },
};
