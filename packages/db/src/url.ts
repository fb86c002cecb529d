/**
 * Connection-string helpers shared by the migration runner, the drift check and the Prisma client
 * factory. Services use Prisma-style URLs, which may carry `?schema=`; `pg` does not understand that
 * parameter, so it is taken out here and applied as a search_path / adapter option instead.
 */

export interface ParsedDatabaseUrl {
  /** The URL with Prisma-only parameters removed, safe to hand to `pg`. */
  connectionString: string;
  /** Target schema from `?schema=`, when given. */
  schema: string | undefined;
  /** Database name from the URL path. */
  database: string;
}

export function parseDatabaseUrl(databaseUrl: string): ParsedDatabaseUrl {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Never echo the URL itself: it may carry a password.
    throw new Error('DATABASE_URL is not a valid URL (expected postgresql://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must use the postgres:// or postgresql:// scheme, got ${url.protocol}`);
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL names no database');
  return { connectionString: url.toString(), schema: schema || undefined, database };
}

/** Same server and credentials, but the maintenance database, from where CREATE DATABASE can run. */
export function maintenanceUrl(databaseUrl: string, maintenanceDb = 'postgres'): string {
  const url = new URL(parseDatabaseUrl(databaseUrl).connectionString);
  url.pathname = `/${encodeURIComponent(maintenanceDb)}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
