/**
 * Migration runner. The Prisma CLI cannot run on these machines (it cannot download its schema
 * engine), so migrations written in Prisma's layout (`<dir>/<timestamp>_<name>/migration.sql`) are
 * applied here, and recorded in a `_prisma_migrations` table that `prisma migrate deploy` would
 * accept as its own wherever the engine is available.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '@hall/logging';
import { parseDatabaseUrl, quoteIdent } from './url.js';

/**
 * The key Prisma's own schema engine locks on Postgres, so our runner and a `prisma migrate deploy`
 * started against the same database also wait for each other.
 */
export const MIGRATION_LOCK_KEY = 72707369;

export type MigrationErrorCode =
  | 'checksum_mismatch'
  | 'failed_migration'
  | 'missing_file'
  | 'apply_failed'
  | 'invalid_directory';

export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MigrationFile {
  name: string;
  /** Resolved folder (symlinks followed), for messages. */
  dir: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  databaseUrl: string;
  migrationsDir: string;
  logger?: Logger;
}

export interface MigrateResult {
  applied: string[];
  upToDate: boolean;
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
}

/** Prisma's checksum: SHA-256 of the script, lower-case hex, zero-padded. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Prisma accepts a recorded checksum if it matches the script with either line ending (git may have
 * rewritten them on checkout), and also its own pre-2.x checksums that lacked zero padding
 * (prisma-engines#1887). Mirroring that keeps both tools agreeing about what "edited" means.
 */
export function checksumMatches(sql: string, recorded: string): boolean {
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\n/g, '\r\n')];
  const legacy = recorded.length !== 64;
  return variants.some((v) => {
    const digest = createHash('sha256').update(v).digest();
    const rendered = legacy ? Array.from(digest, (b) => b.toString(16)).join('') : digest.toString('hex');
    return rendered === recorded;
  });
}

/** Lists the migration folders in name order, following symlinked folders. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    throw new MigrationError('invalid_directory', `migrations directory ${migrationsDir} cannot be read: ${(err as Error).message}`, undefined, { cause: err });
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      names.push(entry.name);
    } else if (entry.isSymbolicLink()) {
      // Services share the messaging migration through a symlink; a dangling one means the shared
      // folder moved, which must stop the run rather than silently skip a migration.
      const target = path.join(migrationsDir, entry.name);
      const st = await stat(target).catch(() => null);
      if (!st) throw new MigrationError('missing_file', `migration ${entry.name} is a symlink to a folder that does not exist`, entry.name);
      if (st.isDirectory()) names.push(entry.name);
    }
    // Plain files (migration_lock.toml) are not migrations.
  }
  // Plain code-unit order, which is what Prisma uses (byte order for the ASCII names it generates).
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: MigrationFile[] = [];
  for (const name of names) {
    const dir = path.join(migrationsDir, name);
    const file = path.join(dir, 'migration.sql');
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      throw new MigrationError('missing_file', `migration ${name} has no migration.sql (${file})`, name);
    }
    out.push({ name, dir, sql: raw.toString('utf8'), checksum: migrationChecksum(raw) });
  }
  return out;
}

/** Exactly Prisma's DDL for Postgres, so `prisma migrate deploy` recognises the table as its own. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Decides what to apply, refusing on any inconsistency before touching the schema. */
export function planMigrations(files: MigrationFile[], rows: MigrationRow[]): MigrationFile[] {
  // Rolled-back records are history only (`prisma migrate resolve --rolled-back`): the migration is
  // due again, exactly as Prisma treats it.
  const live = rows.filter((r) => r.rolled_back_at === null);
  const failed = live.find((r) => r.finished_at === null);
  if (failed) {
    const logs = failed.logs ? `\n${failed.logs.trim()}` : '';
    throw new MigrationError(
      'failed_migration',
      `migration ${failed.migration_name} failed earlier and is unresolved (when this runner applied it, its transaction ` +
        `was rolled back, so nothing of it remains); fix the SQL, then mark it rolled back (hall-db resolve-rolled-back ${failed.migration_name}, ` +
        `or prisma migrate resolve --rolled-back ${failed.migration_name}) before migrating again.${logs}`,
      failed.migration_name,
    );
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  const applied = new Set<string>();
  for (const row of live) {
    const file = byName.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        'missing_file',
        `migration ${row.migration_name} is recorded as applied but its folder is missing from the migrations directory`,
        row.migration_name,
      );
    }
    if (!checksumMatches(file.sql, row.checksum)) {
      throw new MigrationError(
        'checksum_mismatch',
        `migration ${row.migration_name} was modified after it was applied (recorded checksum ${row.checksum}, file ${file.checksum}); ` +
          'write a new migration instead of editing an applied one',
        row.migration_name,
      );
    }
    applied.add(row.migration_name);
  }
  return files.filter((f) => !applied.has(f.name));
}

/**
 * Applies pending migrations in name order, each in its own transaction, under a session advisory
 * lock so that runners started together (several replicas, parallel tests) apply each migration once.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const { connectionString, schema } = parseDatabaseUrl(opts.databaseUrl);
  // Read the files before taking the lock, so a broken directory fails without waiting on others.
  const files = await readMigrations(opts.migrationsDir);
  const client = new pg.Client({ connectionString, application_name: 'hall-migrate' });
  await client.connect();
  // An idle-in-transaction or dropped connection must not crash the process through an unhandled
  // 'error' event; the failing query reports it.
  client.on('error', (err) => opts.logger?.warn({ err }, 'migration connection error'));
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      if (schema) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      }
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<MigrationRow>(
        'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name',
      );
      const pending = planMigrations(files, rows);
      for (const file of pending) {
        await applyOne(client, file, opts.logger);
        applied.push(file.name);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  if (applied.length === 0) opts.logger?.debug({ migrationsDir: opts.migrationsDir }, 'database schema is up to date');
  return { applied, upToDate: applied.length === 0 };
}

async function applyOne(client: pg.Client, file: MigrationFile, logger: Logger | undefined): Promise<void> {
  const id = randomUUID();
  const started = Date.now();
  // Recorded before the transaction, as Prisma does: if the process dies mid-migration the row
  // stays unfinished and the next run refuses instead of guessing what happened.
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, file.checksum, file.name],
  );
  try {
    await client.query('BEGIN');
    // No parameters, so pg uses the simple query protocol, which accepts a multi-statement script.
    await client.query(file.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const pgErr = err as { message?: string; code?: string; position?: string };
    const detail = [pgErr.message, pgErr.code ? `SQLSTATE ${pgErr.code}` : '', pgErr.position ? `at character ${pgErr.position}` : '']
      .filter(Boolean)
      .join(', ');
    await client
      .query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, `Migration ${file.name} failed: ${detail}`])
      .catch(() => undefined);
    logger?.error({ migration: file.name, err }, 'migration failed');
    throw new MigrationError('apply_failed', `migration ${file.name} failed and was rolled back: ${detail}`, file.name, { cause: err });
  }
  logger?.info({ migration: file.name, ms: Date.now() - started }, 'migration applied');
}

/**
 * The equivalent of `prisma migrate resolve --rolled-back <name>` (which cannot run here): marks an
 * unfinished record as rolled back so the corrected migration is applied on the next run.
 */
export async function markMigrationRolledBack(databaseUrl: string, migrationName: string): Promise<void> {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString, application_name: 'hall-migrate' });
  await client.connect();
  try {
    if (schema) await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    const res = await client.query(
      'UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL',
      [migrationName],
    );
    if (!res.rowCount) {
      throw new MigrationError('failed_migration', `migration ${migrationName} has no failed record to mark as rolled back`, migrationName);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
