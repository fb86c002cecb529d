/**
 * Least-privilege service databases on one shared server (as test platforms run): each role owns
 * its database only, is no superuser, cannot reach another service's database, and applies a
 * service's real migrations as the owner.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropServiceDatabases, ensureDatabase, migrate, provisionServiceDatabases, serviceDatabaseUrl } from '../src/index.js';
import { adminQuery, query, SERVER_URL, uniqueDbName } from './helpers.js';

const ADMIN = `${SERVER_URL}/postgres`;
const CATALOG_MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services/catalog/prisma/migrations');

async function connectError(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('provisionServiceDatabases', () => {
  const a = { database: uniqueDbName('prov_a'), password: randomBytes(12).toString('hex') };
  const b = { database: uniqueDbName('prov_b'), password: randomBytes(12).toString('hex') };
  afterAll(() => dropServiceDatabases(ADMIN, [a, b]));

  it('gives each service a plain login role that owns its database and cannot connect to another', async () => {
    await provisionServiceDatabases(ADMIN, [a, b]);
    const roles = await adminQuery<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolcanlogin: boolean }>(
      'SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname', [[a.database, b.database]]);
    expect(roles).toEqual([a, b].map((d) => ({ rolname: d.database, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolcanlogin: true })).sort((x, y) => x.rolname.localeCompare(y.rolname)));
    const owners = await adminQuery<{ datname: string; owner: string }>('SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1)', [[a.database, b.database]]);
    expect(Object.fromEntries(owners.map((o) => [o.datname, o.owner]))).toEqual({ [a.database]: a.database, [b.database]: b.database });

    const aUrl = serviceDatabaseUrl(ADMIN, a);
    expect(new URL(aUrl).username).toBe(a.database);
    // A's credentials on B's database: refused by the server (42501 insufficient privilege).
    expect(await connectError(serviceDatabaseUrl(ADMIN, { ...a, role: a.database, database: b.database }))).toBe('42501');
    expect(await connectError(serviceDatabaseUrl(ADMIN, { ...b, role: b.database, database: a.database }))).toBe('42501');
    expect(await connectError(aUrl)).toBeUndefined();
  });

  it('lets the owning role start a service: ensureDatabase, then the real migrations', async () => {
    const aUrl = serviceDatabaseUrl(ADMIN, a);
    await ensureDatabase(aUrl);
    const r = await migrate({ databaseUrl: aUrl, migrationsDir: CATALOG_MIGRATIONS });
    expect(r.applied.length).toBeGreaterThan(0);
    const [super_] = await query<{ s: string }>(aUrl, "SELECT current_setting('is_superuser') AS s");
    expect(super_!.s).toBe('off');
  });

  it('is idempotent and hands objects another role made (the old superuser layout) to the owner', async () => {
    const c = { database: uniqueDbName('prov_c'), password: 'x' };
    try {
      await adminQuery(`CREATE DATABASE "${c.database}"`);
      await query(`${SERVER_URL}/${c.database}`, 'CREATE TABLE legacy (id serial PRIMARY KEY); CREATE TYPE mood AS ENUM (\'ok\')');
      await provisionServiceDatabases(ADMIN, [c]);
      await provisionServiceDatabases(ADMIN, [c]);
      const cUrl = serviceDatabaseUrl(ADMIN, c);
      await query(cUrl, "INSERT INTO legacy DEFAULT VALUES; ALTER TABLE legacy ADD COLUMN m mood DEFAULT 'ok'");
      expect(await query(cUrl, 'SELECT id, m FROM legacy')).toEqual([{ id: 1, m: 'ok' }]);
    } finally {
      await dropServiceDatabases(ADMIN, [c]);
    }
    expect(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [c.database])).toEqual([]);
  });
});
