/**
 * Command line import of a base registry file, with a progress bar:
 *
 *   pnpm --filter @hall/exchange import-registry -- --registry population --file people.csv
 *   pnpm --filter @hall/exchange import-registry -- --registry enterprise --file companies.json
 *
 * Reads DATABASE_URL (the exchange database; migrated first). Bad rows are listed with their line
 * and reason; the good rows are imported anyway. Exit 0 when every row was good, 2 when some were
 * refused, 64 on wrong usage, 78 on bad configuration, 1 on any other failure.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { loadConfig, ConfigError, Type, Vars } from '@hall/config';
import { migrate } from '@hall/db';
import { createLogger } from '@hall/logging';
import { createPrisma } from './db.js';
import { importRegistry, type Registry } from './registries/import.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const usage = 'usage: import-registry --registry population|enterprise --file <path.csv|path.json>';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { registry: { type: 'string' }, file: { type: 'string' }, 'batch-size': { type: 'string' } }, allowPositionals: false });
  const registry = values.registry as Registry | undefined;
  if ((registry !== 'population' && registry !== 'enterprise') || !values.file) {
    process.stderr.write(`${usage}\n`);
    return 64;
  }
  let config: { DATABASE_URL: string; LOG_LEVEL: string };
  try {
    config = loadConfig(Type.Object({ DATABASE_URL: Vars.url(), LOG_LEVEL: Type.String({ default: 'warn' }) }), process.env);
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`import-registry: ${err.message}\n`); return 78; }
    throw err;
  }
  const logger = createLogger({ service: 'exchange-import', level: config.LOG_LEVEL });
  await migrate({ databaseUrl: config.DATABASE_URL, migrationsDir: path.resolve(here, '../prisma/migrations'), logger });
  const db = createPrisma(config.DATABASE_URL, 2);
  const bar = new cliProgress.SingleBar({
    format: `${registry} |{bar}| {percentage}% {value}/{total} rows`, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 500, hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  try {
    const result = await importRegistry({
      db, registry, file: path.resolve(values.file), batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
      onProgress: (done, total) => { if (done === 0) bar.start(total, 0); else bar.update(done); },
    });
    bar.stop();
    for (const b of result.bad) process.stdout.write(`line ${b.line}: ${b.reason}\n`);
    process.stdout.write(`${result.registry}: ${result.imported} imported, ${result.bad.length} refused, ${result.total} rows in ${result.source}\n`);
    return result.bad.length ? 2 : 0;
  } finally {
    bar.stop();
    await db.$disconnect();
  }
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`import-registry: ${err.message}\n`);
  process.exit(1);
});
