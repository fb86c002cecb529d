/**
 * Both zones with both `udp` lanes, each half a real child process (`node --import tsx
 * src/server.ts`) with only its own zone's environment, exactly as the platform launches them:
 * a NATS server, an S3 endpoint per zone, a database per half, and a lossy proxy on loopback in
 * front of each receiver. Halves can be SIGKILLed and started again on the same ports.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@hall/logging';
import { connectNats, type NatsConnection } from '@hall/messaging';
import { createObjectStore, type ObjectStore } from '@hall/storage';
import { createTestDatabase, freePort, startNatsZone, startS3, waitFor, type NatsZoneServer, type S3Server, type TestDatabase } from '@hall/testkit';
import { waitForExit } from '@hall/testkit/processes';
import { createPrisma, type Db } from '../src/db.js';
import { LANES, type LaneName } from '../src/lanes.js';
import { streamAdmin, type StreamAdmin } from './helpers.js';
import { startLossyProxy, freeUdpPort, type LossyProxy } from './lossy-proxy.js';

type Zone = 'internet' | 'extranet';
export type HalfName = `${LaneName}-${'sender' | 'receiver'}`;
export const HALVES: HalfName[] = ['inbound-sender', 'inbound-receiver', 'outbound-sender', 'outbound-receiver'];

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.resolve(here, '../src/server.ts');
const REPO = path.resolve(here, '../../..');
const logger = createLogger({ service: 'udp-harness', level: 'silent' });

const NATS_USER: Record<HalfName, string> = {
  'inbound-sender': 'relay-in-sender', 'inbound-receiver': 'relay-in-receiver',
  'outbound-sender': 'relay-out-sender', 'outbound-receiver': 'relay-out-receiver',
};

export interface Half { name: HalfName; zone: Zone; env: Record<string, string>; url: string; child: ChildProcess | null; logFile: string; db: Db }

export interface ZoneInfra { nats: NatsZoneServer; s3: S3Server; store: ObjectStore; admin: StreamAdmin }

export interface UdpLanes {
  zones: Record<Zone, ZoneInfra>;
  proxies: Record<LaneName, LossyProxy>;
  receiverPorts: Record<LaneName, number>;
  halves: Record<HalfName, Half>;
  connect(zone: Zone, user: string): Promise<NatsConnection>;
  kill(name: HalfName, signal?: NodeJS.Signals): Promise<void>;
  start(name: HalfName): Promise<void>;
  /** A second process of the same half (same config, own HTTP port): the standby of active/standby. */
  standby(name: HalfName): Promise<{ url: string; child: ChildProcess; logFile: string }>;
  metrics(name: HalfName): Promise<Record<string, number>>;
  logs(name: HalfName): string;
  close(): Promise<void>;
}

export interface UdpLanesOptions {
  loss?: { drop: number; duplicate: number; reorder: number };
  env?: Record<string, string>;
  seed?: number;
  /** Halves to start (default all four); a test of one lane without reconciliation needs only its two. */
  halves?: HalfName[];
}

/** Fast timings for tests: the defaults are tuned for real links, these for loopback and short runs. */
export const TEST_TIMINGS = { LANE_HEARTBEAT_MS: '100', LANE_MANIFEST_MS: '300', LANE_REPORT_MS: '300', LANE_RESEND_AFTER_MS: '700', LANE_UDP_RATE_BYTES: String(24 * 1024 * 1024) };

