/**
 * Whole platforms for end-to-end tests: real processes, throwaway databases on the machine's
 * Postgres, a temporary data directory. `HALL_KEEP_DATA=1` keeps databases and logs of a failed run.
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
import { serviceBundles, bundleEntry } from '@hall/testkit';

/**
 * Teardown of a whole platform: every process drains (SIGKILL after 10 s), then NATS, S3 and 16
 * databases are dropped. At load average 19 on two cores this took over a minute once.
 */
export const PLATFORM_STOP_TIMEOUT_MS = 180_000;

export interface TestPlatform { platform: Platform; dataDir: string; stop(): Promise<void> }

export async function startTestPlatform(name: string, logLevel = 'info'): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hall-${name}-`));
  const bundles = await serviceBundles();
  const platform: Platform = await startPlatform({
    dataDir,
    adminDatabaseUrl: process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databasePrefix: `${name.replace(/[^a-z]/g, '')}_${randomUUID().slice(0, 8)}`,
    seed: true,
    logLevel,
    // Two whole platforms may run at once (jest's two workers) on a Postgres with 100 connections.
    databasePoolMax: 3,
    ...(bundles ? { entry: (spec) => bundleEntry(bundles, spec.service) } : {}),
  });
  return {
    platform, dataDir,
    stop: async () => {
      await platform.stop();
      if (process.env.HALL_KEEP_DATA) { process.stdout.write(`platform data kept in ${dataDir}\n`); return; }
      await platform.dropDatabases();
      fs.rmSync(dataDir, { recursive: true, force: true });
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
