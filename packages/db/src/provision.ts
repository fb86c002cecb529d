/**
 * Least-privilege databases: each service gets a login role of its own (not superuser, cannot
 * create databases or roles) that owns its one database, and no other role may connect to that
 * database (`REVOKE ALL ... FROM PUBLIC`). Run with an admin connection before the services start:
 * by the platform launcher (packages/platform) and by deployments' one-shot job (`hall-db provision`).
 * Idempotent: an existing role gets its password and attributes set again, an existing database
 * its owner (and, when it was owned by another role, the ownership of its objects).
 */
import pg from 'pg';
import { quoteIdent } from './url.js';

export interface ServiceDatabase {
  /** Database name; also the role's name unless `role` is given. */
  database: string;
  role?: string;
  password: string;
}

/** The role of a service database (its name when not given). */
export const roleOf = (d: { database: string; role?: string }) => d.role ?? d.database;

/** A URL for the service: the admin URL's server, the service's role and password, its database. */
export function serviceDatabaseUrl(adminUrl: string, d: ServiceDatabase): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(roleOf(d));
  u.password = encodeURIComponent(d.password);
  u.pathname = `/${encodeURIComponent(d.database)}`;
  return u.toString();
}

/** A SQL string literal (standard_conforming_strings is on in every supported Postgres). */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * Gives the objects of a database that another role owned (made before roles were per service, by
 * the superuser) to its owner role, so that its migrations and queries keep working.
 */
const REOWN_OBJECTS = (role: string) => `DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND pg_get_userbyid(c.relowner) <> ${lit(role)} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO %I', CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.nspname, r.relname, ${lit(role)});
  END LOOP;
  FOR r IN SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND t.typtype IN ('e', 'd', 'c') AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      AND pg_get_userbyid(t.typowner) <> ${lit(role)}
  LOOP
    EXECUTE format('ALTER TYPE %I.%I OWNER TO %I', r.nspname, r.typname, ${lit(role)});
  END LOOP;
  FOR r IN SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND pg_get_userbyid(p.proowner) <> ${lit(role)}
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %I.%I(%s) OWNER TO %I', r.nspname, r.proname, r.args, ${lit(role)});
  END LOOP;
  FOR r IN SELECT n.nspname FROM pg_namespace n WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_%'
      AND pg_get_userbyid(n.nspowner) <> ${lit(role)}
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, ${lit(role)});
  END LOOP;
END $$`;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'hall-provision' });
  await client.connect();
  try { return await fn(client); } finally { await client.end().catch(() => undefined); }
}

/**
 * Creates (or brings up to date) each service's role and database on the server of `adminUrl`.
 * `closeMaintenance` also takes CONNECT on the `postgres` database away from PUBLIC (a server of
 * the platform's own; not on a shared server, where other users may rely on it).
 */
export async function provisionServiceDatabases(adminUrl: string, dbs: ServiceDatabase[], opts: { closeMaintenance?: boolean } = {}): Promise<void> {
  const reown: ServiceDatabase[] = [];
  await withClient(adminUrl, async (c) => {
    for (const d of dbs) {
      const role = roleOf(d);
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      await c.query(`${exists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(role)} ${ROLE_ATTRIBUTES} PASSWORD ${lit(d.password)}`);
      const db = await c.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [d.database]);
      if (!db.rowCount) {
        try {
          await c.query(`CREATE DATABASE ${quoteIdent(d.database)} OWNER ${quoteIdent(role)}`);
        } catch (err) {
          // Another launcher on the same server may have created it at the same moment.
          if ((err as { code?: string }).code !== '42P04') throw err;
        }
      } else if (db.rows[0]!.owner !== role) {
        await c.query(`ALTER DATABASE ${quoteIdent(d.database)} OWNER TO ${quoteIdent(role)}`);
        reown.push(d);
      }
      await c.query(`REVOKE ALL ON DATABASE ${quoteIdent(d.database)} FROM PUBLIC`);
    }
    if (opts.closeMaintenance) await c.query('REVOKE ALL ON DATABASE postgres FROM PUBLIC');
  });
  for (const d of reown) {
    const u = new URL(adminUrl);
    u.pathname = `/${encodeURIComponent(d.database)}`;
    await withClient(u.toString(), (c) => c.query(REOWN_OBJECTS(roleOf(d))));
  }
}

/** Drops the databases and then their roles (test platforms). */
export async function dropServiceDatabases(adminUrl: string, dbs: { database: string; role?: string }[]): Promise<void> {
  await withClient(adminUrl, async (c) => {
    for (const d of dbs) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(d.database)} WITH (FORCE)`);
    for (const d of dbs) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(roleOf(d))}`);
  });
}
