/**
 * @hall/http: the HTTP foundation shared by every hall service: buildHttpApp (request ids, helmet,
 * strict TypeBox validation, RFC 9457 problem+json errors, /health and /ready), the ProblemError
 * family, schema helpers and graceful shutdown.
 */
export { buildHttpApp, safeId, REQUEST_ID_HEADER, CORRELATION_ID_HEADER, type HttpApp, type HttpAppOptions, type HttpPlugin, type TypeBoxTypeProvider } from './app.js';
export { ProblemError, Problems, ProblemSchema, FieldErrorSchema, PROBLEM_TYPE_BASE, PROBLEM_CONTENT_TYPE, type Problem, type FieldError, type ProblemOptions } from './problem.js';
export { INTERNAL_ERROR_TITLE } from './errors.js';
export { registeredRoutes, type RegisteredRoute, type RouteHook } from './routes.js';
export type { ReadinessChecks } from './probes.js';
export { registerGracefulShutdown, type GracefulShutdownOptions } from './shutdown.js';
export { Type, StrictObject, IsoDate, type Static, type TSchema } from './schema.js';
export { serveUi } from './ui.js';
export { createAjv, type ErrorObject, type ValidateFunction } from './ajv.js';
