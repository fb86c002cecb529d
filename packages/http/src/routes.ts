/**
 * The routes an app registered, in any plugin, recorded by an onRoute hook that buildHttpApp adds
 * before anything else: tools that must cover every endpoint (the bad-input suite) enumerate them
 * from the running app instead of from a hand-kept list.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';

export interface RegisteredRoute { method: string; url: string; schema: FastifySchema | undefined }

const tables = new WeakMap<object, RegisteredRoute[]>();

export function recordRoutes(app: FastifyInstance): void {
  const list: RegisteredRoute[] = [];
  tables.set(app, list);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) list.push({ method, url: r.url, schema: r.schema });
  });
}

/** Every route registered on the app so far (HEAD routes fastify adds for GET included). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return [...(tables.get(app) ?? [])];
}
