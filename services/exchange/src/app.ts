/**
 * Data exchange (数据交换), extranet: the API other departments' systems call. The foundation
 * provides the process (own database, NATS user, health/readiness) and the call audit table;
 * endpoints, client credentials, scopes and rate limits come with the data-exchange issue.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { requireRealm } from '@hall/auth';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ExchangeConfig = extendConfig({});

export const definition: ServiceDefinition<typeof ExchangeConfig, Db> = {
  name: 'exchange',
  configSchema: ExchangeConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const CallView = Type.Object({ clientId: Type.String(), endpoint: Type.String(), purpose: Type.Union([Type.String(), Type.Null()]), resultIds: Type.Array(Type.String()), status: Type.Integer(), at: Type.String() });
    app.get('/v1/audit/calls', { preHandler: [app.authenticate, requireRealm('staff')], schema: { querystring: Type.Object(PageQuery), response: { 200: PageOf(CallView) } } }, async (req) => {
      const { skip, take } = pageWindow(req.query);
      const [rows, total] = await ctx.prisma.$transaction([ctx.prisma.apiCall.findMany({ orderBy: { id: 'desc' }, skip, take }), ctx.prisma.apiCall.count()]);
      return { items: rows.map((r) => ({ clientId: r.clientId, endpoint: r.endpoint, purpose: r.purpose, resultIds: r.resultIds, status: r.status, at: r.at.toISOString() })), total, page: req.query.page, pageSize: req.query.pageSize };
    });
  },
};
