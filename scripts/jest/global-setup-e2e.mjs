/**
 * Jest globalSetup of the e2e layer: the service layer's shared infrastructure (global-setup.mjs,
 * which returns at once when the service layer's call already started it) and, beside it, the
 * run's Postgres cluster of the extranet zone (test-e2e/src/zone-postgres.ts): whole platforms
 * put each zone's roles and databases on its own cluster, the internet zone's on the machine's
 * server. One initdb per run that has e2e files, none for a run of other layers only. Its admin URL
 * reaches the workers in HALL_TEST_PG_EXTRANET_URL; global-teardown.mjs stops it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import sharedSetup from './global-setup.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup(globalConfig, projectConfig) {
  const startCluster = async () => {
    if (globalThis.__hallZonePostgres) return;
    const zp = await tsImport(path.join(ROOT, 'test-e2e/src/zone-postgres.ts'), import.meta.url);
    const started = Date.now();
    const cluster = await zp.startZoneCluster('extranet');
    globalThis.__hallZonePostgres = cluster;
    process.env[zp.EXTRANET_PG_ENV] = cluster.adminUrl;
    process.stdout.write(`extranet Postgres cluster of the run: port ${new URL(cluster.adminUrl).port} in ${Date.now() - started} ms\n`);
  };
  const results = await Promise.allSettled([sharedSetup(globalConfig, projectConfig), startCluster()]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    // Jest runs no teardown after a failed setup: stop whatever did start.
    await (await import('./global-teardown.mjs')).default();
    throw failed.reason;
  }
}
