/**
 * 政务公开 (government openness), extranet authoring side. Editors write notices (通知公告),
 * policies and regulations (政策法规) and news (新闻动态); decided cases of items that say so become
 * approval results for public display (结果公示, applicant name masked, see openness-mask.ts).
 * Publishing and withdrawing emit `openness.article.published` / `openness.article.withdrawn` through
 * the outbox; the OUTBOUND lane carries them to the portal's replica (declaration/src/openness.ts).
 * Scheduled publication and withdrawal run on `opennessClock`, which tests move forward.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemError, ProblemSchema, StrictObject, type HttpApp, type HttpPlugin } from '@hall/http';
import { Vars } from '@hall/config';
import { checkImageDimensions, createObjectStore, ensureBucketPatiently, sniffContentType, SNIFF_BYTES, type ObjectStore } from '@hall/storage';
import { requireRealm, requireRole } from '@hall/auth';
import { audit } from '@hall/db';
import { buildMessage, type ApplicationSubmitted, type AttachmentRef, type CaseTransitioned, type OpennessArticlePublished } from '@hall/contracts';
import { consume, enqueue, handleOnce } from '@hall/messaging';
import { createClock, PageQuery, PageOf, pageWindow, type ServiceContext } from '@hall/service';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { maskApplicantName } from './openness-mask.js';

type Tx = Prisma.TransactionClient;
type ArticleRow = NonNullable<Awaited<ReturnType<Db['opennessArticle']['findFirst']>>>;

/**
 * The extranet object store for article attachments (optional: without it articles carry no files).
 * The OUTBOUND lane copies each attached file into the internet zone's store with the same key.
 */
export const OpennessConfig = {
  S3_ENDPOINT: Type.Optional(Vars.url()),
  S3_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_BUCKET: Type.String({ minLength: 3, default: 'hall-materials' }),
  /** How often due scheduled publications and withdrawals are looked for. */
  OPENNESS_SCHEDULE_INTERVAL_MS: Type.Integer({ minimum: 50, default: 5000 }),
};
type OpennessEnv = { S3_ENDPOINT?: string; S3_ACCESS_KEY?: string; S3_SECRET_KEY?: string; S3_BUCKET: string };
/** Types an attachment may have (the OUTBOUND lane accepts these) and its size limit. */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;
type StoredAttachment = { key: string; fileName: string; contentType: string; size: number; sha256: string };

/** The clock of scheduled publication and withdrawal; tests set it (one per process). */
export const opennessClock = createClock();

const CATEGORY = Type.Union([Type.Literal('notice'), Type.Literal('policy'), Type.Literal('news'), Type.Literal('result')]);
const DateTimeStr = Type.String({ format: 'date-time' });
const ArticleInput = StrictObject({
  category: CATEGORY,
  title: Type.String({ minLength: 2, maxLength: 300 }),
  summary: Type.Optional(Type.String({ maxLength: 1000 })),
  body: Type.String({ minLength: 1, maxLength: 200_000 }),
  docNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  departmentName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 })),
});
type ArticleInput = typeof ArticleInput.static;
const ArticleView = Type.Object({
  id: Type.String(), category: Type.String(), title: Type.String(), summary: Type.Union([Type.String(), Type.Null()]), body: Type.String(),
  docNumber: Type.Union([Type.String(), Type.Null()]), departmentName: Type.Union([Type.String(), Type.Null()]), tags: Type.Array(Type.String()),
  result: Type.Any(), attachments: Type.Array(Type.Object({ fileName: Type.String(), contentType: Type.String(), size: Type.Integer() })), status: Type.String(), revision: Type.Integer(),
  publishAt: Type.Union([Type.String(), Type.Null()]), withdrawAt: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String(), Type.Null()]), withdrawnAt: Type.Union([Type.String(), Type.Null()]),
});
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const view = (a: ArticleRow) => ({
  id: a.id, category: a.category, title: a.title, summary: a.summary, body: a.body, docNumber: a.docNumber, departmentName: a.departmentName, tags: a.tags,
  result: a.result ?? null, attachments: attachmentsOf(a).map((f) => ({ fileName: f.fileName, contentType: f.contentType, size: f.size })), status: a.status, revision: a.revision, publishAt: iso(a.publishAt), withdrawAt: iso(a.withdrawAt), publishedAt: iso(a.publishedAt), withdrawnAt: iso(a.withdrawnAt),
});

