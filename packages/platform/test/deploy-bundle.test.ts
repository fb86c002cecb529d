/**
 * deploy/build.ts builds the production bundle of every service with no network (inside an empty
 * network namespace where the machine allows one), into a folder outside the repository so that
 * nothing can be resolved from the workspace's node_modules; then the whole platform runs from
 * those bundles (`node <bundle>/server.mjs`, no tsx) against local infrastructure: every process
 * answers /ready 200 (each has migrated its database, connected to its zone's NATS and object
 * store), a Prisma model query answers, and the bundled migration runner migrates and
 * drift-checks a fresh database on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createTestDatabase, pgAdminUrl } from '@hall/testkit';
import { startPlatform, PROCESSES, REPO_ROOT, type Platform } from '../src/index.js';
import { unitEnv, zoneRelayHalves, zoneServices } from '../../../deploy/model.js';

/** Settings of the local demo only. */
const LOCAL_ONLY = new Set(['SEED_DEMO', 'NOTIFY_MAILBOX_DIR']);
let outDir: string;
let dataDir: string;
let platform: Platform | undefined;

/** `unshare -n` runs the build in a network namespace with only a downed loopback: any download fails. */
function offline(cmd: string[]): string[] {
  const probe = spawnSync('unshare', ['-n', 'true']);
  return probe.status === 0 ? ['unshare', '-n', ...cmd] : cmd;
}

beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-bundles-'));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-bundle-platform-'));
});

afterAll(async () => {
  await platform?.stop();
  await platform?.dropDatabases();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
}, 60_000);

describe('production bundles (deploy/build.ts)', () => {
  it('builds a bundle of every service and the tools without network access', () => {
    const [cmd, ...args] = offline([process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'deploy/build.ts'), '--out', outDir]);
    const r = spawnSync(cmd!, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const service of new Set(PROCESSES.map((p) => p.service))) {
      expect(fs.existsSync(path.join(outDir, service, 'server.mjs'))).toBe(true);
      // Migrations travel with the bundle, where the relocated import.meta.url looks for them.
      expect(fs.readdirSync(path.join(outDir, service, 'services', service, 'prisma/migrations')).some((d) => /^\d{14}_/.test(d))).toBe(true);
      expect(fs.existsSync(path.join(outDir, service, 'packages/messaging/migrations/20260101000000_messaging/migration.sql'))).toBe(true);
    }
    // The Prisma query compiler (WebAssembly, base64) is inside the bundle: nothing to fetch at start.
    expect(fs.readFileSync(path.join(outDir, 'catalog/server.mjs'), 'utf8')).toContain('query_compiler_fast_bg');
    expect(fs.existsSync(path.join(outDir, 'tools/hall-db.mjs'))).toBe(true);
    expect(fs.existsSync(path.join(outDir, 'tools/provision.mjs'))).toBe(true);
  }, 150_000);

  it('runs the bundled migration runner and drift check on a fresh database', async () => {
    const db = await createTestDatabase({ prefix: 'bundle_migrate' });
    try {
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
      const migrationsDir = path.join(outDir, 'tools/services/catalog/prisma/migrations');
      const m = spawnSync(process.execPath, [path.join(outDir, 'tools/hall-db.mjs'), 'migrate', migrationsDir], { cwd: os.tmpdir(), env, encoding: 'utf8' });
      expect(m.stderr).toBe('');
      expect(m.stdout).toMatch(/applied \d+ migration/);
      const d = spawnSync(process.execPath, [path.join(outDir, 'tools/hall-db.mjs'), 'drift', path.join(outDir, 'tools/services/catalog/prisma/schema.prisma')], { cwd: os.tmpdir(), env, encoding: 'utf8' });
      expect(d.stdout).toMatch(/no drift/);
      expect(d.status).toBe(0);
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('starts every process of both zones from its bundle; each answers /ready 200', async () => {
    platform = await startPlatform({
      dataDir,
      adminDatabaseUrl: pgAdminUrl(),
      databasePrefix: `bundle_${randomUUID().slice(0, 8)}`,
      seed: false,
      logLevel: 'warn',
      entry: (spec) => ['--enable-source-maps', path.join(outDir, spec.service, 'server.mjs')],
    });
    for (const spec of PROCESSES) {
      const res = await fetch(`${platform.url(spec.name)}/ready`);
      expect({ process: spec.name, status: res.status }).toEqual({ process: spec.name, status: 200 });
      // Started from the bundle, not from the TypeScript sources.
      expect(platform.processes[spec.name]!.child!.spawnargs.join(' ')).toContain(path.join(outDir, spec.service, 'server.mjs'));
    }
    // Every variable the launcher gives a process is also set by the deployment files (deploy/model.ts).
    for (const spec of PROCESSES) {
      const unit = [...zoneServices(spec.zone), ...zoneRelayHalves(spec.zone)].find((u) => u.name === spec.name);
      expect({ process: spec.name, inDeploy: !!unit }).toEqual({ process: spec.name, inDeploy: true });
      const deployed = new Set(Object.keys(unitEnv(unit!, { postgres: 'p', nats: 'nats://n', s3: 'http://s', url: (n) => `http://${n}` }, '/k')));
      const missing = Object.keys(platform.processes[spec.name]!.env).filter((k) => !LOCAL_ONLY.has(k) && !deployed.has(k));
      expect({ process: spec.name, missing }).toEqual({ process: spec.name, missing: [] });
    }
    // A real Prisma model query through the bundled client and its WebAssembly query compiler.
    const res = await fetch(`${platform.url('declaration')}/v1/items`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items?: unknown[] } | unknown[];
    expect(Array.isArray(body) ? body : body.items).toEqual(expect.any(Array));
  }, 180_000);
});
