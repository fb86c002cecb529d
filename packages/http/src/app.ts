/**
 * buildHttpApp: the fastify instance every hall service starts from, so that request ids,
 * security headers, strict validation, problem+json errors and the probes behave the same in the
 * internet zone and the extranet zone. Services register their own plugins and routes on top.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyPluginOptions, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@hall/logging';
import { createAjv } from './ajv.js';
import { problemPlugin, frameworkErrorHandler, clientErrorHandler } from './errors.js';
import { Problems } from './problem.js';
import { recordRoutes } from './routes.js';
import { PROBE_PATHS, probesPlugin, type ReadinessChecks } from './probes.js';
import { API_CSP, commonSecurityHeaders, DOCUMENT_TYPES, securityHeaders } from './security-headers.js';
import { lazyChildLogger } from './lazy-logger.js';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Largest accepted request body in bytes; default 1 MiB. Upload routes raise it per route. */
  bodyLimit?: number;
  /** Named dependency checks run by GET /ready, e.g. `{ database: () => prisma.$queryRaw\`SELECT 1\` }`. */
  readiness?: ReadinessChecks;
  /** Per-check timeout for /ready; default 2000 ms. */
  readinessTimeoutMs?: number;
  /**
   * Proxies whose X-Forwarded-For is believed (request.ip), as addresses, CIDRs or proxy-addr's
   * names ('loopback'); default none. Behind the zone's ingress: its address only, so a client
   * cannot choose the address its login attempts are counted under.
   */
  trustProxy?: string[];
}

/** The typed instance services build on: TypeBox schemas type the handlers. */
export type HttpApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * A plugin registered on an HttpApp. `app.register(async (child) => …)` with an untyped arrow drops
 * the type provider (request.query becomes unknown); annotating the plugin with this keeps it.
 */
export type HttpPlugin<Options extends FastifyPluginOptions = Record<never, never>> = FastifyPluginAsyncTypebox<Options>;
export type { TypeBoxTypeProvider };

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's `x-correlation-id` (case or application id) when valid; pass it on to messages. */
    correlationId: string | undefined;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';
const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_READINESS_TIMEOUT_MS = 2000;

/** Ids come from outside (gateway, relay, browser) and end up in logs: bound their size and alphabet. */
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function safeId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SAFE_ID.test(value) ? value : undefined;
}

/** Probe traffic arrives every few seconds from the orchestrator; at info it would drown real requests. */
class HallLogController extends LogController {
  private isProbe(request: FastifyRequest): boolean {
    const url = request.routeOptions.url;
    return url !== undefined && PROBE_PATHS.has(url);
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (this.isProbe(request)) {
      request.log.debug({ req: request }, 'incoming request');
      return;
    }
    super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isProbe(request) && !error) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
      return;
    }
    super.requestCompleted(error, request, reply);
  }
}

/** Whether a string, or any key or string inside an object (to a bounded depth), contains U+0000. */
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object' || depth > 64) return false;
  for (const [k, x] of Object.entries(v)) if (k.includes('\u0000') || hasNul(x, depth + 1)) return true;
  return false;
}

const INT4_MAX = 2_147_483_647;
const INT4_MIN = -2_147_483_648;

/**
 * A copy of a route schema in which every `type: 'integer'` without a maximum (or minimum) gets
 * the 32-bit one. A copy, because TypeBox schemas are shared (contracts, responses).
 */
export function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'examples' ? v : boundIntegers(v);
  const types = [out.type].flat();
  if (types.includes('integer')) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT4_MAX;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT4_MIN;
  }
  return out;
}

const ajvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false } as const;
const bodyAjv = createAjv({ ...ajvOptions, coerceTypes: false });
const textAjv = createAjv({ ...ajvOptions, coerceTypes: 'array' });
const DOCUMENT_HEADERS = securityHeaders();
const COMMON_HEADERS = commonSecurityHeaders(DOCUMENT_HEADERS);

export async function buildHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new HallLogController(),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(opts.trustProxy?.length ? { trustProxy: opts.trustProxy } : {}),
    // fastify would trust any x-request-id verbatim; genReqId validates it first.
    requestIdHeader: false,
    genReqId: (req) => safeId(req.headers[REQUEST_ID_HEADER]) ?? randomUUID(),
    // Refusals made before routing, and requests the HTTP parser cannot read, are problems too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    childLoggerFactory(logger, bindings, childOpts, rawReq) {
      // Bound here rather than in a hook so that even the 'incoming request' line carries it.
      // Made on first use (lazy-logger.ts): most requests write no line below info.
      const correlationId = safeId(rawReq.headers[CORRELATION_ID_HEADER]);
      return lazyChildLogger(logger, correlationId ? { ...bindings, correlationId } : bindings, childOpts);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  recordRoutes(app);

  // Two validators: query strings, params and headers arrive as text and are coerced to the
  // schema's types; bodies are JSON and are not — {"age":"30"} for an integer is a 400, not a 30.
  // Neither strips unknown properties (fastify's default removeAdditional would, silently).
  // Integers without bounds of their own are held to Postgres's 32-bit integer: ajv takes "1e309"
  // (Infinity) and 3000000000 as integers, which then fail in the database as a 500 (found by the
  // bad-input suite: POST /v1/items/x/versions/1e309/publish).
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(boundIntegers(schema) as object));

  app.decorateRequest('correlationId', undefined);
  // Postgres text and jsonb cannot hold U+0000: a NUL anywhere in the input would surface as a 500
  // from the database (found by the bad-input suite), so it is refused here, once, for every route.
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body;
    if (hasNul(request.params) || hasNul(request.query) || (body !== undefined && !Buffer.isBuffer(body) && hasNul(body))) {
      done(Problems.badRequest('nul_character', '请求中含有不允许的字符', '请求参数或内容中不能含有空字符（U+0000）'));
      return;
    }
    done();
  });
  // Callback-style hooks: an async hook costs a promise per request on every route.
  app.addHook('onRequest', (request, reply, done) => {
    request.correlationId = safeId(request.headers[CORRELATION_ID_HEADER]);
    // The headers every answer carries, precomputed from helmet's (security-headers.ts); on errors
    // and 404s too. The CSP depends on the content type and is added in onSend.
    reply.headers(COMMON_HEADERS);
    // Echoed so that a caller who did not send one can still quote it when reporting a fault.
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });

  // Once close() starts, responses to requests still in flight say `Connection: close`: otherwise a
  // keep-alive client (the gateway, the relay) holds its socket open and close() waits until the
  // shutdown deadline kills the process. Idle sockets are already closed by fastify itself.
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    // Documents (HTML, SVG, XML) get helmet's full set, everything else the API CSP. A 304 gets
    // neither: a browser merges a 304's headers into the cached response, and an API CSP there
    // would block the scripts and styles of a cached page on reload.
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && DOCUMENT_TYPES.test(type)) reply.headers(DOCUMENT_HEADERS);
    else if (reply.statusCode !== 304) reply.header('content-security-policy', API_CSP);
    done(null, payload);
  });

  await app.register(problemPlugin);
  await app.register(probesPlugin, {
    service: opts.service,
    readiness: opts.readiness ?? {},
    timeoutMs: opts.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
  });
  return app;
}
