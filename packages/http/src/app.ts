/**
 * buildHttpApp: the fastify instance every hall service starts from, so that request ids,
 * security headers, strict validation, problem+json errors and the probes behave the same in the
 * internet zone and the extranet zone. Services register their own plugins and routes on top.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyPluginOptions, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import helmet from '@fastify/helmet';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@hall/logging';
import { createAjv } from './ajv.js';
import { problemPlugin } from './errors.js';
import { PROBE_PATHS, probesPlugin, type ReadinessChecks } from './probes.js';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Largest accepted request body in bytes; default 1 MiB. Upload routes raise it per route. */
  bodyLimit?: number;
  /** Named dependency checks run by GET /ready, e.g. `{ database: () => prisma.$queryRaw\`SELECT 1\` }`. */
  readiness?: ReadinessChecks;
  /** Per-check timeout for /ready; default 2000 ms. */
  readinessTimeoutMs?: number;
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

const ajvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false } as const;
const bodyAjv = createAjv({ ...ajvOptions, coerceTypes: false });
const textAjv = createAjv({ ...ajvOptions, coerceTypes: 'array' });

export async function buildHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new HallLogController(),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // fastify would trust any x-request-id verbatim; genReqId validates it first.
    requestIdHeader: false,
    genReqId: (req) => safeId(req.headers[REQUEST_ID_HEADER]) ?? randomUUID(),
    childLoggerFactory(logger, bindings, childOpts, rawReq) {
      // Bound here rather than in a hook so that even the 'incoming request' line carries it.
      const correlationId = safeId(rawReq.headers[CORRELATION_ID_HEADER]);
      return logger.child(correlationId ? { ...bindings, correlationId } : bindings, childOpts);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Two validators: query strings, params and headers arrive as text and are coerced to the
  // schema's types; bodies are JSON and are not — {"age":"30"} for an integer is a 400, not a 30.
  // Neither strips unknown properties (fastify's default removeAdditional would, silently).
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  app.decorateRequest('correlationId', undefined);
  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = safeId(request.headers[CORRELATION_ID_HEADER]);
    // Echoed so that a caller who did not send one can still quote it when reporting a fault.
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  // Once close() starts, responses to requests still in flight say `Connection: close`: otherwise a
  // keep-alive client (the gateway, the relay) holds its socket open and close() waits until the
  // shutdown deadline kills the process. Idle sockets are already closed by fastify itself.
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  await app.register(helmet);
  await app.register(problemPlugin);
  await app.register(probesPlugin, {
    service: opts.service,
    readiness: opts.readiness ?? {},
    timeoutMs: opts.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
  });
  return app;
}