/** Decisions that are published as results, with their Chinese wording. */
export const RESULT_DECISIONS: Record<string, string> = { approved: '准予许可', denied: '不予许可', rejected: '不予受理' };

function publication(a: ArticleRow, revision: number, at: Date): OpennessArticlePublished['payload'] {
  return {
    articleId: a.id, revision, category: a.category as OpennessArticlePublished['payload']['category'], title: a.title, body: a.body, publishedAt: at.toISOString(),
    ...(a.summary ? { summary: a.summary } : {}), ...(a.docNumber ? { docNumber: a.docNumber } : {}),
    ...(a.department ? { department: a.department } : {}), ...(a.departmentName ? { departmentName: a.departmentName } : {}),
    ...(a.tags.length ? { tags: a.tags } : {}), ...(a.result ? { result: a.result as OpennessArticlePublished['payload']['result'] } : {}),
    ...(attachmentsOf(a).length ? { attachments: attachmentsOf(a) } : {}),
  };
}
const attachmentsOf = (a: ArticleRow): StoredAttachment[] => (Array.isArray(a.attachments) ? (a.attachments as StoredAttachment[]) : []);

/** Publishes (or re-publishes with a new revision) inside the caller's transaction. */
async function publishNow(tx: Tx, a: ArticleRow, at: Date, actor: string, withdrawAt?: Date | null): Promise<ArticleRow> {
  const revision = a.revision + 1;
  const row = await tx.opennessArticle.update({
    where: { id: a.id },
    data: { status: 'published', revision, publishedAt: at, publishAt: null, withdrawnAt: null, updatedAt: at, ...(withdrawAt !== undefined ? { withdrawAt } : {}) },
  });
  // The files travel as envelope attachments: the lane copies them I ← X and checks SHA-256 and type.
  const files: AttachmentRef[] = attachmentsOf(row).map((f) => ({ key: f.key, sha256: f.sha256, size: f.size, contentType: f.contentType }));
  await enqueue(tx, buildMessage('openness.article.published', { zone: 'extranet', correlationId: `article:${a.id}`, payload: publication(row, revision, at), occurredAt: at, attachments: files }));
  await audit(tx, { actor, action: 'openness.publish', target: `article:${a.id}`, detail: { revision, category: a.category } });
  return row;
}

async function withdrawNow(tx: Tx, a: ArticleRow, at: Date, actor: string, reason?: string): Promise<ArticleRow> {
  const row = await tx.opennessArticle.update({ where: { id: a.id }, data: { status: 'withdrawn', withdrawnAt: at, withdrawAt: null, publishAt: null, updatedAt: at } });
  await enqueue(tx, buildMessage('openness.article.withdrawn', {
    zone: 'extranet', correlationId: `article:${a.id}`, occurredAt: at,
    payload: { articleId: a.id, revision: Math.max(1, a.revision), withdrawnAt: at.toISOString(), ...(reason ? { reason } : {}) },
  }));
  await audit(tx, { actor, action: 'openness.withdraw', target: `article:${a.id}`, detail: { revision: a.revision, reason: reason ?? null } });
  return row;
}

/** Locks one article row for a state change. */
async function lock(tx: Tx, id: string): Promise<ArticleRow | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id::text AS id FROM openness_article WHERE id = $1::uuid FOR UPDATE', id);
  return rows[0] ? tx.opennessArticle.findUnique({ where: { id } }) : null;
}

/**
 * Publishes what is due and withdraws what has expired at `now`. Rows are claimed with SKIP LOCKED,
 * so several catalog instances share the work without doing any of it twice.
 */
