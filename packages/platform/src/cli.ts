/**
 * `pnpm start`: runs the whole platform on this machine until Ctrl-C. State lives in .data/
 * (kept across restarts). Uses the Postgres server at DATABASE_URL when set, else an embedded
 * cluster per zone. A start-up failure is one line (component, cause, log) and exit status 1.
 *
 * The services start from production bundles in `<data>/bundles` or HALL_BUNDLES_DIR (bundles.ts:
 * built while Postgres starts, again only when the sources changed); `HALL_FROM_SOURCE=1` starts
 * them from the TypeScript sources through tsx instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startPlatform, REPO_ROOT, PROCESSES, StartupError } from './index.js';
import { DEMO_ACCOUNTS_HELP } from './demo.js';
import { ensureServiceBundles } from './bundles.js';

const dataDir = process.env.HALL_DATA_DIR ?? path.join(REPO_ROOT, '.data');
const started = Date.now();
// Signals are handled from the first moment: a Ctrl-C during start-up stops what has started.
let stopRequested = false;
let platformRef: Awaited<ReturnType<typeof startPlatform>> | undefined;
let stopping = false;
const shutdown = async () => {
  stopRequested = true;
  if (!platformRef || stopping) return;
  stopping = true;
  process.stdout.write('\n正在停止…\n');
  await platformRef.stop();
  process.stdout.write('已停止。\n');
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

/** Prints one line for a start-up failure (the whole error goes to logs/launcher.log) and exits 1. */
function failed(err: unknown): never {
  const e = err instanceof Error ? err : new Error(String(err));
  let line = e instanceof StartupError ? e.message : '';
  if (!line) {
    const log = path.join(dataDir, 'logs', 'launcher.log');
    try {
      fs.mkdirSync(path.dirname(log), { recursive: true });
      fs.appendFileSync(log, `${new Date().toISOString()} ${e.stack ?? e.message}\n`);
    } catch { /* the data folder itself may be the problem */ }
    line = `launcher: ${(e.message.split('\n')[0] ?? '').slice(0, 300)}（日志 log: ${log}）`;
  }
  process.stderr.write(`${platformRef ? '运行出错 failed' : '启动失败 start-up failed'} — ${line}\n`);
  process.exit(1);
}
process.on('uncaughtException', failed);
process.on('unhandledRejection', failed);

process.stdout.write(`启动网上办事大厅（两网）… 数据目录 ${dataDir}\n`);
const bundleDir = process.env.HALL_BUNDLES_DIR || path.join(dataDir, 'bundles');
const bundles = process.env.HALL_FROM_SOURCE === '1' ? undefined
  : ensureServiceBundles(REPO_ROOT, bundleDir, () => process.stdout.write(`  构建服务程序包 building the service bundles (${bundleDir})…\n`));
// Awaited by the launcher before the services start; a failure before then is reported from there.
bundles?.catch(() => undefined);
const platform = platformRef = await startPlatform({
  dataDir,
  adminDatabaseUrl: process.env.DATABASE_URL || undefined,
  // Several platforms on one DATABASE_URL server need their own database and role names.
  databasePrefix: process.env.HALL_DATABASE_PREFIX || undefined,
  seed: true,
  logLevel: process.env.LOG_LEVEL ?? 'info',
  bundles,
  onProgress: (step, done, total) => process.stdout.write(`  [${String(done).padStart(2)}/${total}] ${step} ✓\n`),
}).catch(failed);

const rows = PROCESSES.map((p) => `  ${p.zone === 'internet' ? '互联网  ' : '政务外网'}  ${p.name.padEnd(16)} ${platform.url(p.name)}`);
process.stdout.write(`\n全部就绪（${((Date.now() - started) / 1000).toFixed(1)} 秒）：\n  办事门户（互联网）   ${platform.ingress.portal}\n  审批工作台（政务外网） ${platform.ingress.console}\n  电子监察（政务外网）   ${platform.ingress.supervision}\n${rows.join('\n')}\n`);
if (platform.postgres.internet.dir) process.stdout.write(`  Postgres 互联网 ${platform.postgres.internet.dir}   政务外网 ${platform.postgres.extranet.dir}\n`);
process.stdout.write(`  NATS 互联网 ${platform.nats.internet.url}   NATS 政务外网 ${platform.nats.extranet.url}\n`);
process.stdout.write(`  对象存储 互联网 ${platform.s3.internet.endpoint}   政务外网 ${platform.s3.extranet.endpoint}\n`);
process.stdout.write(`\n${DEMO_ACCOUNTS_HELP}\n日志：${path.join(dataDir, 'logs')}\n按 Ctrl-C 停止。\n`);

if (stopRequested) await shutdown();
