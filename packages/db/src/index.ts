/**
 * @hall/db: what every service needs around Postgres besides its generated Prisma client: creating
 * the database, applying Prisma-layout SQL migrations without the Prisma CLI, checking the migrated
 * database against schema.prisma, and building the client on the `pg` driver adapter.
 */
export { ensureDatabase } from './ensure-database.js';
export {
  migrate,
  markMigrationRolledBack,
  readMigrations,
  migrationChecksum,
  checksumMatches,
  MigrationError,
  MIGRATION_LOCK_KEY,
  type MigrationErrorCode,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrate.js';
export {
  checkDrift,
  assertNoDrift,
  formatDriftProblems,
  DriftError,
  type DriftProblem,
  type DriftProblemKind,
  type DriftOptions,
} from './drift.js';
export { parsePrismaSchema, PrismaSchemaParseError, type PrismaSchema, type PrismaModel, type PrismaField, type PrismaEnum } from './prisma-schema.js';
export { createPrismaClient, TRANSACTION_OPTIONS, type SqlExecutor, type PrismaClientOptions } from './client.js';
export { parseDatabaseUrl } from './url.js';
export * from './audit.js';
export { provisionServiceDatabases, dropServiceDatabases, serviceDatabaseUrl, roleOf, type ServiceDatabase } from './provision.js';
