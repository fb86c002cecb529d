/**
 * Security headers (helmet's defaults), computed once at startup instead of per request.
 * @fastify/helmet builds a new helmet middleware for every request, re-parsing the CSP directives
 * and every option: about 15% of a guide page's CPU in the profile. The headers do not depend on
 * the request, so helmet runs once here against a recording response and each reply gets the
 * recorded header set. helmet stays the source of the values (and of their future changes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export function securityHeaders(options: Readonly<HelmetOptions> = {}): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) { headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value); return recorder; },
    removeHeader(name: string) { delete headers[name.toLowerCase()]; },
    getHeader(name: string) { return headers[name.toLowerCase()]; },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => { failure = err; });
  if (failure) throw failure;
  return Object.freeze(headers);
}
