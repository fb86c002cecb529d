/**
 * `pnpm bench:idle [--seconds 30]`: starts the whole platform (both zones, both lanes, every
 * process from its production bundle, as `scripts/run.sh` does), waits until it has settled (the
 * seed's publications have crossed the lanes), then measures the CPU it spends doing nothing for
 * `--seconds`: per process (services, relay halves, nats-servers, this process with both zones'
 * S3 endpoints) and the Postgres backends of its databases, beside the machine's other work. An
 * idle platform's CPU is taken from every request it will serve and from every test that runs
 * beside it (docs/quality.md has the figures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPlatform, ensureServiceBundles, REPO_ROOT } from '@hall/platform';
import { cpuBetween, platformSnapshot } from './cpu.js';

const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const SECONDS = arg('seconds', 30);
const log = (s: string) => process.stdout.write(`${s}\n`);
const admin = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-idle-'));
const prefix = `idle_${randomUUID().slice(0, 8)}`;
log('[1/3] 构建服务包并启动整个平台…');
const platform = await startPlatform({
  dataDir, adminDatabaseUrl: admin, databasePrefix: prefix, seed: true, logLevel: 'warn',
  bundles: ensureServiceBundles(REPO_ROOT, path.join(REPO_ROOT, '.tmp', 'bench-bundles')),
});
const db = new pg.Client({ connectionString: admin });
await db.connect();
const cpu = () => platformSnapshot(platform, db, prefix, 'postgres (backends of the platform databases)');
try {
  log('[2/3] 等待平台稳定（种子数据经单向通道同步）…');
  await new Promise((r) => setTimeout(r, 15_000));
  log(`[3/3] 空闲测量 ${SECONDS} 秒…`);
  const from = await cpu();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rows = cpuBetween(from, await cpu());
  const platformRows = rows.filter((r) => r.name !== 'other work on the machine' && r.name !== 'machine idle');
  const total = platformRows.reduce((a, r) => a + r.cpuMs, 0);
  log(`\nidle platform, ${SECONDS} s, load average ${os.loadavg()[0]!.toFixed(1)} (${os.cpus().length} cores)`);
  for (const r of rows) log(`${(r.cpuMs / 1000).toFixed(2).padStart(8)} s CPU  ${(r.cores * 100).toFixed(1).padStart(5)} % of a core  ${r.name}`);
  log(`${(total / 1000).toFixed(2).padStart(8)} s CPU  ${((total / 1000 / SECONDS) * 100).toFixed(1).padStart(5)} % of a core  the platform in all`);
  fs.mkdirSync(path.join(REPO_ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'bench-results', 'idle.json'), JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, loadAverage: os.loadavg()[0], rows, platformCpuMs: total }, null, 2));
} finally {
  await db.end();
  await platform.stop();
  await platform.dropDatabases();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
