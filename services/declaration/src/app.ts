/**
 * Declaration (申报), internet zone: the public API of the portal. Applicants browse the published
 * items (a replica fed by the OUTBOUND lane), upload materials to the internet object store, submit
 * applications with an Idempotency-Key, and follow them on a timeline fed back by the OUTBOUND lane.
 */
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { serveUi, Problems, ProblemError, ProblemSchema, StrictObject, type HttpPlugin } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { extendConfigWithS3, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { sniffContentType, ObjectTooLargeError } from '@hall/storage';
import { canonicalJson, type ItemPublished } from '@hall/contracts';
import { createPrisma, type Db } from './db.js';
import { replicaRepository, materialRepository, applicationRepository, MaterialAlreadyUsedError } from './repository.js';
import { validateForm } from './forms.js';
import { startConsumers } from './consumers.js';
import { createActingResolver } from './acting.js';
import { Vars } from '@hall/config';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DeclarationConfig = extendConfigWithS3({
  UPLOAD_MAX_BYTES: Type.Integer({ minimum: 1024, default: 20 * 1024 * 1024 }),
  /** The zone's identity service, asked whether a handler or agent may act for a party (X-On-Behalf-Of). */
  IDENTITY_URL: Type.Optional(Vars.url()),
});

const STATUS_TEXT: Record<string, string> = {
  submitted: '已提交', received: '已接收（网上受理）', accepted: '已受理', rejected: '不予受理', approved: '审批通过', denied: '不予许可', completed: '已办结', certificate_issued: '证照已签发',
};

const ItemSummary = Type.Object({
  code: Type.String(), version: Type.Integer(), name: Type.String(), department: Type.String(), departmentName: Type.String(), hall: Type.String(), level: Type.String(),
  powerType: Type.String(), promisedDays: Type.Integer(), kind: Type.String(), online: Type.Boolean(), visits: Type.Integer(), bundle: Type.Boolean(),
});
const MaterialView = Type.Object({ materialId: Type.String(), materialCode: Type.String(), fileName: Type.String(), sha256: Type.String(), size: Type.Integer(), contentType: Type.String() });
const SubmitBody = StrictObject({
  itemCode: Type.String({ minLength: 1, maxLength: 64 }),
  form: Type.Record(Type.String(), Type.Unknown()),
  materials: Type.Array(StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), materialId: Type.String({ format: 'uuid' }) }), { maxItems: 50 }),
});
const Receipt = Type.Object({ applicationId: Type.String(), receiptNo: Type.String(), status: Type.String() });
const ApplicationView = Type.Object({
  applicationId: Type.String(), receiptNo: Type.String(), itemCode: Type.String(), itemVersion: Type.Integer(), status: Type.String(), statusText: Type.String(),
  caseNumber: Type.Union([Type.String(), Type.Null()]), certificateId: Type.Union([Type.String(), Type.Null()]), submittedAt: Type.String(),
});
const TimelineView = Type.Object({ status: Type.String(), statusText: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), caseNumber: Type.Union([Type.String(), Type.Null()]), certificateId: Type.Union([Type.String(), Type.Null()]), at: Type.String() });

/** The Idempotency-Key's body fingerprint: equal content, equal hash, whatever the key order. */
const canonicalHash = (v: unknown): string => createHash('sha256').update(canonicalJson(v)).digest('hex');

