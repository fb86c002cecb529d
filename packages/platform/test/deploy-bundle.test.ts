/**
 * deploy/build.ts builds the production bundle of every service with no network (inside an empty
 * network namespace where the machine allows one), into a folder outside the repository so that
 * nothing can be resolved from the workspace's node_modules, and the bundled migration runner
 * migrates and drift-checks a fresh database on its own. That the whole platform runs from bundles
 * (every process /ready, a Prisma query, the deployments setting every variable the launcher sets)
 * is checked on the shared e2e platform, which starts from them: test-e2e/scenarios/bundles.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createTestDatabase } from '@hall/testkit';
import { PROCESSES, REPO_ROOT } from '../src/index.js';

let outDir: string;

/** `unshare -n` runs the build in a network namespace with only a downed loopback: any download fails. */
function offline(cmd: string[]): string[] {
  const probe = spawnSync('unshare', ['-n', 'true']);
  return probe.status === 0 ? ['unshare', '-n', ...cmd] : cmd;
}

beforeAll(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-bundles-'));
});

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

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
});
