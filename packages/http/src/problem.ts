/**
 * Problem details (RFC 9457): the one error shape every HTTP service in the hall answers with,
 * so that the web front ends and the relay can show and route errors without per-service parsing.
 * `title` and `detail` are shown to applicants and staff, hence Simplified Chinese; `code` is the
 * stable machine-readable key that clients switch on.
 */
import { Type, type Static } from '@sinclair/typebox';

export const PROBLEM_TYPE_BASE = 'https://hall.gov.cn/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemOptions {
  detail?: string;
  /** Extra members merged into the body (e.g. `checks`, `retryAfter`); must not reuse standard names. */
  extra?: Record<string, unknown>;
  /** Response headers to send with the problem, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
}

/** An expected failure with a status and a stable code; thrown from handlers and hooks. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, title: string, opts: ProblemOptions = {}) {
    // The message is what lands in logs; keep the code first so log searches find it.
    super(opts.detail ? `${code}: ${title} (${opts.detail})` : `${code}: ${title}`);
    this.name = 'ProblemError';
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`ProblemError status must be 4xx or 5xx, got ${status}`);
    }
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = opts.detail;
    this.extra = opts.extra;
    this.headers = opts.headers;
  }

  /** fastify's own handlers and third-party plugins read `statusCode`; keep them in agreement. */
  get statusCode(): number {
    return this.status;
  }
}

type ProblemFactory = (code: string, title: string, detail?: string, opts?: Omit<ProblemOptions, 'detail'>) => ProblemError;

function factory(status: number): ProblemFactory {
  return (code, title, detail, opts = {}) => new ProblemError(status, code, title, { ...opts, ...(detail !== undefined ? { detail } : {}) });
}

/** Shorthands for the statuses services raise themselves. */
export const Problems = {
  badRequest: factory(400),
  unauthorized: factory(401),
  forbidden: factory(403),
  notFound: factory(404),
  conflict: factory(409),
  unprocessable: factory(422),
  tooManyRequests: factory(429),
  unavailable: factory(503),
} as const;

export const FieldErrorSchema = Type.Object({
  field: Type.String({ description: 'JSON pointer of the offending value, prefixed by the request part: /body/name' }),
  message: Type.String(),
});

/**
 * The problem body, for route response schemas (`response: { 400: ProblemSchema, ... }`).
 * additionalProperties stays open because the response serializer would otherwise drop the
 * extension members (`errors`, `checks`, anything passed as `extra`).
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

export type Problem = Static<typeof ProblemSchema> & Record<string, unknown>;
export type FieldError = Static<typeof FieldErrorSchema>;
