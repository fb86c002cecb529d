/**
 * Command line for the migration runner and drift check, used by scripts/ and deploy/ because the
 * Prisma CLI cannot apply migrations on these machines:
 *
 *   DATABASE_URL=... tsx packages/db/src/cli.ts migrate <migrationsDir> [--create-db]
 *   DATABASE_URL=... tsx packages/db/src/cli.ts drift <schema.prisma>
 *   DATABASE_URL=... tsx packages/db/src/cli.ts resolve-rolled-back <migration_name>
 *   DATABASE_URL=<admin> DB_PASSWORD_X=... tsx packages/db/src/cli.ts provision [--close-maintenance] <database>=<PASSWORD_VAR>...
 */
import { createLogger } from '@hall/logging';
import { ensureDatabase } from './ensure-database.js';
import { migrate, markMigrationRolledBack, MigrationError } from './migrate.js';
import { checkDrift, formatDriftProblems } from './drift.js';
import { provisionServiceDatabases } from './provision.js';

const USAGE = `usage (DATABASE_URL must be set):
  hall-db migrate <migrationsDir> [--create-db]
  hall-db drift <schema.prisma>
  hall-db resolve-rolled-back <migration_name>
  hall-db provision [--close-maintenance] <database>=<PASSWORD_VAR>...   (DATABASE_URL: an admin connection)`;

async function main(argv: string[]): Promise<number> {
  const [command, target, ...flags] = argv;
  const databaseUrl = process.env.DATABASE_URL;
  if (!command || !target || !databaseUrl) {
    process.stderr.write(`${!databaseUrl && command ? 'DATABASE_URL is not set\n' : ''}${USAGE}\n`);
    return 2;
  }
  const logger = createLogger({ service: 'db-cli', level: process.env.LOG_LEVEL ?? 'info' });
  switch (command) {
    case 'migrate': {
      if (flags.includes('--create-db')) await ensureDatabase(databaseUrl);
      const { applied } = await migrate({ databaseUrl, migrationsDir: target, logger });
      process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
      return 0;
    }
    case 'drift': {
      const problems = await checkDrift({ databaseUrl, schemaPath: target });
      if (problems.length === 0) {
        process.stdout.write(`no drift: database matches ${target}\n`);
        return 0;
      }
      process.stderr.write(`drift: database does not match ${target}:\n${formatDriftProblems(problems)}\n`);
      return 1;
    }
    case 'provision': {
      // A login role per service database, owning it, no other role may connect (provision.ts);
      // each role's password is read from the named environment variable, never from argv.
      const specs = [target, ...flags].filter((a) => a !== '--close-maintenance');
      const dbs = specs.map((spec) => {
        const [database, passwordVar] = spec.split('=');
        const password = passwordVar ? process.env[passwordVar] : undefined;
        if (!database || !password) throw new Error(`${spec}: expected <database>=<PASSWORD_VAR> with that variable set`);
        return { database, password };
      });
      await provisionServiceDatabases(databaseUrl, dbs, { closeMaintenance: argv.includes('--close-maintenance') });
      process.stdout.write(`provisioned ${dbs.length} database(s) and role(s): ${dbs.map((d) => d.database).join(', ')}\n`);
      return 0;
    }
    case 'resolve-rolled-back': {
      await markMigrationRolledBack(databaseUrl, target);
      process.stdout.write(`marked ${target} as rolled back; it will be applied again by the next migrate\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const prefix = err instanceof MigrationError ? `migration refused (${err.code})` : 'error';
    process.stderr.write(`${prefix}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