export async function releaseDue(db: Db, now: Date): Promise<{ published: number; withdrawn: number }> {
  return db.$transaction(async (tx) => {
    const due = await tx.$queryRawUnsafe<{ id: string; kind: string }[]>(
      `SELECT id::text AS id, CASE WHEN status = 'scheduled' THEN 'publish' ELSE 'withdraw' END AS kind FROM openness_article
        WHERE (status = 'scheduled' AND publish_at <= $1) OR (status = 'published' AND withdraw_at <= $1)
        ORDER BY coalesce(publish_at, withdraw_at) LIMIT 100 FOR UPDATE SKIP LOCKED`, now);
    let published = 0, withdrawn = 0;
    for (const d of due) {
      const a = await tx.opennessArticle.findUniqueOrThrow({ where: { id: d.id } });
      if (d.kind === 'publish') { await publishNow(tx, a, now, 'scheduler'); published++; }
      else { await withdrawNow(tx, a, now, 'scheduler', '公示期满'); withdrawn++; }
    }
    return { published, withdrawn };
  });
}

export async function registerOpenness(app: HttpApp, ctx: ServiceContext<OpennessEnv, Db>): Promise<void> {
  const db = ctx.prisma;
  const cfg = ctx.config;
  let store: ObjectStore | null = null;
  if (cfg.S3_ENDPOINT && cfg.S3_ACCESS_KEY && cfg.S3_SECRET_KEY) {
    store = createObjectStore({ endpoint: cfg.S3_ENDPOINT, accessKey: cfg.S3_ACCESS_KEY, secretKey: cfg.S3_SECRET_KEY, bucket: cfg.S3_BUCKET, logger: ctx.logger });
    await ensureBucketPatiently(store, { logger: ctx.logger });
    ctx.addReadiness('objectStore', () => store!.ping());
  }
  const staff = [app.authenticate, requireRealm('staff')];
  const editor = [...staff, requireRole('openness_editor')];
  const notFound = () => Problems.notFound('article_not_found', '公开信息不存在');

  app.get('/v1/openness/articles', {
    preHandler: staff,
    schema: { querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String({ maxLength: 16 })), category: Type.Optional(CATEGORY) }), response: { 200: PageOf(ArticleView) } },
  }, async (req) => {
    const where = { ...(req.query.status ? { status: req.query.status } : {}), ...(req.query.category ? { category: req.query.category } : {}) };
    const [rows, total] = await db.$transaction([db.opennessArticle.findMany({ where, orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], ...pageWindow(req.query) }), db.opennessArticle.count({ where })]);
    return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  app.get('/v1/openness/articles/:id', { preHandler: staff, schema: { params: IdParams, response: { 200: ArticleView, 404: ProblemSchema } } }, async (req) => {
    const a = await db.opennessArticle.findUnique({ where: { id: req.params.id } });
    if (!a) throw notFound();
    return view(a);
  });

  app.post('/v1/openness/articles', { preHandler: editor, schema: { body: ArticleInput, response: { 201: ArticleView, 422: ProblemSchema } } }, async (req, reply) => {
    if (req.body.category === 'result') throw Problems.unprocessable('result_is_generated', '结果公示由办件结果自动生成，不能手工新建');
    const b: ArticleInput = req.body;
    const a = await db.$transaction(async (tx) => {
      const row = await tx.opennessArticle.create({ data: { id: randomUUID(), category: b.category, title: b.title, summary: b.summary ?? null, body: b.body, docNumber: b.docNumber ?? null, department: b.department ?? null, departmentName: b.departmentName ?? null, tags: b.tags ?? [], createdBy: req.principal.sub } });
      await audit(tx, { actor: req.principal.sub, action: 'openness.create', target: `article:${row.id}`, detail: { category: b.category, title: b.title } });
      return row;
    });
    reply.code(201);
    return view(a);
  });

  // Edits a draft or scheduled article; a published one is re-published with the next revision.
  app.put('/v1/openness/articles/:id', { preHandler: editor, schema: { params: IdParams, body: ArticleInput, response: { 200: ArticleView, 404: ProblemSchema, 409: ProblemSchema } } }, async (req) => {
    const b: ArticleInput = req.body;
    const a = await db.$transaction(async (tx) => {
      const cur = await lock(tx, req.params.id);
      if (!cur) throw notFound();
      if (cur.status === 'withdrawn') throw Problems.conflict('article_withdrawn', '已撤回的公开信息不能修改，请重新发布');
      if (cur.category === 'result' || b.category === 'result') throw Problems.conflict('result_is_generated', '结果公示由办件结果自动生成，不能修改');
      const now = opennessClock.now();
      const row = await tx.opennessArticle.update({ where: { id: cur.id }, data: { category: b.category, title: b.title, summary: b.summary ?? null, body: b.body, docNumber: b.docNumber ?? null, department: b.department ?? null, departmentName: b.departmentName ?? null, tags: b.tags ?? [], updatedAt: now } });
      await audit(tx, { actor: req.principal.sub, action: 'openness.update', target: `article:${cur.id}`, detail: { title: b.title } });
      return cur.status === 'published' ? publishNow(tx, row, now, req.principal.sub) : row;
    });
    ctx.outbox.notify();
    return view(a);
  });

  // Publishes now, or at `publishAt` (定时发布); `withdrawAt` withdraws it on its own later (公示期).
  app.post('/v1/openness/articles/:id/publish', {
    preHandler: editor,
    schema: { params: IdParams, body: StrictObject({ publishAt: Type.Optional(DateTimeStr), withdrawAt: Type.Optional(DateTimeStr) }), response: { 200: ArticleView, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema } },
  }, async (req) => {
    const now = opennessClock.now();
    const publishAt = req.body.publishAt ? new Date(req.body.publishAt) : null;
    const withdrawAt = req.body.withdrawAt ? new Date(req.body.withdrawAt) : null;
    if (withdrawAt && withdrawAt <= (publishAt && publishAt > now ? publishAt : now)) throw Problems.unprocessable('withdraw_before_publish', '撤回时间必须晚于发布时间');
    const a = await db.$transaction(async (tx) => {
      const cur = await lock(tx, req.params.id);
      if (!cur) throw notFound();
      if (cur.status === 'published') throw Problems.conflict('article_published', '该信息已发布');
      if (publishAt && publishAt > now) {
        const row = await tx.opennessArticle.update({ where: { id: cur.id }, data: { status: 'scheduled', publishAt, withdrawAt, withdrawnAt: null, updatedAt: now } });
        await audit(tx, { actor: req.principal.sub, action: 'openness.schedule', target: `article:${cur.id}`, detail: { publishAt: publishAt.toISOString(), withdrawAt: iso(withdrawAt) } });
        return row;
      }
      return publishNow(tx, cur, now, req.principal.sub, withdrawAt);
    });
    ctx.outbox.notify();
    return view(a);
  });

  app.post('/v1/openness/articles/:id/withdraw', {
    preHandler: editor,
    schema: { params: IdParams, body: StrictObject({ reason: Type.String({ minLength: 2, maxLength: 1000 }) }), response: { 200: ArticleView, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req) => {
    const a = await db.$transaction(async (tx) => {
      const cur = await lock(tx, req.params.id);
      if (!cur) throw notFound();
      if (cur.status === 'scheduled' || cur.status === 'draft') {
        // Never shown on the portal: back to draft, nothing to tell the replica.
        const row = await tx.opennessArticle.update({ where: { id: cur.id }, data: { status: 'draft', publishAt: null, withdrawAt: null, updatedAt: opennessClock.now() } });
        await audit(tx, { actor: req.principal.sub, action: 'openness.unschedule', target: `article:${cur.id}`, detail: { reason: req.body.reason } });
        return row;
      }
      if (cur.status === 'withdrawn') throw Problems.conflict('article_withdrawn', '该信息已撤回');
      return withdrawNow(tx, cur, opennessClock.now(), req.principal.sub, req.body.reason);
    });
    ctx.outbox.notify();
    return view(a);
  });

  // An attachment (附件) as the raw file body; its type is sniffed from the bytes, never taken from the client.
  const uploads: HttpPlugin = async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ATTACHMENT_MAX_BYTES }, (_req, body, done) => done(null, body));
    scope.post('/v1/openness/articles/:id/attachments', {
      preHandler: editor,
      bodyLimit: ATTACHMENT_MAX_BYTES,
      schema: { params: IdParams, querystring: StrictObject({ fileName: Type.String({ minLength: 1, maxLength: 255 }) }), response: { 201: ArticleView, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 415: ProblemSchema, 503: ProblemSchema } },
    }, async (req, reply) => {
      if (!store) throw Problems.unavailable('attachments_unavailable', '附件存储未配置，暂不能上传附件');
      const body = req.body as Buffer;
      if (!Buffer.isBuffer(body) || body.length === 0) throw Problems.badRequest('attachment_empty', '上传的附件为空');
      const sniffed = await sniffContentType(body.subarray(0, SNIFF_BYTES));
      if (!sniffed || !ATTACHMENT_TYPES.includes(sniffed.mime)) throw new ProblemError(415, 'attachment_type_not_allowed', '附件类型不符合要求', { detail: '允许的类型：PDF、PNG、JPEG' });
      checkImageDimensions(body, sniffed.mime);
      const existing = await db.opennessArticle.findUnique({ where: { id: req.params.id } });
      if (!existing) throw notFound();
      if (existing.status === 'withdrawn' || existing.category === 'result') throw Problems.conflict('article_not_editable', '已撤回的信息和结果公示不能添加附件');
      if (attachmentsOf(existing).length >= 20) throw Problems.conflict('too_many_attachments', '每条信息最多 20 个附件');
      const key = `openness/${existing.id}/${randomUUID()}`;
      const { sha256, size } = await store.put(key, body, { contentType: sniffed.mime, maxBytes: ATTACHMENT_MAX_BYTES });
      const a = await db.$transaction(async (tx) => {
        const cur = await lock(tx, req.params.id);
        if (!cur || cur.status === 'withdrawn') throw Problems.conflict('article_not_editable', '已撤回的信息不能添加附件');
        const row = await tx.opennessArticle.update({ where: { id: cur.id }, data: { attachments: [...attachmentsOf(cur), { key, fileName: req.query.fileName, contentType: sniffed.mime, size, sha256 }] as object, updatedAt: opennessClock.now() } });
        await audit(tx, { actor: req.principal.sub, action: 'openness.attach', target: `article:${cur.id}`, detail: { fileName: req.query.fileName, sha256, size } });
        return cur.status === 'published' ? publishNow(tx, row, opennessClock.now(), req.principal.sub) : row;
      });
      ctx.outbox.notify();
      reply.code(201);
      return view(a);
    });
  };
  await app.register(uploads);

  // Which items publish their decided cases as 结果公示, and for how many days.
  const ResultItem = Type.Object({ itemCode: Type.String(), keepDays: Type.Union([Type.Integer(), Type.Null()]) });
  app.get('/v1/openness/result-items', { preHandler: staff, schema: { response: { 200: Type.Array(ResultItem) } } }, async () =>
    (await db.opennessResultItem.findMany({ orderBy: { itemCode: 'asc' } })).map((r) => ({ itemCode: r.itemCode, keepDays: r.keepDays })));
  app.put('/v1/openness/result-items/:code', {
    preHandler: editor,
    schema: { params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }), body: StrictObject({ enabled: Type.Boolean(), keepDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }), response: { 200: Type.Object({ itemCode: Type.String(), enabled: Type.Boolean() }), 404: ProblemSchema } },
  }, async (req) => {
    const code = req.params.code;
    if (!(await db.item.findFirst({ where: { code } }))) throw Problems.notFound('item_not_found', '事项不存在');
    await db.$transaction(async (tx) => {
      if (req.body.enabled) await tx.opennessResultItem.upsert({ where: { itemCode: code }, create: { itemCode: code, keepDays: req.body.keepDays ?? null, updatedBy: req.principal.sub }, update: { keepDays: req.body.keepDays ?? null, updatedBy: req.principal.sub, updatedAt: new Date() } });
      else await tx.opennessResultItem.deleteMany({ where: { itemCode: code } });
      await audit(tx, { actor: req.principal.sub, action: 'openness.result_item', target: `item:${code}`, detail: { enabled: req.body.enabled, keepDays: req.body.keepDays ?? null } });
    });
    return { itemCode: code, enabled: req.body.enabled };
  });
}

