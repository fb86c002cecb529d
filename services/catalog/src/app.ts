/**
 * Item catalog (事项目录), extranet. Owns items and their versions; publishing a version emits
 * `catalog.item.published`, which the OUTBOUND lane carries to the portal's read replica.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { itemRepository, toPublication } from './items.js';
import { BIRTH_REGISTRATION } from './demo-items.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CatalogConfig = extendConfig({});

const ItemView = Type.Object({ code: Type.String(), version: Type.Integer(), status: Type.String(), name: Type.String(), department: Type.String(), publication: Type.Any() });
const ItemParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1 }) });

export const definition: ServiceDefinition<typeof CatalogConfig, Db> = {
  name: 'catalog',
  configSchema: CatalogConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const items = itemRepository(ctx.prisma);
    const staff = [app.authenticate, requireRealm('staff')];
    const view = (i: NonNullable<Awaited<ReturnType<typeof items.get>>>) => ({ code: i.code, version: i.version, status: i.status, name: i.name, department: i.department, publication: toPublication(i) });

    app.get('/v1/items', {
      preHandler: staff,
      schema: { querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')])) }), response: { 200: PageOf(ItemView) } },
    }, async (req) => {
      const [rows, total] = await items.list({ status: req.query.status, ...pageWindow(req.query) });
      return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.get('/v1/items/:code/versions/:version', { preHandler: staff, schema: { params: ItemParams, response: { 200: ItemView, 404: ProblemSchema } } }, async (req) => {
      const item = await items.get(req.params.code, req.params.version);
      if (!item) throw Problems.notFound('item_not_found', '事项不存在');
      return view(item);
    });

    app.post('/v1/items/:code/versions/:version/publish', {
      preHandler: [...staff, requireRole('catalog_admin')],
      schema: { params: ItemParams, response: { 200: Type.Object({ result: Type.String() }), 404: ProblemSchema, 409: ProblemSchema } },
    }, async (req) => {
      const result = await items.publish(req.params.code, req.params.version, req.principal.sub);
      if (result === 'not_found') throw Problems.notFound('item_not_found', '事项不存在');
      if (result === 'retired') throw Problems.conflict('item_retired', '该事项版本已废止，不能再发布');
      ctx.outbox.notify();
      return { result };
    });
  },
  async seed(ctx) {
    const items = itemRepository(ctx.prisma);
    await items.ensureDraft(BIRTH_REGISTRATION, 'seed');
    const result = await items.publish(BIRTH_REGISTRATION.code, BIRTH_REGISTRATION.version, 'seed');
    ctx.outbox.notify();
    ctx.logger.info({ item: BIRTH_REGISTRATION.code, result }, 'demo catalog seeded');
  },
};
