/**
 * The whole platform for one e2e test file: real processes, throwaway databases on the machine's
 * Postgres, a temporary data directory. `HALL_KEEP_DATA=1` keeps databases and logs of a failed run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startPlatform, type Platform } from '@hall/platform';

/**
 * Teardown of a whole platform: every process drains (SIGKILL after 10 s), then NATS, S3 and 16
 * databases are dropped. At load average 19 on two cores this took over a minute once.
 */
export const PLATFORM_STOP_TIMEOUT_MS = 180_000;

export interface TestPlatform { platform: Platform; dataDir: string; stop(): Promise<void> }

export async function startTestPlatform(name: string, logLevel = 'info'): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hall-${name}-`));
  const platform = await startPlatform({
    dataDir,
    adminDatabaseUrl: process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databasePrefix: `${name.replace(/[^a-z]/g, '')}_${randomUUID().slice(0, 8)}`,
    seed: true,
    logLevel,
    // Two whole platforms may run at once (jest's two workers) on a Postgres with 100 connections.
    databasePoolMax: 3,
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