/** After this many deliveries a result whose applicant never arrived is published as `***`. */
const APPLICANT_WAIT_DELIVERIES = 5;

/** Builds 结果公示 from case events, and runs scheduled publication and withdrawal (every OPENNESS_SCHEDULE_INTERVAL_MS). */
export async function startOpenness(ctx: ServiceContext<{ OPENNESS_SCHEDULE_INTERVAL_MS: number }, Db>): Promise<void> {
  const db = ctx.prisma;
  const applicants = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'catalog-openness-applicants', filterSubjects: ['hall.in.application.submitted'], logger: ctx.logger,
    handler: async (m) => {
      const p = (m as ApplicationSubmitted).payload;
      await handleOnce(db, 'catalog-openness-applicants', m.id, async (tx) => {
        if (!(await tx.opennessResultItem.findUnique({ where: { itemCode: p.itemCode } }))) return; // keep no names we will not publish
        await tx.opennessApplicant.upsert({ where: { applicationId: p.applicationId }, create: { applicationId: p.applicationId, itemCode: p.itemCode, name: p.applicant.name, kind: p.applicant.kind }, update: {} });
      });
    },
  });
  const results = await consume({
    nc: ctx.nc, stream: 'X', durable: 'catalog-openness-results', filterSubjects: ['hall.x.case.transitioned'], logger: ctx.logger,
    handler: async (m, meta) => {
      const p = (m as CaseTransitioned).payload;
      const decision = RESULT_DECISIONS[p.to];
      if (!decision) return;
      await handleOnce(db, 'catalog-openness-results', m.id, async (tx) => {
        const rule = await tx.opennessResultItem.findUnique({ where: { itemCode: p.itemCode } });
        if (!rule) return;
        const who = await tx.opennessApplicant.findUnique({ where: { applicationId: p.applicationId } });
        if (!who && meta.redeliveryCount < APPLICANT_WAIT_DELIVERIES) throw new Error(`applicant of ${p.applicationId} not known yet`);
        const item = await tx.item.findFirst({ where: { code: p.itemCode }, orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { version: 'desc' }] });
        const at = opennessClock.now();
        const masked = who ? maskApplicantName(who.name, who.kind === 'company' ? 'company' : 'person') : '***';
        const itemName = item?.name ?? p.itemCode;
        const created = await tx.opennessArticle.upsert({
          where: { sourceKey: `${p.caseId}:${p.to}` },
          create: {
            id: randomUUID(), category: 'result', title: `${itemName}审批结果公示（${p.caseNumber}）`, body: `${masked}申请的${itemName}（办件编号 ${p.caseNumber}），${decision}。`,
            department: p.department, departmentName: item?.departmentName ?? null, sourceKey: `${p.caseId}:${p.to}`, createdBy: 'system',
            result: { caseNumber: p.caseNumber, itemCode: p.itemCode, itemName, applicantMasked: masked, decision, decidedAt: p.at },
          },
          update: {},
        });
        if (created.status === 'draft') await publishNow(tx, created, at, 'system', rule.keepDays ? new Date(at.getTime() + rule.keepDays * 86_400_000) : null);
      });
      ctx.outbox.notify();
    },
  });
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await releaseDue(db, opennessClock.now());
      if (r.published || r.withdrawn) { ctx.outbox.notify(); ctx.logger.info(r, 'scheduled openness changes released'); }
    } catch (err) {
      ctx.logger.error({ err }, 'openness schedule failed; retrying');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), ctx.config.OPENNESS_SCHEDULE_INTERVAL_MS);
  timer.unref();
  ctx.onStop(async () => { clearInterval(timer); await Promise.all([applicants.stop(), results.stop()]); });
}

