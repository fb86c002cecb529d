/**
 * Declaration (申报), internet zone: the public API of the portal. Applicants browse the published
 * items (a replica fed by the OUTBOUND lane), upload materials to the internet object store, submit
 * applications with an Idempotency-Key, and follow them on a timeline fed back by the OUTBOUND lane.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { serveUi, Problems, ProblemError, ProblemSchema, StrictObject, type HttpPlugin } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { extendConfigWithS3, followCalendar, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { checkImageDimensions, sniffContentType, ObjectTooLargeError } from '@hall/storage';
import { type ItemPublished } from '@hall/contracts';
import { canonicalHash, IdempotencyKey } from './idempotency.js';
import { createPrisma, type Db } from './db.js';
import { searchPageCache } from './replica-cache.js';
import { replicaRepository, materialRepository, applicationRepository, MaterialAlreadyUsedError } from './repository.js';
import { validateForm } from './forms.js';
import { startConsumers } from './consumers.js';
import { createActingResolver } from './acting.js';
import { certificateRoutes, startCertificateConsumer, certificateMaterials } from './certificates.js';
import { Vars } from '@hall/config';
import { createNotificationDispatcher } from '@hall/notify';
import { STATUS_TEXT as STATUS_TEXT_ALL, DECIDED, EVALUATION_LEVELS } from './status.js';
import { senderFromConfig, notificationRoutes } from './notifications.js';
import type { PortalDeps } from './deps.js';
import { draftRoutes } from './drafts.js';
import { caseActionRoutes } from './case-actions.js';
import { consultationRoutes } from './consultations.js';
import { appointmentRoutes } from './appointments.js';
import { registerOpenness } from './openness.js';
import { registerComplaints } from './complaints.js';
import { registerPayments, startPayments } from './payments.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DeclarationConfig = extendConfigWithS3({
  UPLOAD_MAX_BYTES: Type.Integer({ minimum: 1024, default: 20 * 1024 * 1024 }),
  /** The zone's identity service, asked whether a handler or agent may act for a party (X-On-Behalf-Of). */
  IDENTITY_URL: Type.Optional(Vars.url()),
  /** The portal's public address as citizens reach it: links in SMS and e-mail start here (none without it). */
  PORTAL_PUBLIC_URL: Type.Optional(Vars.url()),
  /** Status notifications: portal (demo: the 我的消息 page), mailbox (text files) or webhook (a real SMS/e-mail gateway). */
  NOTIFY_SENDER: Type.Union([Type.Literal('portal'), Type.Literal('mailbox'), Type.Literal('webhook')], { default: 'portal' }),
  NOTIFY_MAILBOX_DIR: Type.Optional(Type.String({ minLength: 1 })),
  NOTIFY_WEBHOOK_URL: Type.Optional(Vars.url()),
  NOTIFY_WEBHOOK_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  /** Places per appointment slot (网上预约) and how many working days ahead slots are offered. */
  APPOINTMENT_SLOT_CAPACITY: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  APPOINTMENT_DAYS: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
  /** 网上缴费 (issue 13): the demo payment provider's Ed25519 private key (PEM); generated per start when absent. */
  PAYMENT_DEMO_PRIVATE_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Where the payment provider posts its notifications (this service's public origin); defaults to the listening address. */
  PAYMENT_NOTIFY_BASE_URL: Type.Optional(Vars.url()),
});

const STATUS_TEXT = STATUS_TEXT_ALL;
/** A file name as the applicant's device gave it: shown back to people, never used as a path. */
const SAFE_FILE_NAME = /^(?!\.{1,2}$)[^/\\\u0000-\u001f]+$/u;