type AppRow = NonNullable<Awaited<ReturnType<Db['application']['findFirst']>>>;
const viewOf = (a: AppRow) => ({
  applicationId: a.id, receiptNo: a.receiptNo, itemCode: a.itemCode, itemVersion: a.itemVersion, status: a.status, statusText: STATUS_TEXT[a.status] ?? a.status,
  caseNumber: a.caseNumber, certificateId: a.certificateId, submittedAt: a.submittedAt.toISOString(),
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
    const applications = applicationRepository(ctx.prisma);
    const store = ctx.store!;
    const applicant = [app.authenticate, requireRealm('public')];
    const acting = createActingResolver({ identityUrl: ctx.config.IDENTITY_URL });

    // Guides (办事指南) are public: no login needed to read what an item requires.
    // Served from the in-memory replica index (replica-index.ts): search by name, keyword, department (模糊检索).
    app.get('/v1/items', {
      schema: {
        querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 100 })), department: Type.Optional(Type.String({ maxLength: 64 })), hall: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: PageOf(ItemSummary) },
      },
    }, async (req) => {
      const { items, total } = await replica.index.search({ q: req.query.q, department: req.query.department, hall: req.query.hall, ...pageWindow(req.query) });
      return { items, total, page: req.query.page, pageSize: req.query.pageSize };
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
      uploads.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.UPLOAD_MAX_BYTES }, (_req, body, done) => done(null, body));
      uploads.post('/v1/materials', {
        preHandler: applicant,
        bodyLimit: ctx.config.UPLOAD_MAX_BYTES,
        schema: {
          querystring: StrictObject({ itemCode: Type.String({ minLength: 1, maxLength: 64 }), materialCode: Type.String({ minLength: 1, maxLength: 64 }), fileName: Type.String({ minLength: 1, maxLength: 255 }) }),
          response: { 201: MaterialView, 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 415: ProblemSchema },
        },
      }, async (req, reply) => {
        const body = req.body as Buffer;
        if (!Buffer.isBuffer(body) || body.length === 0) throw Problems.badRequest('material_empty', '上传的文件为空');
        const item = await replica.get(req.query.itemCode);
        if (!item) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
        const spec = (item.publication as ItemPublished['payload']).materials.find((m) => m.code === req.query.materialCode);
        if (!spec) throw Problems.badRequest('material_unknown', '该事项不需要此材料', `材料编码 ${req.query.materialCode} 不在本事项的材料清单中`);
        if (body.length > spec.maxSizeBytes) throw new ProblemError(413, 'material_too_large', '文件超过该材料允许的大小', { extra: { maxSizeBytes: spec.maxSizeBytes } });
        const sniffed = await sniffContentType(body.subarray(0, 4100));
        if (!sniffed || !spec.allowedTypes.includes(sniffed.mime)) {
          throw new ProblemError(415, 'material_type_not_allowed', '文件类型不符合要求', { detail: `允许的类型：${spec.allowedTypes.join('、')}`, extra: { detected: sniffed?.mime ?? null } });
        }
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
        headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) }),
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

      const owned = await materials.findOwned(accountId, req.body.materials.map((m) => m.materialId));
      const chosen = req.body.materials.map((m) => {
        const found = owned.find((o) => o.id === m.materialId);
        if (!found || found.itemCode !== item.code || found.materialCode !== m.materialCode) throw Problems.badRequest('material_not_found', '所选材料不存在或不属于本事项', `材料 ${m.materialId}`);
        return found;
      });
      const missing = item.materials.filter((spec) => spec.required && !chosen.some((c) => c.materialCode === spec.code));
      if (missing.length) throw new ProblemError(400, 'materials_missing', '缺少必需的申请材料', { extra: { missing: missing.map((m) => ({ code: m.code, name: m.name })) } });

      try {
        const created = await applications.submit({ accountId, applicantName: owner.ownerName, item, form: req.body.form, materials: chosen, idempotencyKey: key, requestHash, submittedBy: { actorId: owner.actorId, relation: owner.relation } });
        ctx.outbox.notify();
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
      schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Type.Composite([ApplicationView, Type.Object({ timeline: Type.Array(TimelineView) })]), 404: ProblemSchema } },
    }, async (req) => {
      const found = await applications.getOwned((await acting(req)).ownerId, req.params.id);
      if (!found) throw Problems.notFound('application_not_found', '申报不存在');
      return {
        ...viewOf(found.app),
        timeline: found.timeline.map((t) => ({ status: t.status, statusText: STATUS_TEXT[t.status] ?? t.status, reason: t.reason, caseNumber: t.caseNumber, certificateId: t.certificateId, at: t.at.toISOString() })),
      };
    });
  },
  async start(ctx) {
    const stop = await startConsumers(ctx);
    ctx.onStop(stop);
  },
};