/** Demo articles (SEED_DEMO): one of each authored category, published once; idempotent. */
export const DEMO_ARTICLES = [
  { id: 'a1f0c2d4-0001-4c1e-9a00-000000000001', category: 'notice', title: '关于2027年元旦期间网上办事大厅服务安排的通知', summary: '元旦期间网上申报照常受理，窗口服务暂停。',
    body: '各位办事群众：\n2027年1月1日至1月3日元旦放假期间，网上办事大厅网上申报、查询、缴费服务照常运行；政务服务中心窗口暂停服务，1月4日起恢复正常。\n涡阳县政务服务管理局', departmentName: '涡阳县政务服务管理局', tags: ['服务安排'] },
  { id: 'a1f0c2d4-0001-4c1e-9a00-000000000002', category: 'policy', title: '涡阳县政务服务事项收费目录清单（2026年版）', docNumber: '涡政服〔2026〕12号', summary: '列明依法保留的行政事业性收费项目、标准及减免政策。',
    body: '依法保留的收费项目在网上办事大厅“网上缴费”统一收取，收费标准见各事项办事指南。最低生活保障对象、特困供养人员、持证残疾人依政策免缴工本费。', departmentName: '涡阳县政务服务管理局', tags: ['收费', '减免'] },
  { id: 'a1f0c2d4-0001-4c1e-9a00-000000000003', category: 'news', title: '我县网上办事大厅上线网上缴费和在线投诉功能', summary: '群众可在网上直接缴纳工本费并在线投诉。',
    body: '近日，涡阳县网上办事大厅上线网上缴费、电子票据和行政投诉网上受理功能，办事群众足不出户即可缴费，投诉在10个工作日内答复。', departmentName: '涡阳县政务服务管理局', tags: ['网上缴费', '投诉'] },
] as const;

