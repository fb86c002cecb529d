/**
 * Data exchange (数据交换), extranet: the API other departments' systems call with client
 * credentials from identity (realm 'client', scopes). Certificate verification and lookup, case
 * status, the published catalog (through the owning services, each behind a circuit breaker) and
 * the base registries 人口库/法人库 (owned here, loaded from files by `import-registry`). Every
 * call is rate limited per client and audited; supervisors query the audit. The OpenAPI document
 * is generated from the route schemas and served with a browsable UI under /v1/docs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ProblemSchema, StrictObject, Type } from '@hall/http';
import { exchangeAudience, requireRealm, requireRole } from '@hall/auth';
import { Vars } from '@hall/config';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { auditRepository } from './audit.js';
import { createUpstream } from './upstream.js';
import { createServiceToken } from './service-token.js';
import { clientApi } from './routes/client-api.js';
import { certificateKeys } from './routes/certificate-keys.js';
import { DOWNSTREAM_SCOPES, SCOPES } from './scopes.js';
import { importRegistry } from './registries/import.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const ExchangeConfig = extendConfig({
  /** Base URLs of the services exchange reads from (extranet). */
  CERTIFICATE_URL: Vars.url(),
  APPROVAL_URL: Vars.url(),
  CATALOG_URL: Vars.url(),
  /** Shown in the OpenAPI document as the client-credentials token endpoint. */
  TOKEN_URL: Type.String({ minLength: 1, default: '/v1/oauth/token' }),
  /**
   * The exchange's own client credentials at the zone identity (identity's EXCHANGE_CLIENT_ID and
   * EXCHANGE_CLIENT_SECRET): approval, certificate and catalog accept only this token, never a
   * data-exchange client's. SERVICE_TOKEN_URL defaults to TOKEN_URL (which must then be absolute).
   */
  SERVICE_CLIENT_ID: Type.String({ minLength: 1, maxLength: 64, default: 'hall-exchange' }),
  SERVICE_CLIENT_SECRET: Type.String({ minLength: 16 }),
  SERVICE_TOKEN_URL: Type.Optional(Vars.url()),
  /** Per call into another service. */
  UPSTREAM_TIMEOUT_MS: Vars.int(3000, 50),
  /** How long an open breaker fails fast before probing the service again. */
  BREAKER_RESET_MS: Vars.int(10_000, 100),
  /** Calls in the statistics window before a breaker may open. */
  BREAKER_VOLUME: Vars.int(5, 1),
  /** Calls per client per window. */
  RATE_LIMIT_MAX: Vars.int(120, 1),
  RATE_LIMIT_WINDOW_MS: Vars.int(60_000, 1000),
  /** Per-client limits that differ from RATE_LIMIT_MAX: `client-id=max,other-id=max`. */
  RATE_LIMIT_CLIENTS: Type.String({ default: '', pattern: '^([A-Za-z0-9._:-]+=[1-9][0-9]*(,[A-Za-z0-9._:-]+=[1-9][0-9]*)*)?$' }),
});

/** `a=10,b=20` → { a: 10, b: 20 } (the shape is checked by the config schema). */
export const parseClientLimits = (spec: string): Record<string, number> =>
  Object.fromEntries(spec.split(',').filter(Boolean).map((pair) => { const [id, max] = pair.split('='); return [id!, Number(max)]; }));

const CallView = Type.Object({
  id: Type.String(), clientId: Type.String(), method: Type.String(), endpoint: Type.String(), purpose: Type.Union([Type.String(), Type.Null()]),
  resultIds: Type.Array(Type.String()), status: Type.Integer(), requestId: Type.Union([Type.String(), Type.Null()]), at: Type.String(),
});
const CallQuery = StrictObject({
  ...PageQuery,
  clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: '路由模式，如 /v1/holders/:holderId/certificates' })),
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});

