/**
 * Item catalog (事项目录), extranet. Owns items and their versions (draft → published → retired),
 * their guides, forms, workflows and flowcharts, bundles (一件事一次办) and the admin side of the
 * working-day calendar. Publishing or retiring a version emits `catalog.item.published`, which the
 * OUTBOUND lane carries to the portal's read replica.
 */
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { IsoDate, Problems, ProblemError, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { validateYear } from '@hall/calendar';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { itemRepository, toPublication, type ItemRow, type SaveResult } from './items.js';
import { ItemInput, validateItemInput, type InputError } from './item-input.js';
import { BundleInput, composeBundle } from './bundles.js';
import { calendarRepository } from './calendar-store.js';
import { DEMO_CATALOG, DEMO_BUNDLE, demoIssuers, demoTypeIssuers } from './demo-catalog.js';
import { OpennessConfig, registerOpenness, seedOpenness, startOpenness } from './openness.js';
import { certificateTypeRepository, registerCertificateTypes, certificateIssuanceRefusal, DEMO_CERTIFICATE_TYPES } from './certificate-types.js';
import { issuerRepository, registerIssuers } from './issuers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CatalogConfig = extendConfig({ ...OpennessConfig });

const Status = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')]);
const ItemView = Type.Object({
  code: Type.String(), version: Type.Integer(), status: Type.String(), name: Type.String(), department: Type.String(), departmentName: Type.String(),
  hall: Type.String(), level: Type.String(), powerType: Type.String(), publication: Type.Any(),
});
const ItemParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1 }) });
const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });
const Saved = Type.Object({ code: Type.String(), version: Type.Integer(), status: Type.String() });
const YearParams = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) });
const YearBody = StrictObject({
  holidays: Type.Array(StrictObject({ name: Type.String({ minLength: 1, maxLength: 32 }), from: IsoDate(), to: IsoDate() }), { maxItems: 40 }),
  workdays: Type.Array(StrictObject({ name: Type.String({ minLength: 1, maxLength: 32 }), date: IsoDate() }), { maxItems: 40 }),
});

/** 422 with every problem of an item; a broken workflow gets its own code so clients can point at the flowchart editor. */
function invalid(errors: InputError[]): ProblemError {
  const workflowOnly = errors.every((e) => e.field.startsWith('workflow'));
  return workflowOnly
    ? new ProblemError(422, 'workflow_invalid', '办理流程定义有误', { detail: errors.map((e) => e.message).join('；'), extra: { errors } })
    : new ProblemError(422, 'item_invalid', '事项信息有误', { detail: errors.map((e) => e.message).join('；'), extra: { errors } });
}

/** The stored row as input again, to re-check a draft before it is published. */
const inputOf = (i: ItemRow): ItemInput => ({
  code: i.code, name: i.name, powerType: i.powerType as ItemInput['powerType'], department: i.department, departmentName: i.departmentName, hall: i.hall,
  level: i.level as ItemInput['level'], promisedDays: i.promisedDays, statutoryDays: i.statutoryDays, kind: i.kind as ItemInput['kind'], online: i.online, visits: i.visits,
  guide: i.guide as Record<string, string>, formSchema: i.formSchema as Record<string, unknown>, materials: i.materials as ItemInput['materials'], workflow: i.workflow as ItemInput['workflow'],
});

function savedOrThrow(r: SaveResult, code: string): { code: string; version: number; status: string } {
  switch (r.result) {
    case 'created': case 'updated': return { code, version: r.version, status: 'draft' };
    case 'exists': throw Problems.conflict('item_exists', '事项编码已存在', `事项 ${code} 已存在，请新建版本`);
    case 'not_found': throw Problems.notFound('item_not_found', '事项不存在');
    case 'immutable': throw Problems.conflict('item_immutable', '已发布或已废止的版本不能修改', `请为事项 ${code} 新建版本后再修改`);
    case 'draft_exists': throw Problems.conflict('draft_exists', '该事项已有未发布的草稿版本', `草稿版本 ${r.version}`);
  }
}

/** The demo certificate types and issuer records (never over an admin's edit); how many were new. */
export async function seedCertificateDefinitions(db: Db): Promise<{ types: number; issuers: number }> {
  const types = certificateTypeRepository(db);
  const typeIssuers = demoTypeIssuers();
  let typesSeeded = 0;
  for (const [code, d] of Object.entries(DEMO_CERTIFICATE_TYPES)) if (await types.save(code, { ...d, issuers: typeIssuers[code] ?? [] }, 'seed', true)) typesSeeded++;
  const issuers = issuerRepository(db);
  let issuersSeeded = 0;
  for (const { department, ...d } of demoIssuers()) if (await issuers.save(department, d, 'seed', true)) issuersSeeded++;
  return { types: typesSeeded, issuers: issuersSeeded };
}

