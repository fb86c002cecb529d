/**
 * The one error handler and the not-found handler: every failure leaves the service as an
 * RFC 9457 problem. Expected failures (4xx, ProblemError) carry their meaning to the client;
 * anything else becomes a bare 500 whose message and stack stay in the log, never on the wire.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, ProblemError, type FieldError, type Problem } from './problem.js';

/** Generic codes for framework errors that carry a 4xx status but no problem code of their own. */
const CLIENT_ERRORS: Record<number, { code: string; title: string }> = {
  400: { code: 'bad_request', title: '请求格式不正确' },
  401: { code: 'unauthenticated', title: '未登录或登录已过期' },
  403: { code: 'forbidden', title: '无权执行此操作' },
  404: { code: 'not_found', title: '请求的资源不存在' },
  405: { code: 'method_not_allowed', title: '不支持该请求方法' },
  406: { code: 'not_acceptable', title: '无法提供请求的响应格式' },
  408: { code: 'request_timeout', title: '请求超时' },
  409: { code: 'conflict', title: '请求与当前状态冲突' },
  413: { code: 'payload_too_large', title: '请求体过大' },
  414: { code: 'uri_too_long', title: '请求地址过长' },
  415: { code: 'unsupported_media_type', title: '不支持的请求内容类型' },
  422: { code: 'unprocessable', title: '请求内容无法处理' },
  429: { code: 'too_many_requests', title: '请求过于频繁，请稍后再试' },
  431: { code: 'headers_too_large', title: '请求头过大' },
};
const OTHER_CLIENT_ERROR = { code: 'client_error', title: '请求无法处理' };

/** Fastify error codes that deserve a specific problem code rather than the per-status one. */
const FASTIFY_CODES: Record<string, { status: number; code: string; title: string; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json', title: '请求体不是合法的 JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_json', title: '请求体不是合法的 JSON', detail: '声明为 JSON 的请求体为空' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', title: '不支持的请求内容类型', detail: '请使用 application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', title: '请求体过大' },
};

export const INTERNAL_ERROR_TITLE = '服务器内部错误';

interface Outcome {
  status: number;
  code: string;
  title: string;
  detail?: string | undefined;
  extra?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as Partial<FastifyError>).statusCode === 'number';
}

/** ajv's messages are English; applicants read these, so the common keywords get Chinese text. */
function fieldMessage(e: FastifySchemaValidationError): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': return '缺少必填字段';
    case 'additionalProperties': return '不允许的字段';
    case 'type': return `类型应为 ${String(p.type)}`;
    case 'minLength': return `长度不能少于 ${String(p.limit)} 个字符`;
    case 'maxLength': return `长度不能超过 ${String(p.limit)} 个字符`;
    case 'minimum': case 'exclusiveMinimum': return `不能小于${p.comparison === '>' ? '或等于' : ''} ${String(p.limit)}`;
    case 'maximum': case 'exclusiveMaximum': return `不能大于${p.comparison === '<' ? '或等于' : ''} ${String(p.limit)}`;
    case 'minItems': return `至少需要 ${String(p.limit)} 项`;
    case 'maxItems': return `最多允许 ${String(p.limit)} 项`;
    case 'pattern': return '格式不正确';
    case 'format': return `格式应为 ${String(p.format)}`;
    case 'enum': case 'const': case 'anyOf': case 'oneOf': return '取值不在允许范围内';
    default: return '取值不符合要求';
  }
}