export const definition: ServiceDefinition<typeof ExchangeConfig, Db> = {
  name: 'exchange',
  configSchema: ExchangeConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  // Data-exchange clients' tokens are made for the exchange alone; staff tokens carry the zone's audience.
  extraAudiences: (zoneAudience) => [exchangeAudience(zoneAudience)],
  async routes(app, ctx) {
    const c = ctx.config;
    // Before any route: swagger builds the document from the routes registered after it.
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: '数据交换接口 (Data exchange API)', version: '1.0.0', description: '供其他部门业务系统调用：电子证照核验与查询、办件状态、事项目录、人口库与法人库。以统一身份认证的客户端凭证（client_credentials）获取访问令牌；每个接口均需相应授权范围，所有调用均记入审计。' },
        components: {
          securitySchemes: {
            clientCredentials: { type: 'oauth2', description: '统一身份认证（政务外网）签发的客户端访问令牌', flows: { clientCredentials: { tokenUrl: c.TOKEN_URL, scopes: { ...SCOPES } } } },
            staffToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: '工作人员访问令牌（监察人员查询审计）' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/v1/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });
    await app.register(rateLimit, { global: false });

    const tokenUrl = c.SERVICE_TOKEN_URL ?? c.TOKEN_URL;
    if (!URL.canParse(tokenUrl)) throw new Error(`SERVICE_TOKEN_URL is required when TOKEN_URL (${tokenUrl}) is not an absolute URL`);
    const token = createServiceToken({
      tokenUrl, clientId: c.SERVICE_CLIENT_ID, clientSecret: c.SERVICE_CLIENT_SECRET,
      scopes: DOWNSTREAM_SCOPES, timeoutMs: c.UPSTREAM_TIMEOUT_MS, logger: ctx.logger,
    });
    const breaker = { timeoutMs: c.UPSTREAM_TIMEOUT_MS, resetTimeoutMs: c.BREAKER_RESET_MS, volumeThreshold: c.BREAKER_VOLUME, logger: ctx.logger, token };
    const upstreams = {
      certificate: createUpstream({ name: 'certificate', baseUrl: c.CERTIFICATE_URL, ...breaker }),
      approval: createUpstream({ name: 'approval', baseUrl: c.APPROVAL_URL, ...breaker }),
      catalog: createUpstream({ name: 'catalog', baseUrl: c.CATALOG_URL, ...breaker }),
    };
    ctx.onStop(() => { for (const u of Object.values(upstreams)) u.close(); });

    await app.register(certificateKeys, { certificate: upstreams.certificate });
    await app.register(clientApi, { prefix: '/v1', db: ctx.prisma, upstreams, rateLimit: { max: c.RATE_LIMIT_MAX, windowMs: c.RATE_LIMIT_WINDOW_MS, perClient: parseClientLimits(c.RATE_LIMIT_CLIENTS) } });

    // Supervision (电子监察) of the exchange: who asked for what, why, and what they got.
    const audit = auditRepository(ctx.prisma);
    app.get('/v1/audit/calls', {
      preHandler: [app.authenticate, requireRealm('staff'), requireRole('supervisor')],
      schema: {
        summary: '数据交换调用审计', description: '监察人员查询：客户端、接口、用途、返回的标识（不含个人信息）、状态与时间，最新在前。', tags: ['审计'], security: [{ staffToken: [] }],
        querystring: CallQuery, response: { 200: PageOf(CallView), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    }, async (req) => {
      const q = req.query;
      const [rows, total] = await audit.list({ clientId: q.clientId, endpoint: q.endpoint, status: q.status, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined }, pageWindow(q).skip, pageWindow(q).take);
      return {
        items: rows.map((r) => ({ id: String(r.id), clientId: r.clientId, method: r.method, endpoint: r.endpoint, purpose: r.purpose, resultIds: r.resultIds, status: r.status, requestId: r.requestId, at: r.at.toISOString() })),
        total, page: q.page, pageSize: q.pageSize,
      };
    });
  },
  async seed(ctx) {
    // The demo registries: a few people and companies of 涡阳县, the same files the import command reads.
    for (const [registry, file] of [['population', 'population.sample.csv'], ['enterprise', 'enterprise.sample.json']] as const) {
      const r = await importRegistry({ db: ctx.prisma, registry, file: path.resolve(here, '../data', file) });
      ctx.logger.info({ registry, imported: r.imported, refused: r.bad.length }, 'demo registry seeded');
    }
  },
};
