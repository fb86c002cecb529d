/**
 * Serves a service's web UI (the portal, the staff console): static files from one folder, with
 * index.html at `/`. The UI calls the service's own API on the same origin; a zone's ingress puts
 * identity under `/auth/`, so no cross-origin requests are needed.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export async function serveUi(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], wildcard: false, cacheControl: true, maxAge: 60_000 });
}