export const definition: ServiceDefinition<typeof CatalogConfig, Db> = {
  name: 'catalog',
  configSchema: CatalogConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const items = itemRepository(ctx.prisma);
    const calendars = calendarRepository(ctx.prisma);
    const staff = [app.authenticate, requireRealm('staff')];
    const admin = [...staff, requireRole('catalog_admin')];
    const view = (i: ItemRow) => ({ code: i.code, version: i.version, status: i.status, name: i.name, department: i.department, departmentName: i.departmentName, hall: i.hall, level: i.level, powerType: i.powerType, publication: toPublication(i) });
    const check = (d: ItemInput) => { const errors = validateItemInput(d); if (errors.length) throw invalid(errors); };

    // Other departments' systems (API clients with catalog:read, through exchange) read the published catalog only.
    const staffOrCatalogClient = [app.authenticate, async (req: FastifyRequest) => {
      const p = req.principal;
      if (p.realm === 'staff') return;
      if (p.realm !== 'client' || !(p.scopes ?? []).includes('catalog:read')) throw Problems.forbidden('forbidden', '无权执行此操作');
      const q = req.query as { status?: string };
      if (q.status && q.status !== 'published') throw Problems.forbidden('forbidden', '数据交换客户端只能读取已发布的事项');
      q.status = 'published';
    }];
    app.get('/v1/items', {
      preHandler: staffOrCatalogClient,
      schema: {
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(Status), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), department: Type.Optional(Type.String({ maxLength: 64 })), hall: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: PageOf(ItemView) },
      },
    }, async (req) => {
      const { status, q, department, hall } = req.query;
      const [rows, total] = await items.list({ status, q, department, hall, ...pageWindow(req.query) });
      return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.post('/v1/items', { preHandler: admin, schema: { body: ItemInput, response: { 201: Saved, 409: ProblemSchema, 422: ProblemSchema } } }, async (req, reply) => {
      check(req.body);
      const saved = savedOrThrow(await items.create(req.body, req.principal.sub), req.body.code);
      reply.code(201);
      return saved;
    });

    app.get('/v1/items/:code/versions/:version', { preHandler: staff, schema: { params: ItemParams, response: { 200: ItemView, 404: ProblemSchema } } }, async (req) => {
      const item = await items.get(req.params.code, req.params.version);
      if (!item) throw Problems.notFound('item_not_found', '事项不存在');
      return view(item);
    });

    app.put('/v1/items/:code/versions/:version', { preHandler: admin, schema: { params: ItemParams, body: ItemInput, response: { 200: Saved, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema } } }, async (req) => {
      if (req.body.code !== req.params.code) throw Problems.badRequest('code_mismatch', '事项编码与地址不一致');
      check(req.body);
      return savedOrThrow(await items.updateDraft(req.params.code, req.params.version, req.body, req.principal.sub), req.params.code);
    });

    // A new draft version: the given content, or a copy of the latest version to edit.
    app.post('/v1/items/:code/versions', { preHandler: admin, schema: { params: CodeParams, body: StrictObject({ item: Type.Optional(ItemInput) }), response: { 201: Saved, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema } } }, async (req, reply) => {
      const d = req.body.item ?? null;
      if (d && d.code !== req.params.code) throw Problems.badRequest('code_mismatch', '事项编码与地址不一致');
      if (d) check(d);
      const saved = savedOrThrow(await items.newVersion(req.params.code, d, req.principal.sub), req.params.code);
      reply.code(201);
      return saved;
    });

    app.post('/v1/items/:code/versions/:version/publish', {
      preHandler: admin,
      schema: { params: ItemParams, response: { 200: Type.Object({ result: Type.String() }), 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema } },
    }, async (req) => {
      const draft = await items.get(req.params.code, req.params.version);
      if (draft?.status === 'draft') {
        const errors = validateItemInput(inputOf(draft));
        if (errors.length) throw invalid(errors);
        const refusal = await certificateIssuanceRefusal(ctx.prisma, draft);
        if (refusal) throw new ProblemError(422, refusal.code, refusal.title, { detail: refusal.detail });
      }
      const result = await items.publish(req.params.code, req.params.version, req.principal.sub);
      if (result === 'not_found') throw Problems.notFound('item_not_found', '事项不存在');
      if (result === 'retired') throw Problems.conflict('item_retired', '该事项版本已废止，不能再发布');
      ctx.outbox.notify();
      return { result };
    });

    app.post('/v1/items/:code/versions/:version/retire', {
      preHandler: admin,
      schema: { params: ItemParams, response: { 200: Type.Object({ result: Type.String() }), 404: ProblemSchema, 409: ProblemSchema } },
    }, async (req) => {
      const result = await items.retire(req.params.code, req.params.version, req.principal.sub);
      if (result === 'not_found') throw Problems.notFound('item_not_found', '事项不存在');
      if (result === 'draft') throw Problems.conflict('item_not_published', '草稿版本尚未发布，无需废止');
      ctx.outbox.notify();
      return { result };
    });

    app.get('/v1/items/:code/versions/:version/flowchart.svg', { preHandler: staff, schema: { params: ItemParams, response: { 200: Type.String(), 404: ProblemSchema } } }, async (req, reply) => {
      const item = await items.get(req.params.code, req.params.version);
      const svg = item && toPublication(item).flowchartSvg;
      if (!svg) throw Problems.notFound('flowchart_not_found', '该事项没有办理流程图');
      reply.type('image/svg+xml; charset=utf-8');
      return svg;
    });

    app.post('/v1/bundles', { preHandler: admin, schema: { body: BundleInput, response: { 201: Saved, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema } } }, async (req, reply) => {
      const members = [];
      for (const code of req.body.items) {
        const m = await items.published(code);
        if (!m) throw Problems.notFound('bundle_item_not_published', '一件事中的事项不存在或尚未发布', `事项 ${code}`);
        if (m.bundle) throw Problems.unprocessable('bundle_nested', '一件事不能包含另一个一件事', `事项 ${code}`);
        members.push(m);
      }
      const composed = composeBundle(req.body, members);
      check(composed);
      const saved = savedOrThrow(await items.create(composed, req.principal.sub), req.body.code);
      reply.code(201);
      return saved;
    });

    // Working-day calendar (工作日历): bundled State Council data, overridable per year by admins.
    app.get('/v1/calendar/:year', { preHandler: staff, schema: { params: YearParams, response: { 200: Type.Any(), 404: ProblemSchema } } }, async (req) => {
      const y = await calendars.year(req.params.year);
      if (!y) throw Problems.notFound('calendar_year_not_found', '该年度工作日历尚未设置');
      return y;
    });
    app.put('/v1/calendar/:year', { preHandler: admin, schema: { params: YearParams, body: YearBody, response: { 200: Type.Any(), 422: ProblemSchema } } }, async (req) => {
      const y = { year: req.params.year, ...req.body };
      const errors = validateYear(y);
      if (errors.length) throw new ProblemError(422, 'calendar_invalid', '工作日历有误', { detail: errors.join('；'), extra: { errors: errors.map((message) => ({ field: 'calendar', message })) } });
      await calendars.save(y, req.principal.sub);
      ctx.outbox.notify();
      return { ...y, source: 'override' };
    });
    app.get('/v1/calendar/deadline', {
      preHandler: staff,
      schema: { querystring: Type.Object({ from: IsoDate(), days: Type.Integer({ minimum: 0, maximum: 365 }) }), response: { 200: Type.Object({ from: Type.String(), days: Type.Integer(), deadline: Type.String() }) } },
    }, async (req) => {
      const cal = await calendars.calendar();
      return { from: req.query.from, days: req.query.days, deadline: cal.addWorkingDays(req.query.from, req.query.days) };
    });
    // 证照类型 (issue 8): definitions published to the certificate service.
    registerCertificateTypes(app, ctx);
    // 发证机关 (issue 19): issuer records published to the certificate service.
    registerIssuers(app, ctx);
    // 政务公开 (issue 13): articles, 结果公示 settings.
    await registerOpenness(app, ctx);
  },
  async start(ctx) {
    await startOpenness(ctx);
    const calendars = calendarRepository(ctx.prisma);
    const reannounce = async () => {
      try { if (await calendars.announceAll()) ctx.outbox.notify(); } catch (err) { ctx.logger.error({ err }, 'calendar re-announcement failed; retried tomorrow'); }
    };
    await reannounce();
    try { if (await certificateTypeRepository(ctx.prisma).announceAll()) ctx.outbox.notify(); } catch (err) { ctx.logger.error({ err }, 'certificate type re-announcement failed'); }
    try { if (await issuerRepository(ctx.prisma).announceAll()) ctx.outbox.notify(); } catch (err) { ctx.logger.error({ err }, 'issuer re-announcement failed'); }
    const daily = setInterval(() => void reannounce(), 24 * 3600 * 1000);
    daily.unref();
    ctx.onStop(() => clearInterval(daily));
  },
  async seed(ctx) {
    const items = itemRepository(ctx.prisma);
    let published = 0;
    for (const d of DEMO_CATALOG) {
      await items.ensureDraft(d, 'seed');
      if ((await items.publish(d.code, 1, 'seed')) === 'published') published++;
    }
    const members = await Promise.all(DEMO_BUNDLE.items.map((c) => items.published(c)));
    if (members.every((m) => m !== null)) {
      await items.ensureDraft(composeBundle(DEMO_BUNDLE, members), 'seed');
      if ((await items.publish(DEMO_BUNDLE.code, 1, 'seed')) === 'published') published++;
    }
    const { types: typesSeeded, issuers: issuersSeeded } = await seedCertificateDefinitions(ctx.prisma);
    ctx.outbox.notify();
    ctx.logger.info({ items: DEMO_CATALOG.length, published, certificateTypes: typesSeeded, issuers: issuersSeeded }, 'demo catalog seeded');
    ctx.logger.info({ articles: await seedOpenness(ctx) }, 'demo 政务公开 articles seeded');
  },
};