/** `/body/applicant/name`: the request part, then ajv's instance path, then the named property. */
function fieldPath(context: string | undefined, e: FastifySchemaValidationError): string {
  const p = e.params as Record<string, unknown>;
  const child = typeof p.missingProperty === 'string' ? p.missingProperty : typeof p.additionalProperty === 'string' ? p.additionalProperty : undefined;
  return `/${context ?? 'body'}${e.instancePath}${child !== undefined ? `/${child.replace(/~/g, '~0').replace(/\//g, '~1')}` : ''}`;
}

/**
 * Failures of a dependency that is overloaded or briefly gone, recognised by their stable codes so
 * this package needs neither Prisma nor the storage package: they are the platform's doing, not the
 * client's, and retrying shortly will likely work, so they answer 503 with Retry-After, not 500.
 *  - `storage_unavailable`: @hall/storage's StorageUnavailableError (breaker open, timeout, 5xx);
 *  - Prisma P2024 (no pool connection in time), P2028 (transaction could not start or expired),
 *    P2034 (write conflict or deadlock), P1001/P1002/P1017 (database unreachable or gone).
 */
const TRANSIENT_PRISMA_CODES = new Set(['P2024', 'P2028', 'P2034', 'P1001', 'P1002', 'P1017']);
const RETRY_AFTER_SECONDS = '2';

function transientOutcome(err: unknown): Outcome | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if (code === 'storage_unavailable') {
    return { status: 503, code: 'storage_unavailable', title: '文件存储服务暂不可用，请稍后再试', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  if (typeof code === 'string' && TRANSIENT_PRISMA_CODES.has(code) && err.name.startsWith('PrismaClient')) {
    return { status: 503, code: 'database_busy', title: '系统繁忙，请稍后再试', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  return null;
}

/**
 * Content refused by @hall/storage's checks, recognised by stable code like the failures above:
 * `image_too_large` (ImageTooLargeError: a header declaring a canvas too big to decode safely).
 */
function refusedContentOutcome(err: unknown): Outcome | null {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'image_too_large') return null;
  const detail = (err as { detail?: unknown }).detail;
  return { status: 422, code: 'image_too_large', title: '图片尺寸过大，请缩小后重新上传', ...(typeof detail === 'string' ? { detail } : {}) };
}

function classify(err: unknown): Outcome {
  if (err instanceof ProblemError) {
    return { status: err.status, code: err.code, title: err.title, detail: err.detail, extra: err.extra, headers: err.headers };
  }
  if (!isFastifyError(err)) return transientOutcome(err) ?? refusedContentOutcome(err) ?? { status: 500, code: 'internal_error', title: INTERNAL_ERROR_TITLE };

  if (err.validation) {
    const errors: FieldError[] = err.validation.map((e) => ({ field: fieldPath(err.validationContext, e), message: fieldMessage(e) }));
    return { status: 400, code: 'validation_failed', title: '请求参数校验失败', extra: { errors } };
  }
  const known = FASTIFY_CODES[err.code];
  if (known) return known;
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Framework 4xx messages are English and sometimes echo input; the code and title suffice.
    return { status, ...(CLIENT_ERRORS[status] ?? OTHER_CLIENT_ERROR) };
  }
  return { status: 500, code: 'internal_error', title: INTERNAL_ERROR_TITLE };
}

export function problemBody(request: FastifyRequest, o: Outcome): Problem {
  return {
    ...(o.extra ?? {}),
    // Standard members last so that `extra` can never overwrite them.
    type: `${PROBLEM_TYPE_BASE}${o.code}`,
    title: o.title,
    status: o.status,
    code: o.code,
    ...(o.detail !== undefined ? { detail: o.detail } : {}),
    instance: request.url,
    requestId: String(request.id),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, o: Outcome): FastifyReply {
  if (o.headers) reply.headers(o.headers);
  return reply.code(o.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(request, o));
}

/**
 * Fastify's router refuses some URLs before any route or error handler runs (a path that does not
 * percent-decode, a path parameter over maxParamLength) and by default answers them with its own
 * JSON; this handler (the `frameworkErrors` option) answers them as problems like everything else.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const o: Outcome = err.code === 'FST_ERR_BAD_URL'
    ? { status: 400, code: 'bad_url', title: '请求地址不合法', detail: '请求地址中含有无法解码的字符' }
    : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? { status: 414, code: 'uri_too_long', title: '请求地址过长', detail: '请求地址中的参数过长' }
      : classify(err);
  request.log.info({ code: o.code, status: o.status, reason: err.code }, 'request rejected');
  void sendProblem(request, reply, o);
}

/**
 * Requests Node's HTTP parser cannot read (a CR or LF inside a header value, a malformed request
 * line, headers over the size limit, a request that timed out) never become fastify requests; this
 * `clientErrorHandler` answers them as problem+json on the raw socket, then closes it.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, title] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', '请求超时']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', '请求头过大']
      : [400, 'bad_request', '请求格式不正确'] as const;
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status, code, detail: '无法解析的 HTTP 请求', instance: '', requestId: randomUUID() });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

async function problemHandlers(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: unknown, request, reply) => {
    const outcome = classify(err);
    if (outcome.status >= 500 && outcome.code !== 'internal_error' && !(err instanceof ProblemError)) {
      // A known transient dependency failure: worth a warning with its cause, not an error page.
      request.log.warn({ code: outcome.code, status: outcome.status, reason: err instanceof Error ? err.message : String(err) }, 'dependency unavailable');
    } else if (outcome.status >= 500 && !(err instanceof ProblemError)) {
      request.log.error({ err, method: request.method, url: request.url, routeUrl: request.routeOptions.url }, 'unhandled error');
    } else if (outcome.status >= 500) {
      request.log.warn({ code: outcome.code, status: outcome.status, detail: outcome.detail }, 'request failed');
    } else {
      // 4xx are the client's doing; info keeps them visible without paging anyone.
      request.log.info({ code: outcome.code, status: outcome.status, ...(err instanceof Error ? { reason: err.message } : {}) }, 'request rejected');
    }
    return sendProblem(request, reply, outcome);
  });

  app.setNotFoundHandler((request, reply) => {
    request.log.info({ method: request.method, url: request.url }, 'route not found');
    return sendProblem(request, reply, { status: 404, code: 'route_not_found', title: '请求的接口不存在', detail: `未找到接口 ${request.method} ${request.url.split('?')[0] ?? ''}` });
  });
}

export const problemPlugin = fp(problemHandlers, { name: '@hall/http/problems', fastify: '5.x' });
