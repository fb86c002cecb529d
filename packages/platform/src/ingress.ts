/**
 * A zone's ingress for the local platform: one origin per zone, as a deployment's ingress gives.
 * `/auth/*` goes to the zone's identity realm, everything else to the zone's front service
 * (declaration with the portal in the internet zone, approval with the console in the extranet),
 * so the web UIs need no cross-origin calls. The console's origin also carries `/certificate/*`
 * (证照管理) and `/exchange/*` (the data-exchange API), as a deployment's extranet ingress does.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import httpProxy from '@fastify/http-proxy';

export async function startIngress(opts: { identityUrl: string; frontUrl: string; extra?: { prefix: string; url: string }[]; port?: number }): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  await app.register(httpProxy, { upstream: opts.identityUrl, prefix: '/auth', rewritePrefix: '' });
  // Further services on the same origin, prefix stripped (deploy/model.ts zoneIngress: exchange, certificate).
  for (const e of opts.extra ?? []) await app.register(httpProxy, { upstream: e.url, prefix: e.prefix, rewritePrefix: '' });
  await app.register(httpProxy, { upstream: opts.frontUrl, prefix: '/', rewritePrefix: '/' });
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