/** A one-page PDF for the demo policy's attachment (no text: it only has to be a real PDF for the lane's type check). */
const DEMO_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

export async function seedOpenness(ctx: ServiceContext<OpennessEnv, Db>): Promise<number> {
  let published = 0;
  const cfg = ctx.config;
  const store = cfg.S3_ENDPOINT && cfg.S3_ACCESS_KEY && cfg.S3_SECRET_KEY
    ? createObjectStore({ endpoint: cfg.S3_ENDPOINT, accessKey: cfg.S3_ACCESS_KEY, secretKey: cfg.S3_SECRET_KEY, bucket: cfg.S3_BUCKET, logger: ctx.logger }) : null;
  for (const a of DEMO_ARTICLES) {
    // The policy carries its list as a PDF attachment, so the demo shows files crossing the OUTBOUND lane.
    let attachments: StoredAttachment[] = [];
    if (store && a.category === 'policy' && !(await ctx.prisma.opennessArticle.findUnique({ where: { id: a.id } }))) {
      const key = `openness/${a.id}/demo-list.pdf`;
      const { sha256, size } = await store.put(key, DEMO_PDF, { contentType: 'application/pdf', maxBytes: ATTACHMENT_MAX_BYTES });
      attachments = [{ key, fileName: '收费目录清单.pdf', contentType: 'application/pdf', size, sha256 }];
    }
    await ctx.prisma.$transaction(async (tx) => {
      if (await tx.opennessArticle.findUnique({ where: { id: a.id } })) return;
      const row = await tx.opennessArticle.create({ data: { id: a.id, category: a.category, title: a.title, summary: a.summary, body: a.body, docNumber: 'docNumber' in a ? a.docNumber : null, departmentName: a.departmentName, tags: [...a.tags], attachments: attachments as object, createdBy: 'seed' } });
      await publishNow(tx, row, new Date(), 'seed');
      published++;
    });
  }
  ctx.outbox.notify();
  return published;
}
