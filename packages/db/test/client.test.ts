import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrismaPg } from '@prisma/adapter-pg';
import { createPrismaClient, ensureDatabase } from '../src/index.js';
import { dbUrl, dropDatabase, query, tempDir, uniqueDbName, writeMigration } from './helpers.js';

/** Stands in for a generated PrismaClient: it only has to accept `{ adapter }`. */
class FakeClient {
  constructor(readonly opts: { adapter: unknown }) {}
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('createPrismaClient', () => {
  it('hands the client a pg driver adapter that reaches the database, with the ?schema= option', async () => {
    const name = uniqueDbName('hall_client_test');
    await ensureDatabase(dbUrl(name));
    try {
      const client = createPrismaClient(FakeClient, `${dbUrl(name)}?schema=svc`, { max: 2 });
      const adapter = await (client.opts.adapter as PrismaPg).connect();
      try {
        expect(adapter.getConnectionInfo().schemaName).toBe('svc');
        const res = await adapter.queryRaw({ sql: 'SELECT current_database() AS db', args: [], argTypes: [] });
        expect(res.rows).toEqual([[name]]);
      } finally {
        await adapter.dispose();
      }
    } finally {
      await dropDatabase(name);
    }
  });
});

describe('cli', () => {
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  const cli = path.join(ROOT, 'packages/db/src/cli.ts');
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(tsx, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 30_000 });

  it('migrates (creating the database), reports drift, and exits non-zero with a clear message on failure', async () => {
    const name = uniqueDbName('hall_cli_test');
    const dir = await tempDir('hall-cli');
    await writeMigration(dir, '20260101000000_init', 'CREATE TABLE thing (id integer PRIMARY KEY);');
    try {
      const ok = run(['migrate', dir, '--create-db'], { DATABASE_URL: dbUrl(name) });
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('applied 1 migration(s): 20260101000000_init');
      expect(ok.status).toBe(0);
      expect(await query(dbUrl(name), 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 1 }]);

      await writeMigration(dir, '20260101000000_init', 'CREATE TABLE thing (id bigint PRIMARY KEY);');
      const refused = run(['migrate', dir], { DATABASE_URL: dbUrl(name) });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('migration refused (checksum_mismatch): migration 20260101000000_init was modified');

      const schemaPath = path.join(dir, 'schema.prisma');
      await writeFile(schemaPath, 'model Thing {\n  id BigInt @id\n  @@map("thing")\n}\n');
      const drift = run(['drift', schemaPath], { DATABASE_URL: dbUrl(name) });
      expect(drift.status).toBe(1);
      expect(drift.stderr).toContain('Thing.id: type_mismatch (expected bigint, actual integer)');

      const usage = run(['migrate', dir], { DATABASE_URL: '' });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('DATABASE_URL is not set');
    } finally {
      await dropDatabase(name);
    }
  });
});
