/**
 * Security headers (helmet's defaults), computed once at startup instead of per request.
 * @fastify/helmet builds a new helmet middleware for every request, re-parsing the CSP directives
 * and every option: about 15% of a guide page's CPU in the profile. The headers do not depend on
 * the request, so helmet runs once here against a recording response and each reply gets the
 * recorded header set. helmet stays the source of the values (and of their future changes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Non-document answers (JSON, problem+json, JS, CSS, PDF, images) get the smaller set OWASP's REST
 * Security Cheat Sheet lists for APIs: these five, the same values as in helmet's set, plus API_CSP.
 * CSP, Origin-Agent-Cluster, COOP, the DNS prefetch and download switches only act on documents a
 * browser renders; their 700 bytes on every API answer cost about a tenth of a guide request's
 * throughput (docs/quality.md).
 */
export function commonSecurityHeaders(full: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const keep = ['strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy'];
  const out: Record<string, string> = {};
  for (const k of keep) if (full[k] !== undefined) out[k] = full[k];
  return Object.freeze(out);
}

/** Nothing may load from, or frame, an API answer opened directly. */
export const API_CSP = "default-src 'none'; frame-ancestors 'self'";

/** Content types a browser renders as a document, where the full set (CSP above all) applies. */
export const DOCUMENT_TYPES = /^(?:text\/html|text\/xml|application\/xhtml\+xml|image\/svg\+xml|application\/(?:[\w.-]+\+)?xml)\b/i;

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