export async function startUdpLanes(opts: UdpLanesOptions = {}): Promise<UdpLanes> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-udp-lanes-'));
  const zones = {} as Record<Zone, ZoneInfra>;
  const open: NatsConnection[] = [];
  const dbs: TestDatabase[] = [];
  const connectTo = async (nats: NatsZoneServer, user: string) => {
    const c = nats.users[user]!;
    const nc = await connectNats({ servers: nats.url, user: c.user, pass: c.pass, name: `test-${user}`, logger });
    open.push(nc);
    return nc;
  };
  for (const zone of ['internet', 'extranet'] as const) {
    const [nats, s3] = await Promise.all([startNatsZone({ zone }), startS3({ buckets: ['hall-materials'] })]);
    const store = createObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'hall-materials', logger });
    zones[zone] = { nats, s3, store, admin: streamAdmin(await connectTo(nats, 'provisioner')) };
  }
  const receiverPorts = { inbound: await freeUdpPort(), outbound: await freeUdpPort() };
  const proxies = {} as Record<LaneName, LossyProxy>;
  for (const lane of ['inbound', 'outbound'] as const) {
    proxies[lane] = await startLossyProxy({ targetPort: receiverPorts[lane], ...opts.loss, seed: (opts.seed ?? 42) + (lane === 'inbound' ? 0 : 1) });
  }

  const halves = {} as Record<HalfName, Half>;
  for (const name of HALVES) {
    const [laneName, role] = name.split('-') as [LaneName, 'sender' | 'receiver'];
    const lane = LANES[laneName];
    const zone = role === 'sender' ? lane.source : lane.destination;
    const { nats, s3 } = zones[zone];
    const db = await createTestDatabase({ prefix: `relay_${laneName}_${role}` });
    dbs.push(db);
    const env: Record<string, string> = {
      ZONE: zone, HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', NATS_URL: nats.url, NATS_USER: NATS_USER[name], NATS_PASS: nats.users[NATS_USER[name]]!.pass,
      S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: 'hall-materials',
      LANE: laneName, LANE_TRANSPORT: 'udp', LANE_ROLE: role,
      ...(role === 'sender' ? { LANE_UDP_TARGET: `127.0.0.1:${proxies[laneName].port}` } : { LANE_UDP_BIND: `127.0.0.1:${receiverPorts[laneName]}` }),
      ...TEST_TIMINGS, ...opts.env,
    };
    halves[name] = { name, zone, env, url: `http://127.0.0.1:${env.PORT}`, child: null, logFile: path.join(dir, `${name}.log`), db: createPrisma(db.url, 2) };
  }

  const start = async (name: HalfName) => {
    const h = halves[name];
    const out = fs.openSync(h.logFile, 'a');
    // Only PATH and the half's own variables: nothing of the other zone reaches the process.
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...h.env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    h.child = child;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${fs.readFileSync(h.logFile, 'utf8').slice(-3000)}`);
      try { return (await fetch(`${h.url}/ready`)).status === 200; } catch { return false; }
    }, 60_000, 100);
  };
  const kill = async (name: HalfName, signal: NodeJS.Signals = 'SIGKILL') => {
    const child = halves[name].child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (!(await waitForExit(child, 10_000))) { child.kill('SIGKILL'); await waitForExit(child, 10_000); }
  };
  const extra: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(HALVES.map((n) => kill(n, 'SIGTERM')));
    for (const c of extra) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGTERM'); if (!(await waitForExit(c, 10_000))) c.kill('SIGKILL'); }
  };
  process.once('exit', () => { for (const n of HALVES) halves[n]?.child?.kill('SIGKILL'); });

  try {
    await Promise.all((opts.halves ?? HALVES).map(start));
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    zones, proxies, receiverPorts, halves,
    connect: (zone, user) => connectTo(zones[zone].nats, user),
    kill, start,
    async standby(name) {
      const h = halves[name];
      const port = await freePort();
      const logFile = `${h.logFile}.standby`;
      const out = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...h.env, PORT: String(port) }, stdio: ['ignore', out, out] });
      fs.closeSync(out);
      extra.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`standby ${name} exited ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
        try { return (await fetch(`${url}/health`)).status === 200; } catch { return false; }
      }, 60_000, 100);
      return { url, child, logFile };
    },
    async metrics(name) {
      const text = await (await fetch(`${halves[name].url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = /^(relay_lane_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (!m) continue;
        const reason = /reason="([^"]+)"/.exec(m[2] ?? '')?.[1];
        const key = reason ? `${m[1]}:${reason}` : m[1]!;
        out[key] = (out[key] ?? 0) + Number(m[3]);
      }
      return out;
    },
    logs: (name) => fs.readFileSync(halves[name].logFile, 'utf8'),
    async close() {
      await stopAll();
      for (const nc of open) await nc.close().catch(() => undefined);
      for (const name of HALVES) await halves[name].db.$disconnect();
      for (const p of Object.values(proxies)) await p.close();
      for (const z of Object.values(zones)) { z.store.close(); await z.nats.stop(); await z.s3.stop(); }
      for (const db of dbs) await db.drop().catch(() => undefined);
      if (process.env.KEEP_LANE_LOGS) process.stdout.write(`lane logs kept in ${dir}\n`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads many stream messages at once (the per-message API, in parallel). */
export async function readStream(admin: StreamAdmin, nc: NatsConnection, stream: string, subject?: string): Promise<{ seq: number; subject: string; msgId?: string; data: Buffer }[]> {
  const { state } = await admin.info(stream);
  const seqs: number[] = [];
  for (let s = state.first_seq; state.messages > 0 && s <= state.last_seq; s++) seqs.push(s);
  const out: { seq: number; subject: string; msgId?: string; data: Buffer }[] = [];
  let i = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (i < seqs.length) {
      const seq = seqs[i++]!;
      const reply = (await nc.request(`$JS.API.STREAM.MSG.GET.${stream}`, JSON.stringify({ seq }), { timeout: 10_000 })).json<{ message?: { subject: string; hdrs?: string; data?: string } }>();
      const m = reply.message;
      if (!m || (subject && m.subject !== subject)) continue;
      const id = /Nats-Msg-Id:\s*([^\r\n]+)/i.exec(Buffer.from(m.hdrs ?? '', 'base64').toString('utf8'))?.[1]?.trim();
      out.push({ seq, subject: m.subject, msgId: id, data: Buffer.from(m.data ?? '', 'base64') });
    }
  }));
  return out.sort((a, b) => a.seq - b.seq);
}
