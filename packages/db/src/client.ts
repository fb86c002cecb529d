/**
 * Builds each service's generated Prisma client on the `pg` driver adapter. Prisma 7 needs no native
 * query engine this way, which is what lets it run on machines that cannot download one.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { parseDatabaseUrl } from './url.js';

/**
 * The raw-SQL surface of a Prisma client (and of its interactive transaction client), for helpers
 * that must work with either without depending on a particular service's generated types.
 */
export interface SqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface PrismaClientOptions {
  /** Pool size; keep it small per replica so many replicas fit under max_connections. */
  max?: number;
}

/**
 * Interactive transactions: Prisma's defaults (wait 2 s for a connection, run at most 5 s) turn a
 * busy moment on a small pool into P2028 failures; a request would rather wait a little longer.
 * What still fails past these limits answers 503 database_busy (see @hall/http).
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

export function createPrismaClient<T>(
  Client: new (opts: { adapter: PrismaPg; transactionOptions: { maxWait: number; timeout: number } }) => T,
  databaseUrl: string,
  opts: PrismaClientOptions = {},
): T {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(
    { connectionString, ...(opts.max !== undefined ? { max: opts.max } : {}) },
    // A Prisma-style `?schema=` must reach the adapter, since `pg` ignores it.
    schema ? { schema } : undefined,
  );
  return new Client({ adapter, transactionOptions: { ...TRANSACTION_OPTIONS } });
}
