/**
 * Whole platforms for end-to-end tests: real processes, throwaway databases, a temporary data
 * directory. Each zone's roles and databases live on its own Postgres cluster, as with the run
 * command: the internet zone's on the machine's server (`PG_ADMIN_URL`), the extranet zone's on the
 * run's extranet cluster (src/zone-postgres.ts). `HALL_KEEP_DATA=1` keeps databases and logs of a failed run.
 *
 * Processes start from production bundles (deploy/build.ts, built once per test run by
 * `serviceBundles()` of @hall/testkit) rather than through tsx: a bundle loads in 0.3 s of CPU where tsx needs 1.5–2 s, and a
 * platform is twelve processes. `HALL_E2E_FROM_SOURCE=1` starts them from the TypeScript sources.
 *
 * `sharedPlatform()` is the one platform that the scenarios of test-e2e/platform.test.ts share
 * (test-e2e/scenarios/); a test that kills processes or infrastructure starts its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startPlatform, type Platform } from '@hall/platform';
import { serviceBundles, bundleEntry, pgAdminUrl } from '@hall/testkit';
import { EXTRANET_PG_ENV, startZoneCluster, type ZoneCluster } from './zone-postgres.js';

/**
 * Teardown of a whole platform: every process drains (SIGKILL after 10 s), then NATS, S3 and 16
 * databases are dropped. At load average 19 on two cores this took over a minute once.
 */
export const PLATFORM_STOP_TIMEOUT_MS = 180_000;

export interface TestPlatform { platform: Platform; dataDir: string; stop(): Promise<void> }

export async function startTestPlatform(name: string, logLevel = 'info'): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hall-${name}-`));
  const bundles = await serviceBundles();
  // The run's extranet cluster (the e2e layer's globalSetup), else one of this platform's own.
  const ownCluster: ZoneCluster | undefined = process.env[EXTRANET_PG_ENV] ? undefined : await startZoneCluster('extranet');
  let platform: Platform;
  try {
    platform = await startPlatform({
      dataDir,
      adminDatabaseUrl: { internet: pgAdminUrl(), extranet: ownCluster?.adminUrl ?? process.env[EXTRANET_PG_ENV]! },
      databasePrefix: `${name.replace(/[^a-z]/g, '')}_${randomUUID().slice(0, 8)}`,
      seed: true,
      logLevel,
      // Two whole platforms may run at once (jest's two workers) on servers with 100 connections.
      databasePoolMax: 3,
      ...(bundles ? { entry: (spec) => bundleEntry(bundles, spec.service) } : {}),
    });
  } catch (err) {
    await ownCluster?.stop();
    throw err;
  }
  return {
    platform, dataDir,
    stop: async () => {
      try {
        await platform.stop();
        if (process.env.HALL_KEEP_DATA) { process.stdout.write(`platform data kept in ${dataDir}\n`); return; }
        await platform.dropDatabases();
        fs.rmSync(dataDir, { recursive: true, force: true });
      } finally {
        await ownCluster?.stop();
      }
    },
  };
}

let shared: Promise<TestPlatform> | undefined;
let afterStop: Array<() => Promise<void>> = [];

/** The platform shared by the scenarios of one test file, started on first use. */
export function sharedPlatform(): Promise<TestPlatform> {
  return (shared ??= startTestPlatform('shared', 'info'));
}

/** Something a scenario started that the shared platform's processes use until they stop (a proxy). */
export function onSharedPlatformStopped(fn: () => Promise<void>): void {
  afterStop.push(fn);
}

/** Stops the shared platform if it was started (the test file's last afterAll), then what scenarios registered. */
export async function stopSharedPlatform(): Promise<void> {
  const p = shared;
  const after = afterStop;
  shared = undefined;
  afterStop = [];
  try {
    if (p) await (await p.catch(() => undefined))?.stop();
  } finally {
    for (const fn of after) await fn();
  }
}
