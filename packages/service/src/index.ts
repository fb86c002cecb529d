/**
 * The common life of a service process: configuration → logger → database migrated → Prisma →
 * NATS (its zone's server only, its own user) → outbox publisher → HTTP app → consumers; and the
 * reverse on shutdown. Each service supplies a `ServiceDefinition`; `server.ts` calls `runMain`,
 * tests call `startService` with their own environment, so tests boot the real service.
 */
import fs from 'node:fs';
import type { Static, TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { loadConfig, ConfigError } from '@hall/config';
import { createLogger, type Logger } from '@hall/logging';
import { buildHttpApp, registerGracefulShutdown, type HttpApp } from '@hall/http';
import { authPlugin } from '@hall/auth';
import { migrate, ensureDatabase, createPrismaClient } from '@hall/db';
import { connectNats, createPublisher, createOutboxPublisher, wakeOnCommit } from '@hall/messaging';
import { createObjectStore, ensureBucketPatiently, type ObjectStore } from '@hall/storage';
import type { Zone } from '@hall/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { createClock, type Clock } from './clock.js';

export * from './config.js';

type Prismaish = { $queryRawUnsafe<T = unknown>(q: string, ...v: unknown[]): Promise<T>; $executeRawUnsafe(q: string, ...v: unknown[]): Promise<number>; $transaction<R>(fn: (tx: any) => Promise<R>, opts?: any): Promise<R>; $disconnect(): Promise<void> };

export interface ServiceContext<C, P> {
  name: string;
  zone: Zone;
  config: C;
  logger: Logger;
  prisma: P;
  nc: NatsConnection;
  publisher: ReturnType<typeof createPublisher>;
  outbox: ReturnType<typeof createOutboxPublisher>;
  store?: ObjectStore;
  /**
   * The service's clock (clock.ts): time-dependent decisions (a lock's cool-down, a deadline) read it
   * instead of `new Date()`, so a test can set or advance it on the running service instead of waiting.
   */
  clock: Clock;
  /** Adds a check to /ready (e.g. a relay half that is standby is alive but not ready for traffic). */
  addReadiness(name: string, check: () => Promise<unknown>): void;
  /** Extra work to undo on stop (consumers, timers), run in reverse order before the connections close. */
  onStop(fn: () => Promise<void> | void): void;
}

export interface ServiceDefinition<S extends TObject, P extends Prismaish> {
  name: string;
  configSchema: S;
  migrationsDir: string;
  createPrisma(url: string, poolMax: number): P;
  /** Connect an object store from the S3_* variables. */
  objectStore?: boolean;
  /** Register the zone's JWT verification (app.authenticate). */
  auth?: boolean;
  /** Audiences accepted besides the zone's AUTH_AUDIENCE (the exchange: data-exchange client tokens). */
  extraAudiences?(zoneAudience: string): string[];
  bodyLimit?: number;
  routes(app: HttpApp, ctx: ServiceContext<Static<S>, P>): Promise<void>;
  /** Start consumers and other background work once the app is listening. */
  start?(ctx: ServiceContext<Static<S>, P>): Promise<void>;
  /** Idempotent demo data, run when SEED_DEMO=true. */
  seed?(ctx: ServiceContext<Static<S>, P>): Promise<void>;
}

export interface RunningService<C, P> {
  app: HttpApp;
  ctx: ServiceContext<C, P>;
  url: string;
  stop(): Promise<void>;
}

type BaseConfig = { ZONE: Zone; HOST: string; PORT: number; LOG_LEVEL: string; DATABASE_URL: string; DATABASE_POOL_MAX: number; NATS_URL: string; NATS_USER: string; NATS_PASS: string; OUTBOX_PUBLISH_TIMEOUT_MS: number; AUTH_PUBLIC_KEYS_FILE?: string; AUTH_JWKS_URL?: string; AUTH_ISSUER?: string; AUTH_AUDIENCE?: string; TRUST_PROXY: string; SEED_DEMO: boolean; S3_ENDPOINT?: string; S3_ACCESS_KEY?: string; S3_SECRET_KEY?: string; S3_BUCKET?: string };

export async function startService<S extends TObject, P extends Prismaish>(
  def: ServiceDefinition<S, P>,
  env: Record<string, string | undefined> = process.env,
  opts: { logDestination?: import('pino').DestinationStream; /** Stop on SIGINT/SIGTERM (the process entry sets this). */ handleSignals?: boolean } = {},
): Promise<RunningService<Static<S>, P>> {
  const config = loadConfig(def.configSchema, env) as Static<S> & BaseConfig;
  if (def.auth) {
    const missing = (['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const).filter((k) => !config[k]);
    const problems: { variable: string; message: string }[] = missing.map((variable) => ({ variable, message: 'is required' }));
    if (!config.AUTH_JWKS_URL && !config.AUTH_PUBLIC_KEYS_FILE) problems.push({ variable: 'AUTH_JWKS_URL', message: 'is required (or AUTH_PUBLIC_KEYS_FILE)' });
    if (problems.length) throw new ConfigError(problems);
  }
  const logger = createLogger({ service: def.name, zone: config.ZONE, level: config.LOG_LEVEL, destination: opts.logDestination });
  const stops: (() => Promise<void> | void)[] = [];

  await ensureDatabase(config.DATABASE_URL);
  const migrated = await migrate({ databaseUrl: config.DATABASE_URL, migrationsDir: def.migrationsDir, logger });
  logger.info({ applied: migrated.applied }, migrated.applied.length ? 'database migrated' : 'database up to date');
  const rawPrisma = def.createPrisma(config.DATABASE_URL, config.DATABASE_POOL_MAX);

  const nc = await connectNats({ servers: config.NATS_URL, user: config.NATS_USER, pass: config.NATS_PASS, name: def.name, logger });
  const publisher = createPublisher(nc);
  const outbox = createOutboxPublisher({ db: rawPrisma, nc, logger, publishTimeoutMs: config.OUTBOX_PUBLISH_TIMEOUT_MS });
  // Every committed interactive transaction of the service (routes, consumers' handlers, sweeps)
  // wakes the outbox publisher, so an enqueue is sent at once without waiting for its idle poll.
  const prisma = wakeOnCommit(rawPrisma, () => outbox.notify());

  let store: ObjectStore | undefined;
  if (def.objectStore) {
    store = createObjectStore({ endpoint: config.S3_ENDPOINT!, accessKey: config.S3_ACCESS_KEY!, secretKey: config.S3_SECRET_KEY!, bucket: config.S3_BUCKET!, logger });
    await ensureBucketPatiently(store, { logger });
  }

  const ctx: ServiceContext<Static<S>, P> = {
    name: def.name, zone: config.ZONE, config, logger, prisma, nc, publisher, outbox, store, clock: createClock(),
    onStop: (fn) => { stops.push(fn); },
    addReadiness: (name, check) => { readiness[name] = check; },
  };

  const readiness: Record<string, () => Promise<unknown>> = {
    database: () => prisma.$queryRawUnsafe('SELECT 1'),
    nats: async () => { if (nc.isClosed()) throw new Error('closed'); await nc.flush(); },
  };
  if (store) readiness.objectStore = () => store!.ping();
  // Demo data is part of being ready: the launcher and tests wait on /ready before they log in.
  let seeding = Boolean(config.SEED_DEMO && def.seed);
  if (seeding) readiness.seed = async () => { if (seeding) throw new Error('demo data still being seeded'); };
  const app = await buildHttpApp({ service: def.name, logger, readiness, bodyLimit: def.bodyLimit, trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean) });
  if (def.auth) {
    // The JWKS is fetched lazily (first token seen), so services need not start after identity.
    const keys = config.AUTH_JWKS_URL
      ? { jwksUrl: config.AUTH_JWKS_URL }
      : { publicKeys: JSON.parse(fs.readFileSync(config.AUTH_PUBLIC_KEYS_FILE!, 'utf8')) as { kid: string; pem: string }[] };
    const extra = def.extraAudiences?.(config.AUTH_AUDIENCE!) ?? [];
    await app.register(authPlugin, { ...keys, issuer: config.AUTH_ISSUER!, audience: extra.length ? [config.AUTH_AUDIENCE!, ...extra] : config.AUTH_AUDIENCE! });
  }
  await def.routes(app, ctx);

  // Everything but the HTTP server, in reverse order of start; runs once however stop is reached.
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    for (const fn of stops.reverse()) await fn();
    await outbox.stop();
    await nc.drain().catch(() => nc.close());
    await prisma.$disconnect();
    logger.info('stopped');
  };
  // Hooks must be added before listen: fastify refuses them afterwards.
  if (opts.handleSignals) registerGracefulShutdown(app, { logger, onClose: teardown });
  await app.listen({ host: config.HOST, port: config.PORT });
  const addr = app.server.address();
  const url = typeof addr === 'object' && addr ? `http://${config.HOST}:${addr.port}` : String(addr);

  outbox.start();
  if (config.SEED_DEMO && def.seed) {
    await def.seed(ctx);
    seeding = false;
  }
  if (def.start) await def.start(ctx);
  logger.info({ url }, `${def.name} listening`);

  const stop = async () => {
    await app.close();
    await teardown();
  };
  return { app, ctx, url, stop };
}

/** Process entry: starts the service, exits 78 naming the variable on bad config, stops on SIGINT/SIGTERM. */
export async function runMain<S extends TObject, P extends Prismaish>(def: ServiceDefinition<S, P>): Promise<void> {
  try {
    await startService(def, process.env, { handleSignals: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${def.name}: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}
export * from './paging.js';
export * from './calendar.js';
export * from './time.js';
export * from './clock.js';
