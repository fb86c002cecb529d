/**
 * Creates the service's database when it does not exist yet, so a fresh Postgres server (the
 * developer's, CI's, the demo's) needs no manual setup before the migration runner starts.
 */
import pg from 'pg';
import { maintenanceUrl, parseDatabaseUrl, quoteIdent } from './url.js';

/** SQLSTATE of a connection to a database that does not exist. */
const INVALID_CATALOG_NAME = '3D000';
/** SQLSTATEs Postgres uses when a concurrent CREATE DATABASE of the same name won the race. */
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { database, connectionString } = parseDatabaseUrl(databaseUrl);
  // A service's own role (packages/db/src/provision.ts) may connect to its database and nowhere
  // else, not even to the maintenance database: a database that answers needs nothing more.
  const own = new pg.Client({ connectionString, application_name: 'hall-ensure-db' });
  try {
    await own.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_CATALOG_NAME) throw err;
  } finally {
    await own.end().catch(() => undefined);
  }
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl), application_name: 'hall-ensure-db' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (err) {
      // Two services (or two test workers) may both have seen "missing"; the loser of the race gets
      // 42P04, or 23505 from the catalog's unique index when both inserts were in flight together.
      const code = (err as { code?: string }).code;
      if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw err;
    }
  } finally {
    await client.end();
  }
}