const ItemSummary = Type.Object({
  code: Type.String(), version: Type.Integer(), name: Type.String(), department: Type.String(), departmentName: Type.String(), hall: Type.String(), level: Type.String(),
  powerType: Type.String(), promisedDays: Type.Integer(), kind: Type.String(), online: Type.Boolean(), visits: Type.Integer(), bundle: Type.Boolean(),
});
const MaterialView = Type.Object({ materialId: Type.String(), materialCode: Type.String(), fileName: Type.String(), sha256: Type.String(), size: Type.Integer(), contentType: Type.String() });
const SubmitBody = StrictObject({
  itemCode: Type.String({ minLength: 1, maxLength: 64 }),
  /** The draft this submission completes; it is deleted with the submission. */
  draftId: Type.Optional(Type.String({ format: 'uuid' })),
  form: Type.Record(Type.String(), Type.Unknown()),
  materials: Type.Array(Type.Union([
    StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), materialId: Type.String({ format: 'uuid' }) }),
    // 免提交: one of the applicant's e-certificates instead of an upload (certificates.ts).
    StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), certificateId: Type.String({ minLength: 10, maxLength: 128 }) }),
  ]), { maxItems: 50 }),
});
const TYPE_NAMES: Record<string, string> = { 'image/jpeg': 'JPG', 'image/png': 'PNG', 'image/gif': 'GIF', 'image/webp': 'WEBP', 'image/bmp': 'BMP', 'image/tiff': 'TIFF', 'application/pdf': 'PDF', 'application/ofd': 'OFD' };
/** Allowed types as a citizen names them: 图片（JPG/PNG）、PDF (not application/pdf、image/jpeg). */
function fileTypesText(types: readonly string[]): string {
  const images = types.filter((t) => t.startsWith('image/')).map((t) => TYPE_NAMES[t] ?? t.slice(6).toUpperCase());
  const others = types.filter((t) => !t.startsWith('image/')).map((t) => TYPE_NAMES[t] ?? t);
  return [...(images.length ? [`图片（${images.join('/')}）`] : []), ...others].join('、');
}
/** A size limit as people read it: 10 MB, 1.5 MB; under 1 MB in KB. */
const megabytes = (bytes: number) => (bytes >= 1_048_576 ? `${Number((bytes / 1_048_576).toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} KB`);

const Receipt = Type.Object({ applicationId: Type.String(), receiptNo: Type.String(), status: Type.String() });
const ApplicationView = Type.Object({
  applicationId: Type.String(), receiptNo: Type.String(), itemCode: Type.String(), itemVersion: Type.Integer(), status: Type.String(), statusText: Type.String(),
  caseNumber: Type.Union([Type.String(), Type.Null()]), certificateId: Type.Union([Type.String(), Type.Null()]), submittedAt: Type.String(),
  itemName: Type.String(), submittedAs: Type.String(), submittedByName: Type.Union([Type.String(), Type.Null()]), dueAt: Type.Union([Type.String(), Type.Null()]),
});
const Missing = Type.Array(Type.Object({ materialCode: Type.String(), name: Type.String(), reason: Type.Optional(Type.String()) }));
const TimelineView = Type.Object({
  status: Type.String(), statusText: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), caseNumber: Type.Union([Type.String(), Type.Null()]), certificateId: Type.Union([Type.String(), Type.Null()]), at: Type.String(),
  missingMaterials: Type.Union([Missing, Type.Null()]), dueAt: Type.Union([Type.String(), Type.Null()]), note: Type.Union([Type.String(), Type.Null()]),
});
const DetailView = Type.Composite([ApplicationView, Type.Object({
  timeline: Type.Array(TimelineView),
  missingMaterials: Type.Union([Missing, Type.Null()]),
  /** The form as filed (with corrections from supplements): the owner's own data. */
  form: Type.Record(Type.String(), Type.Unknown()),
  evaluation: Type.Union([Type.Object({ level: Type.Integer(), levelText: Type.String(), comment: Type.Union([Type.String(), Type.Null()]), at: Type.String() }), Type.Null()]),
  /** What the applicant may do now. */
  can: Type.Object({ supplement: Type.Boolean(), withdraw: Type.Boolean(), evaluate: Type.Boolean() }),
})]);


type AppRow = NonNullable<Awaited<ReturnType<Db['application']['findFirst']>>>;
const viewOf = (a: AppRow) => ({
  applicationId: a.id, receiptNo: a.receiptNo, itemCode: a.itemCode, itemVersion: a.itemVersion, status: a.status, statusText: STATUS_TEXT[a.status] ?? a.status,
  caseNumber: a.caseNumber, certificateId: a.certificateId, submittedAt: a.submittedAt.toISOString(),
  itemName: a.itemName ?? a.itemCode, submittedAs: a.submittedAs ?? 'self', submittedByName: a.submittedByName, dueAt: a.dueAt?.toISOString() ?? null,
});

