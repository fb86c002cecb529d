/**
 * The routes an app registered, in any plugin, recorded by an onRoute hook that buildHttpApp adds
 * before anything else: tools that must cover every endpoint (the bad-input suite) enumerate them
 * from the running app instead of from a hand-kept list.
 */
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';

export type RouteHook = 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler';

export interface RegisteredRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
  /**
   * The route's own hooks of one lifecycle stage as fastify runs them, i.e. after every onRoute
   * hook (the auth plugin moves authentication to onRequest); app-wide hooks are not included.
   */
  hooks(stage: RouteHook): unknown[];
}

const tables = new WeakMap<object, RegisteredRoute[]>();

export function recordRoutes(app: FastifyInstance): void {
  const list: RegisteredRoute[] = [];
  tables.set(app, list);
  app.addHook('onRoute', (r: RouteOptions) => {
    // Every onRoute hook gets the same options object, so later hooks' changes are seen here.
    const hooks = (stage: RouteHook): unknown[] => [r[stage] ?? []].flat();
    for (const method of [r.method].flat()) list.push({ method, url: r.url, schema: r.schema, hooks });
  });
}

/** Every route registered on the app so far (HEAD routes fastify adds for GET included). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return [...(tables.get(app) ?? [])];
}
