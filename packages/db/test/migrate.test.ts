import { createHash } from 'node:crypto';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureDatabase, markMigrationRolledBack, migrate, MigrationError } from '../src/index.js';
import { dbUrl, dropDatabase, query, tempDir, uniqueDbName, writeMigration } from './helpers.js';

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

const M1 = 'CREATE TABLE account (id uuid PRIMARY KEY, name text NOT NULL);\n';
// Depends on M1: proves the order, since it fails if applied first.
const M2 = 'ALTER TABLE account ADD COLUMN email text;\nCREATE TABLE seed_marker (n integer NOT NULL);\n';
// Data side effect: shows how many times it ran.
const M3 = "INSERT INTO seed_marker (n) VALUES (1);\nINSERT INTO account (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'admin');\n";

async function threeMigrations(): Promise<string> {
  const dir = await tempDir('hall-migrations');
  // Written out of order on purpose: the runner must sort by name, not by directory order.
  await writeMigration(dir, '20260103000000_seed', M3);
  await writeMigration(dir, '20260101000000_init', M1);
  await writeMigration(dir, '20260102000000_email', M2);
  await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  return dir;
}

async function rows(url: string): Promise<Row[]> {
  return query<Row>(url, 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name');
}

describe('migrate', () => {
  let name: string;
  let url: string;
  beforeEach(async () => {
    name = uniqueDbName();
    url = dbUrl(name);
    await ensureDatabase(url);
  });
  afterEach(async () => {
    await dropDatabase(name);
  });

  it('applies pending migrations in name order and records them as Prisma does', async () => {
    const dir = await threeMigrations();
    const result = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(result).toEqual({ applied: ['20260101000000_init', '20260102000000_email', '20260103000000_seed'], upToDate: false });

    const recorded = await rows(url);
    expect(recorded.map((r) => r.migration_name)).toEqual(result.applied);
    expect(recorded.map((r) => r.checksum)).toEqual([sha256(M1), sha256(M2), sha256(M3)]);
    for (const r of recorded) {
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    const cols = await query<{ column_name: string }>(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'account' ORDER BY ordinal_position");
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'name', 'email']);

    // The table must be the one Prisma itself creates, or `prisma migrate deploy` would not accept it.
    const table = await query<{ column_name: string; data_type: string; is_nullable: string; character_maximum_length: number | null }>(
      url,
      "SELECT column_name, data_type, is_nullable, character_maximum_length FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position",
    );
    expect(table).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO', character_maximum_length: 36 },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO', character_maximum_length: 64 },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES', character_maximum_length: null },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO', character_maximum_length: 255 },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES', character_maximum_length: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES', character_maximum_length: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO', character_maximum_length: null },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO', character_maximum_length: null },
    ]);
  });

  it('applies nothing on a second run, and only the new migration on a later one', async () => {
    const dir = await threeMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(await migrate({ databaseUrl: url, migrationsDir: dir })).toEqual({ applied: [], upToDate: true });
    expect(await query(url, 'SELECT * FROM seed_marker')).toHaveLength(1);

    await writeMigration(dir, '20260104000000_more', 'ALTER TABLE account ADD COLUMN phone text;');
    expect(await migrate({ databaseUrl: url, migrationsDir: dir })).toEqual({ applied: ['20260104000000_more'], upToDate: false });
    expect(await rows(url)).toHaveLength(4);
    expect(await query(url, 'SELECT * FROM seed_marker')).toHaveLength(1);
  });

  it('refuses when an applied migration was edited, but tolerates a CRLF checkout as Prisma does', async () => {
    const dir = await threeMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const file = path.join(dir, '20260102000000_email', 'migration.sql');

    await writeFile(file, M2.replace(/\n/g, '\r\n'));
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).resolves.toEqual({ applied: [], upToDate: true });

    await writeFile(file, `${M2}ALTER TABLE account ADD COLUMN sneaky text;\n`);
    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ code: 'checksum_mismatch', migration: '20260102000000_email' });
    expect((err as Error).message).toContain('20260102000000_email');
    const cols = await query(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'account' AND column_name = 'sneaky'");
    expect(cols).toHaveLength(0);
  });

  it('refuses when the folder of an applied migration disappeared', async () => {
    const dir = await threeMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await rm(path.join(dir, '20260101000000_init'), { recursive: true });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toMatchObject({
      code: 'missing_file',
      migration: '20260101000000_init',
    });
  });

  it('applies each migration exactly once when two runners start together on a fresh database', async () => {
    const dir = await threeMigrations();
    const [a, b] = await Promise.all([
      migrate({ databaseUrl: url, migrationsDir: dir }),
      migrate({ databaseUrl: url, migrationsDir: dir }),
    ]);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 3]);
    expect(await rows(url)).toHaveLength(3);
    expect(await query(url, 'SELECT * FROM seed_marker')).toHaveLength(1);
    expect(await query(url, 'SELECT * FROM account')).toHaveLength(1);
  });

  it('follows a symlinked migration folder (shared messaging migration) and refuses a dangling one', async () => {
    const dir = await threeMigrations();
    const shared = await tempDir('hall-shared');
    const sharedSql = 'CREATE TABLE outbox (id bigserial PRIMARY KEY, subject text NOT NULL);\n';
    const target = await writeMigration(shared, '20260100000000_messaging', sharedSql);
    await symlink(target, path.join(dir, '20260100000000_messaging'), 'dir');

    const result = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(result.applied[0]).toBe('20260100000000_messaging');
    expect(await query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'outbox'")).toHaveLength(1);
    const recorded = await rows(url);
    expect(recorded.find((r) => r.migration_name === '20260100000000_messaging')?.checksum).toBe(sha256(await readFile(path.join(target, 'migration.sql'))));

    await symlink(path.join(shared, 'gone'), path.join(dir, '20260105000000_dangling'), 'dir');
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toMatchObject({ code: 'missing_file', migration: '20260105000000_dangling' });
  });

  it('rolls back a failing migration, records it as failed, refuses next time, and resumes once resolved', async () => {
    const dir = await threeMigrations();
    const bad = 'CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;\n';
    await writeMigration(dir, '20260102500000_broken', bad);

    const first = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'apply_failed', migration: '20260102500000_broken' });
    expect((first as Error).message).toContain('no_such_table');
    // Its own transaction was rolled back; the migrations before it stay applied, the ones after it never ran.
    expect(await query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toHaveLength(0);
    const recorded = await rows(url);
    expect(recorded.map((r) => [r.migration_name, r.finished_at === null])).toEqual([
      ['20260101000000_init', false],
      ['20260102000000_email', false],
      ['20260102500000_broken', true],
    ]);
    expect(recorded[2]?.logs).toContain('no_such_table');

    const second = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(MigrationError);
    expect(second).toMatchObject({ code: 'failed_migration', migration: '20260102500000_broken' });
    expect((second as Error).message).toMatch(/20260102500000_broken failed earlier.*rolled back/s);

    await writeMigration(dir, '20260102500000_broken', 'CREATE TABLE half_done (id int);\n');
    await markMigrationRolledBack(url, '20260102500000_broken');
    const third = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(third.applied).toEqual(['20260102500000_broken', '20260103000000_seed']);
    expect(await query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toHaveLength(1);
  });

  it('applies into the schema named by a Prisma-style ?schema= parameter', async () => {
    const dir = await threeMigrations();
    await migrate({ databaseUrl: `${url}?schema=svc`, migrationsDir: dir });
    const tables = await query<{ table_schema: string }>(url, "SELECT table_schema FROM information_schema.tables WHERE table_name IN ('account', '_prisma_migrations')");
    expect(tables.map((t) => t.table_schema)).toEqual(['svc', 'svc']);
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database once and is a no-op afterwards, also when callers race', async () => {
    const name = uniqueDbName();
    try {
      await Promise.all([ensureDatabase(dbUrl(name)), ensureDatabase(dbUrl(name)), ensureDatabase(dbUrl(name))]);
      await ensureDatabase(dbUrl(name));
      const found = await query(dbUrl(name), 'SELECT current_database() AS db');
      expect(found).toEqual([{ db: name }]);
    } finally {
      await dropDatabase(name);
    }
  });
});
