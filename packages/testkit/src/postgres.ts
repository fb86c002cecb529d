/**
 * One fresh database per test file or worker on the machine's Postgres (trust auth), dropped
 * with FORCE afterwards. Names are unique, so nothing depends on the server being clean.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dockerAvailable } from './net.js';

export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function pgAdminUrl(): string {
  return process.env.PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function createTestDatabase(opts: { prefix?: string; adminUrl?: string } = {}): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? pgAdminUrl();
  const prefix = (opts.prefix ?? 'test').toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE closes sessions a test left open (pools not ended, a crashed worker).
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}

export interface TestPostgres {
  url: string;
  kind: 'container' | 'local';
  stop(): Promise<void>;
}

/**
 * A Postgres database for a test, behind one interface: a postgres:17 container where a Docker
 * engine answers (CI elsewhere), else a fresh database on the local server (here).
 */
export async function startPostgresContainerOrLocal(opts: { prefix?: string } = {}): Promise<TestPostgres> {
  if (await dockerAvailable()) {
    // Loaded only on this path: testcontainers is heavy and unused without Docker.
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('postgres:17')
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'hall' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    return {
      url: `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/hall`,
      kind: 'container',
      async stop() {
        await container.stop();
      },
    };
  }
  const db = await createTestDatabase(opts);
  return { url: db.url, kind: 'local', stop: () => db.drop() };
}

/**
 * Checked once per run (jest's globalSetup): the Postgres server the tests create their databases
 * on answers, so that a stopped server fails the run at once with one message instead of every
 * file timing out.
 */
export async function checkPostgres(adminUrl: string = pgAdminUrl()): Promise<void> {
  try {
    await withAdmin(adminUrl, (c) => c.query('SELECT 1'));
  } catch (err) {
    const safe = adminUrl.replace(/\/\/[^@/]*@/, '//…@');
    throw new Error(`the tests need a Postgres server at ${safe} (set PG_ADMIN_URL for another): ${(err as Error).message}`);
  }
}
