/**
 * Jest globalSetup of the service and end-to-end layers (both name it; the second call finds the
 * first one's infrastructure and returns): checks Postgres once, starts the run's shared NATS
 * servers and S3 endpoints (one per zone for each worker, packages/testkit/src/shared-infra.ts)
 * and tells the workers where they are through HALL_TEST_INFRA. Loaded through tsx so that it can
 * use the TypeScript test kit as is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup(globalConfig) {
  if (globalThis.__hallSharedInfra) return;
  const kit = await tsImport(path.join(ROOT, 'packages/testkit/src/index.ts'), import.meta.url);
  const infra = await tsImport(path.join(ROOT, 'packages/testkit/src/shared-infra.ts'), import.meta.url);
  await kit.checkPostgres();
  const slots = Math.max(1, globalConfig.maxWorkers ?? 1);
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const file = path.join(ROOT, '.tmp', `test-infra-${process.pid}.json`);
  const started = Date.now();
  globalThis.__hallSharedInfra = await infra.startSharedInfra({ slots, file });
  process.env.HALL_TEST_INFRA = file;
  process.stdout.write(`\nshared test infrastructure: ${slots} × (NATS + S3) per zone in ${Date.now() - started} ms\n`);
}