export const definition: ServiceDefinition<typeof DeclarationConfig, Db> = {
  name: 'declaration',
  configSchema: DeclarationConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  objectStore: true,
  auth: true,
  async routes(app, ctx) {
    await serveUi(app, path.resolve(here, '../portal'));
    const replica = replicaRepository(ctx.prisma);
    const materials = materialRepository(ctx.prisma);
    const applications = applicationRepository(ctx.prisma, { portalUrl: ctx.config.PORTAL_PUBLIC_URL });
    const store = ctx.store!;
    const applicant = [app.authenticate, requireRealm('public')];
    const acting = createActingResolver({ identityUrl: ctx.config.IDENTITY_URL });
    await app.register(certificateRoutes, { db: ctx.prisma, store, acting });
    const notifications = createNotificationDispatcher({ db: ctx.prisma, sender: senderFromConfig(ctx.config, ctx.prisma), logger: ctx.logger });
    notifications.start();
    ctx.onStop(() => notifications.stop());
    const portalDeps: PortalDeps = { app, ctx: ctx as PortalDeps['ctx'], applicant, acting, replica, notifications };
    await draftRoutes(portalDeps);
    await caseActionRoutes(portalDeps);
    await consultationRoutes(portalDeps);
    await appointmentRoutes(portalDeps);
    await notificationRoutes(portalDeps);
    // Issue 13: 政务公开 (public), 投诉, 网上缴费 (with the demo payment provider and its worker).
    await registerOpenness(app, ctx);
    await registerComplaints(app, ctx);
    await registerPayments(app, ctx, acting);
    await startPayments(app, ctx);

    // Guides (办事指南) are public: no login needed to read what an item requires.
    // Served from the in-memory replica index (replica-index.ts): search by name, keyword, department (模糊检索).
    app.get('/v1/items', {
      schema: {
        querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 100 })), department: Type.Optional(Type.String({ maxLength: 64 })), hall: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: PageOf(ItemSummary) },
      },
    }, async (req, reply) => {
      // Pages kept serialized per index generation (replica-cache.ts): repeated searches skip matching and serializing.
      const json = await searchPageCache(replica.index)(req.query);
      // Already JSON text of PageOf(ItemSummary): fastify sends a string as it is, the schema stays as the contract.
      return reply.type('application/json; charset=utf-8').send(json as never);
    });
    // 热门事项 for the portal's home: the items applied for most in the last 30 days, filled up with the first items of the catalogue.
    app.get('/v1/popular-items', { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }) }), response: { 200: Type.Object({ items: Type.Array(ItemSummary) }) } } }, async (req) => {
      const codes = await applications.popularCodes(req.query.limit * 2);
      const all = (await replica.index.search({ skip: 0, take: 100 })).items;
      const ranked = [...codes.map((c) => all.find((i) => i.code === c)).filter((i) => i !== undefined), ...all];
      return { items: [...new Map(ranked.map((i) => [i.code, i])).values()].slice(0, req.query.limit) };
    });
    // The guide (办事指南): the publication as JSON text, kept serialized; a retired item shows with status 'retired'.
    app.get('/v1/items/:code', { schema: { params: Type.Object({ code: Type.String({ maxLength: 64 }) }), response: { 200: Type.Any(), 404: ProblemSchema } } }, async (req, reply) => {
      const json = await replica.index.guideJson(req.params.code);
      if (!json) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
      return reply.type('application/json; charset=utf-8').send(json);
    });
    app.get('/v1/items/:code/flowchart.svg', { schema: { params: Type.Object({ code: Type.String({ maxLength: 64 }) }), response: { 200: Type.String(), 404: ProblemSchema } } }, async (req, reply) => {
      const svg = await replica.index.flowchart(req.params.code);
      if (!svg) throw Problems.notFound('flowchart_not_found', '该事项没有办理流程图');
      return reply.type('image/svg+xml; charset=utf-8').send(svg);
    });

    // Materials are uploaded as the raw file body; the type is decided by content sniffing, not by the client's word.
    const uploadRoutes: HttpPlugin = async (uploads) => {
      // Every type as bytes: fastify's own text/plain and JSON parsers would hand a .txt or .json file over as a string (reported as empty).
      uploads.addContentTypeParser(['text/plain', 'application/json'], { parseAs: 'buffer', bodyLimit: ctx.config.UPLOAD_MAX_BYTES }, (_req, body, done) => done(null, body));
      uploads.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.UPLOAD_MAX_BYTES }, (_req, body, done) => done(null, body));
      uploads.post('/v1/materials', {
        preHandler: applicant,
        bodyLimit: ctx.config.UPLOAD_MAX_BYTES,
        schema: {
          // itemCode for a new application; applicationId for a supplement (补正) to one already filed.
          querystring: StrictObject({ itemCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), applicationId: Type.Optional(Type.String({ format: 'uuid' })), materialCode: Type.String({ minLength: 1, maxLength: 64 }), fileName: Type.String({ minLength: 1, maxLength: 255 }) }),
          response: { 201: MaterialView, 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 415: ProblemSchema },
        },
      }, async (req, reply) => {
        const body = req.body as Buffer;
        if (!SAFE_FILE_NAME.test(req.query.fileName) || req.query.fileName.includes('..')) throw Problems.badRequest('file_name_invalid', '文件名不合法', '文件名不能包含路径或控制字符');
        if (!Buffer.isBuffer(body) || body.length === 0) throw Problems.badRequest('material_empty', '上传的文件为空');
        if (!req.query.itemCode === !req.query.applicationId) throw Problems.badRequest('material_target_invalid', '请指定事项或办件（二选一）');
        let item: { code: string; materials: ItemPublished['payload']['materials'] } | null = null;
        if (req.query.applicationId) {
          const filed = await ctx.prisma.application.findFirst({ where: { id: req.query.applicationId, accountId: (await acting(req)).ownerId } });
          if (!filed) throw Problems.notFound('application_not_found', '申报不存在');
          const spec = filed.itemSpec as { materials?: ItemPublished['payload']['materials'] } | null;
          const fallback = spec?.materials ? null : await replica.get(filed.itemCode);
          item = { code: filed.itemCode, materials: spec?.materials ?? (fallback?.publication as ItemPublished['payload'] | undefined)?.materials ?? [] };
        } else {
          const row = await replica.get(req.query.itemCode!);
          if (row) item = { code: row.code, materials: (row.publication as ItemPublished['payload']).materials };
        }
        if (!item) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
        const spec = item.materials.find((m) => m.code === req.query.materialCode);
        if (!spec) throw Problems.badRequest('material_unknown', '该事项不需要此材料', `材料编码 ${req.query.materialCode} 不在本事项的材料清单中`);
        if (body.length > spec.maxSizeBytes) throw new ProblemError(413, 'material_too_large', '文件超过该材料允许的大小', { detail: `该材料不超过 ${megabytes(spec.maxSizeBytes)}`, extra: { maxSizeBytes: spec.maxSizeBytes } });
        const sniffed = await sniffContentType(body.subarray(0, 4100));
        if (!sniffed || !spec.allowedTypes.includes(sniffed.mime)) {
          throw new ProblemError(415, 'material_type_not_allowed', '文件类型不符合要求', { detail: `请上传${fileTypesText(spec.allowedTypes)}格式的文件，不超过 ${megabytes(spec.maxSizeBytes)}`, extra: { detected: sniffed?.mime ?? null, allowedTypes: spec.allowedTypes } });
        }
        // A picture staff browsers would have to decode: its declared canvas is checked from the header (422 image_too_large).
        checkImageDimensions(body, sniffed.mime);
        const owner = await acting(req);
        const objectKey = `materials/${owner.ownerId}/${randomUUID()}`;
        try {
          const { sha256, size } = await store.put(objectKey, body, { contentType: sniffed.mime, maxBytes: spec.maxSizeBytes });
          const m = await materials.create({ accountId: owner.ownerId, itemCode: item.code, materialCode: spec.code, fileName: req.query.fileName, objectKey, sha256, size, contentType: sniffed.mime });
          reply.code(201);
          return { materialId: m.id, materialCode: m.materialCode, fileName: m.fileName, sha256: m.sha256, size: m.size, contentType: m.contentType };
        } catch (err) {
          if (err instanceof ObjectTooLargeError) throw new ProblemError(413, 'material_too_large', '文件超过该材料允许的大小');
          throw err;
        }
      });
    };
    await app.register(uploadRoutes);

    app.post('/v1/applications', {
      preHandler: applicant,
      schema: {
        headers: Type.Object({ 'idempotency-key': IdempotencyKey }),
        body: SubmitBody,
        response: { 202: Receipt, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    }, async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const owner = await acting(req);
      const accountId = owner.ownerId;
      const requestHash = canonicalHash(req.body);
      const replay = async () => {
        const prior = await applications.findByKey(accountId, key);
        if (!prior) return null;
        if (prior.requestHash !== requestHash) throw Problems.unprocessable('idempotency_key_reused', '该幂等键已用于另一份不同的申报', '同一 Idempotency-Key 只能用于同一份申报内容');
        reply.code(202).header('idempotent-replayed', 'true');
        return { applicationId: prior.id, receiptNo: prior.receiptNo, status: prior.status };
      };
      const prior = await replay();
      if (prior) return prior;

      const row = await replica.get(req.body.itemCode);
      if (!row) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
      const item = row.publication as ItemPublished['payload'];
      const fieldErrors = validateForm(`${item.code}@${item.version}`, item.formSchema, req.body.form);
      if (fieldErrors.length) throw new ProblemError(400, 'form_invalid', '申报表填写有误', { extra: { errors: fieldErrors } });

      const uploaded = req.body.materials.filter((m): m is { materialCode: string; materialId: string } => 'materialId' in m);
      const certificates = await certificateMaterials(ctx.prisma, accountId, item.materials, req.body.materials.filter((m): m is { materialCode: string; certificateId: string } => 'certificateId' in m));
      const owned = await materials.findOwned(accountId, uploaded.map((m) => m.materialId));
      const chosen = uploaded.map((m) => {
        const found = owned.find((o) => o.id === m.materialId);
        if (!found || found.itemCode !== item.code || found.materialCode !== m.materialCode) throw Problems.badRequest('material_not_found', '所选材料不存在或不属于本事项', `材料 ${m.materialId}`);
        return found;
      });
      const missing = item.materials.filter((spec) => spec.required && !chosen.some((c) => c.materialCode === spec.code) && !certificates.some((c) => c.materialCode === spec.code));
      if (missing.length) throw new ProblemError(400, 'materials_missing', '缺少必需的申请材料', { extra: { missing: missing.map((m) => ({ code: m.code, name: m.name })) } });

      try {
        const created = await applications.submit({ accountId, applicantName: owner.ownerName, item, form: req.body.form, materials: chosen, certificates, idempotencyKey: key, requestHash, submittedBy: { actorId: owner.actorId, actorName: owner.actorName, relation: owner.relation }, draftId: req.body.draftId });
        ctx.outbox.notify();
        notifications.notify();
        reply.code(202);
        return { applicationId: created.id, receiptNo: created.receiptNo, status: created.status };
      } catch (err) {
        if (err instanceof MaterialAlreadyUsedError) throw Problems.conflict('material_already_used', '所选材料已用于另一份申报');
        // A concurrent request with the same key won the unique index: answer as the replay would.
        if ((err as { code?: string }).code === 'P2002') {
          const again = await replay();
          if (again) return again;
          throw Problems.conflict('idempotency_conflict', '相同幂等键的请求正在处理，请稍后重试');
        }
        throw err;
      }
    });

    app.get('/v1/applications', { preHandler: applicant, schema: { querystring: Type.Object(PageQuery), response: { 200: PageOf(ApplicationView) } } }, async (req) => {
      const [rows, total] = await applications.listOwned((await acting(req)).ownerId, pageWindow(req.query));
      return { items: rows.map(viewOf), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.get('/v1/applications/:id', {
      preHandler: applicant,
      schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: DetailView, 404: ProblemSchema } },
    }, async (req) => {
      const found = await applications.getOwned((await acting(req)).ownerId, req.params.id);
      if (!found) throw Problems.notFound('application_not_found', '申报不存在');
      const { app: a, evaluation: e } = found;
      return {
        ...viewOf(a),
        timeline: found.timeline.map((t) => ({
          status: t.status, statusText: STATUS_TEXT[t.status] ?? t.status, reason: t.reason, caseNumber: t.caseNumber, certificateId: t.certificateId, at: t.at.toISOString(),
          missingMaterials: (t.missingMaterials as never) ?? null, dueAt: t.dueAt?.toISOString() ?? null,
          // A supplement request carries its note also as the reason: shown once.
          note: t.note && t.note !== t.reason ? t.note : null,
        })),
        missingMaterials: (a.missingMaterials as never) ?? null,
        form: a.form as Record<string, unknown>,
        evaluation: e ? { level: e.level, levelText: EVALUATION_LEVELS[e.level] ?? String(e.level), comment: e.comment, at: e.createdAt.toISOString() } : null,
        can: { supplement: a.status === 'supplement_requested', withdraw: !DECIDED.has(a.status), evaluate: a.status === 'completed' && !e },
      };
    });
  },
  async start(ctx) {
    await followCalendar(ctx, 'declaration');
    const stop = await startConsumers(ctx);
    ctx.onStop(stop);
    ctx.onStop(await startCertificateConsumer(ctx));
  },
};
