/**
 * The minimal database surface the outbox and inbox need. A Prisma 7 client (and its
 * transaction client) satisfies it as is; `pgTxRunner` adapts a plain `pg` pool for code that has
 * no Prisma client (the relay, tests).
 */
import type { Pool, PoolClient } from 'pg';

export interface SqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TxRunner<Tx extends SqlExecutor = any> extends SqlExecutor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  $transaction<R>(fn: (tx: Tx) => Promise<R>, opts?: any): Promise<R>;
}

export interface PgTxOptions {
  isolationLevel?: 'ReadCommitted' | 'RepeatableRead' | 'Serializable';
}

function executor(client: Pool | PoolClient): SqlExecutor {
  return {
    async $executeRawUnsafe(query: string, ...values: unknown[]) {
      const r = await client.query(query, values);
      return r.rowCount ?? 0;
    },
    async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]) {
      const r = await client.query(query, values);
      return r.rows as T;
    },
  };
}

const ISOLATION: Record<NonNullable<PgTxOptions['isolationLevel']>, string> = {
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

/** A `TxRunner` over a pg pool, with Prisma's `$transaction(fn, { isolationLevel })` shape. */
export function pgTxRunner(pool: Pool): TxRunner<SqlExecutor> {
  return {
    ...executor(pool),
    async $transaction<R>(fn: (tx: SqlExecutor) => Promise<R>, opts?: PgTxOptions): Promise<R> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(opts?.isolationLevel ? `BEGIN ISOLATION LEVEL ${ISOLATION[opts.isolationLevel]}` : 'BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        // A connection that could not even roll back is discarded rather than reused mid-transaction.
        client.release(broken);
      }
    },
  };
}
