/**
 * A Postgres cluster of its own for one zone of the tests' whole platforms (issue 20: each zone has
 * its own cluster in every way of running). The machine's server (`PG_ADMIN_URL`) is the internet
 * zone's; the extranet zone gets a throwaway cluster started with the run command's code
 * (packages/platform/src/postgres.ts: the embedded binaries, initdb with a generated superuser
 * password, 127.0.0.1 only, as the `postgres` user when run by root).
 *
 * An initdb costs a few seconds of CPU, so the e2e layer's globalSetup
 * (scripts/jest/global-setup-e2e.mjs) starts one for the whole run and hands its admin URL to the
 * workers in HALL_TEST_PG_EXTRANET_URL; every platform of the run creates its uniquely prefixed
 * roles and databases on it, as on the machine's server. `startTestPlatform` outside such a run
 * starts one of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { planPostgres, startCluster } from '@hall/platform/postgres';
import type { ZoneName } from '@hall/platform';
import { freePort } from '@hall/testkit';
import { trackDir, untrackDir } from '@hall/testkit/processes';

export interface ZoneCluster { zone: ZoneName; adminUrl: string; logFile: string; stop(): Promise<void> }

/** Environment variable naming the run's extranet cluster (its superuser's admin URL). */
export const EXTRANET_PG_ENV = 'HALL_TEST_PG_EXTRANET_URL';

/** Initialises and starts a cluster for `zone` in a temporary folder; `stop()` stops it and removes its folders. */
export async function startZoneCluster(zone: ZoneName): Promise<ZoneCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hall-pg-${zone}-`));
  const logFile = path.join(dir, `postgres-${zone}.log`);
  // As root the cluster lives under /var/lib/hall/<hash of dir>/, where the postgres user reaches it.
  const layout = planPostgres(dir, [zone]);
  const folders = [dir, ...(layout.outside ? [layout.outside] : [])];
  for (const f of folders) trackDir(f);
  const remove = (all: boolean) => {
    // A failed start keeps its log (the error names it); the cluster's files go either way.
    for (const f of folders) {
      if (all || f !== dir) fs.rmSync(f, { recursive: true, force: true });
      untrackDir(f);
    }
    if (!all) fs.rmSync(layout.clusterDir[zone], { recursive: true, force: true });
  };
  try {
    const cluster = await startCluster({
      zone, layout, port: await freePort(), password: randomBytes(24).toString('hex'), clusterId: randomBytes(8).toString('hex'), logFile,
    });
    return {
      zone, adminUrl: cluster.adminUrl, logFile,
      stop: async () => {
        await cluster.stop();
        if (process.env.HALL_KEEP_DATA) {
          for (const f of folders) untrackDir(f);
          process.stdout.write(`${zone} Postgres cluster kept in ${layout.clusterDir[zone]} (log ${logFile})\n`);
          return;
        }
        remove(true);
      },
    };
  } catch (err) {
    remove(false);
    throw err;
  }
}
