/**
 * Serves a service's web UI (the portal, the staff console): static files from one folder, with
 * index.html at `/`, and the modules all UIs share at `/lib/` (packages/http/ui). The UI calls the service's own API on the same origin; a zone's ingress puts
 * identity under `/auth/`, so no cross-origin requests are needed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { securityHeaders } from './security-headers.js';

/** Modules every UI shares (the sign-in with silent renewal: session.js), served at /lib/. */
const SHARED_UI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../ui');

export interface UiOptions {
  /**
   * CSP directives that replace helmet's defaults for this UI's pages (HTML only), e.g. the
   * console's `{ 'img-src': ["'self'", 'data:', 'blob:'] }` for previews of fetched files.
   */
  csp?: Record<string, string[]>;
}

export async function serveUi(app: FastifyInstance, root: string, opts: UiOptions = {}): Promise<void> {
  await app.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], wildcard: false, cacheControl: true, maxAge: 60_000 });
  await app.register(fastifyStatic, { root: SHARED_UI, prefix: '/lib/', wildcard: false, cacheControl: true, maxAge: 60_000, decorateReply: false });
  if (!opts.csp) return;
  const policy = securityHeaders({ contentSecurityPolicy: { useDefaults: true, directives: opts.csp } })['content-security-policy']!;
  // After createApp's onSend (which gives every document helmet's default CSP): this page's policy wins.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) reply.header('content-security-policy', policy);
    done(null, payload);
  });
}
