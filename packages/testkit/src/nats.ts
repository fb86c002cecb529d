/**
 * A real nats-server per zone for tests and the local demo: generated config from the messaging
 * topology (users, permissions), a JetStream store in a temporary directory, a free loopback port,
 * and the zone's streams provisioned. Never the machine's shared server on 4222.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@hall/logging';
import { connectNats, generatePasswords, provisionStreams, renderNatsServerConfig, zoneUsers, type Zone } from '@hall/messaging';
import { freePort, waitForPort } from './net.js';
import { budget } from './budget.js';
import { trackChild, trackDir, untrackDir, waitForExit } from './processes.js';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface NatsZoneServer {
  zone: Zone;
  url: string;
  port: number;
  host: string;
  storeDir: string;
  users: Record<string, { user: string; pass: string }>;
  /** Stops the server gracefully and removes its temporary directories (unless keepStore). */
  stop(): Promise<void>;
  /** Kills the process (default SIGKILL, a crash); directories stay for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and store (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Everything the server printed so far (permission violations, auth errors, …). */
  logs(): string;
}

export interface StartNatsZoneOptions {
  zone: Zone;
  port?: number;
  storeDir?: string;
  passwords?: Record<string, string>;
  syncAlways?: boolean;
  /** Keep the store directory on stop() (the config directory is always removed). */
  keepStore?: boolean;
  /** Millisecond budget for start-up and provisioning (default 15 s, scaled by the machine's load). */
  startTimeoutMs?: number;
  /**
   * Seconds a client may take to authenticate (default 60). nats-server's own default of 2 s is
   * shorter than a Node process starved of CPU needs to answer INFO with CONNECT: at load 40 on
   * two cores that was the "Authentication Timeout" of many test files. Passwords are plain in a
   * mode-0600 config; there is no bcrypt to pay for on any path.
   */
  authTimeoutSeconds?: number;
  /** Also append everything the server prints to this file (readable from other processes). */
  logFile?: string;
}

let cachedVersion: string | undefined;
/** Version of the nats-server binary, so the config only uses options it knows. */
export function natsServerVersion(): string {
  if (!cachedVersion) {
    const out = execFileSync(NATS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
    cachedVersion = /v?(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? '2.9.0';
  }
  return cachedVersion;
}

const MAX_LOG_CHARS = 200_000;
const silent = createLogger({ service: 'testkit', level: 'silent' });

export async function startNatsZone(opts: StartNatsZoneOptions): Promise<NatsZoneServer> {
  const host = '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const confDir = await mkdtemp(join(tmpdir(), `hall-nats-${opts.zone}-conf-`));
  const ownStore = opts.storeDir === undefined;
  const storeDir = opts.storeDir ?? (await mkdtemp(join(tmpdir(), `hall-nats-${opts.zone}-js-`)));
  const removeStore = ownStore && !opts.keepStore;
  trackDir(confDir);
  if (removeStore) trackDir(storeDir);
  async function removeDirs(): Promise<void> {
    await rm(confDir, { recursive: true, force: true });
    untrackDir(confDir);
    if (removeStore) {
      await rm(storeDir, { recursive: true, force: true });
      untrackDir(storeDir);
    }
  }
  const passwords = opts.passwords ?? generatePasswords(opts.zone);
  const users: Record<string, { user: string; pass: string }> = {};
  for (const u of zoneUsers(opts.zone)) {
    const pass = passwords[u];
    if (!pass) throw new Error(`no password for ${opts.zone} user ${u}`);
    users[u] = { user: u, pass };
  }
  const confFile = join(confDir, 'nats-server.conf');
  await writeFile(
    confFile,
    renderNatsServerConfig({ zone: opts.zone, host, port, storeDir, passwords, syncAlways: opts.syncAlways, serverVersion: natsServerVersion(), authTimeoutSeconds: opts.authTimeoutSeconds ?? 60 }),
    { mode: 0o600 },
  );
  const url = `nats://${host}:${port}`;
  const timeoutMs = budget(opts.startTimeoutMs ?? 15_000);

  let child: ChildProcess | undefined;
  let log = '';
  const append = (chunk: Buffer) => {
    if (opts.logFile) appendFileSync(opts.logFile, chunk);
    log += chunk.toString('utf8');
    if (log.length > MAX_LOG_CHARS) log = log.slice(-MAX_LOG_CHARS);
  };

  async function launch(): Promise<void> {
    const c = spawn(NATS_SERVER_BIN, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    trackChild(c);
    c.stdout?.on('data', append);
    c.stderr?.on('data', append);
    await waitForPort(host, port, timeoutMs, () => c.exitCode === null && c.signalCode === null).catch((err: Error) => {
      throw new Error(`${err.message}\n--- nats-server output ---\n${log.slice(-4000)}`);
    });
    await provision();
  }

  async function provision(): Promise<void> {
    // JetStream may answer "no responders" for a moment after the listener opens; retry briefly.
    const deadline = Date.now() + timeoutMs;
    const p = users.provisioner!;
    for (;;) {
      try {
        const nc = await connectNats({ servers: url, user: p.user, pass: p.pass, name: `testkit-provisioner-${opts.zone}`, logger: silent });
        try {
          await provisionStreams(nc, opts.zone);
          return;
        } finally {
          await nc.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    if (!(await waitForExit(c, 5000))) {
      c.kill('SIGKILL');
      await waitForExit(c, 5000);
    }
  }

  try {
    await launch();
  } catch (err) {
    await terminate('SIGKILL');
    await removeDirs();
    throw err;
  }

  return {
    zone: opts.zone,
    url,
    port,
    host,
    storeDir,
    users,
    async stop() {
      await terminate('SIGTERM');
      await removeDirs();
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await terminate(signal);
    },
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    logs: () => log,
  };
}
