/**
 * Both zones with both `udp` lanes, each half a real child process (the relay's production bundle,
 * or `node --import tsx src/server.ts` without one) with only its own zone's environment, exactly
 * as the platform launches them:
 * a NATS server, an S3 endpoint per zone, a database per half, and a lossy proxy on loopback in
 * front of each receiver. Halves can be SIGKILLed and started again on the same ports.
 *
 * Cost: every start of a half is a fresh process. From the run's bundle (serviceBundles of
 * @hall/testkit, built once per test run) it is ready in well under a second of CPU; through tsx it
 * was 2–3 s (module loading and the Prisma client), most of a file's set-up time on 2 cores.
 * Everything else is prepared in parallel, and the lane's timers are shortened for loopback
 * (TEST_TIMINGS).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@hall/logging';
import { connectNats, type NatsConnection } from '@hall/messaging';
import { createObjectStore, type ObjectStore } from '@hall/storage';
import { budget, bundleEntry, createTestDatabase, freePort, serviceBundles, startNatsZone, startS3, waitFor, type NatsZoneServer, type S3Server, type TestDatabase } from '@hall/testkit';
import { trackChild, waitForExit } from '@hall/testkit/processes';
import { createPrisma, type Db } from '../src/db.js';
import { LANES, type LaneName } from '../src/lanes.js';
import { generateLaneKey } from '../src/udp/keys.js';
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
  /** Each lane's generated key (`keyId:base64key`), given to both of its halves unless overridden. */
  laneKeys: Record<LaneName, string>;
  proxies: Record<LaneName, LossyProxy>;
  receiverPorts: Record<LaneName, number>;
  halves: Record<HalfName, Half>;
  /** Node's arguments that start a half: the run's relay bundle, or its TypeScript entry through tsx without one. */
  entry: string[];
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
  /** Variables of one half only, over `env` (e.g. a different LANE_MAC_KEYS on a receiver). */
  halfEnv?: Partial<Record<HalfName, Record<string, string>>>;
}

/**
 * Fast timings for tests: the defaults are tuned for real links, these for loopback and short runs
 * (the variables are described in src/app.ts and docs/relay.md). A standby asks for the lease every
 * 100 ms instead of 500; an incomplete record (two chunks of a parity group lost) is given up and
 * reported missing after 1 s instead of 5, so the tail of a lossy stream does not sit out 5 s.
 */
export const TEST_TIMINGS = {
  LANE_HEARTBEAT_MS: '100', LANE_MANIFEST_MS: '300', LANE_REPORT_MS: '300', LANE_RESEND_AFTER_MS: '700', LANE_UDP_RATE_BYTES: String(24 * 1024 * 1024),
  LANE_LEASE_POLL_MS: '100', LANE_PARTIAL_TIMEOUT_MS: '1000',
};

export async function startUdpLanes(opts: UdpLanesOptions = {}): Promise<UdpLanes> {
  // The relay's production bundle when the run has one (serviceBundles: built once per test run),
  // else its TypeScript entry through tsx. First, so that a failed build leaves nothing started.
  const bundles = await serviceBundles();
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
  // Servers, UDP ports, proxies and the four databases do not depend on one another: all at once.
  const receiverPorts = {} as Record<LaneName, number>;
  const proxies = {} as Record<LaneName, LossyProxy>;
  const databases = {} as Record<HalfName, TestDatabase>;
  await Promise.all([
    ...(['internet', 'extranet'] as const).map(async (zone) => {
      const [nats, s3] = await Promise.all([startNatsZone({ zone }), startS3({ buckets: ['hall-materials'] })]);
      // The test's own reads (comparing hundreds of copies at once) get a load-scaled timeout, not the service default of 5 s.
      const store = createObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'hall-materials', logger, timeoutMs: budget(30_000) });
      zones[zone] = { nats, s3, store, admin: streamAdmin(await connectTo(nats, 'provisioner')) };
    }),
    ...(['inbound', 'outbound'] as const).map(async (lane) => {
      receiverPorts[lane] = await freeUdpPort();
      proxies[lane] = await startLossyProxy({ targetPort: receiverPorts[lane], ...opts.loss, seed: (opts.seed ?? 42) + (lane === 'inbound' ? 0 : 1) });
    }),
    ...HALVES.map(async (name) => {
      const [laneName, role] = name.split('-') as [LaneName, 'sender' | 'receiver'];
      databases[name] = await createTestDatabase({ prefix: `relay_${laneName}_${role}` });
      dbs.push(databases[name]);
    }),
  ]);

  // One key per lane, shared by its two halves, as the launcher does (a fresh one per run).
  const laneKeys: Record<LaneName, string> = { inbound: generateLaneKey('test-in'), outbound: generateLaneKey('test-out') };
  const halves = {} as Record<HalfName, Half>;
  for (const name of HALVES) {
    const [laneName, role] = name.split('-') as [LaneName, 'sender' | 'receiver'];
    const lane = LANES[laneName];
    const zone = role === 'sender' ? lane.source : lane.destination;
    const { nats, s3 } = zones[zone];
    const db = databases[name];
    const env: Record<string, string> = {
      ZONE: zone, HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', NATS_URL: nats.url, NATS_USER: NATS_USER[name], NATS_PASS: nats.users[NATS_USER[name]]!.pass,
      S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: 'hall-materials',
      LANE: laneName, LANE_TRANSPORT: 'udp', LANE_ROLE: role, LANE_MAC_KEYS: laneKeys[laneName],
      ...(role === 'sender' ? { LANE_UDP_TARGET: `127.0.0.1:${proxies[laneName].port}` } : { LANE_UDP_BIND: `127.0.0.1:${receiverPorts[laneName]}` }),
      ...TEST_TIMINGS, ...opts.env, ...opts.halfEnv?.[name],
    };
    halves[name] = { name, zone, env, url: `http://127.0.0.1:${env.PORT}`, child: null, logFile: path.join(dir, `${name}.log`), db: createPrisma(db.url, 2) };
  }

  const entry = bundles ? bundleEntry(bundles, 'relay') : ['--import', 'tsx', SERVER];
  /** One relay process with only PATH and the half's own variables: nothing of the other zone reaches it. */
  const spawnHalf = (env: Record<string, string>, logFile: string) => {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, entry, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    // Killed even if the test run dies before its teardown (a timed-out run must not leave halves eating CPU).
    trackChild(child);
    return child;
  };
  const exited = (what: string, child: ChildProcess, logFile: string) => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited ${child.exitCode ?? child.signalCode}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
  };
  const start = async (name: HalfName) => {
    const h = halves[name];
    const child = spawnHalf(h.env, h.logFile);
    h.child = child;
    await waitFor(async () => {
      exited(name, child, h.logFile);
      try { return (await fetch(`${h.url}/ready`)).status === 200; } catch { return false; }
    }, { what: `${name} ready (it holds the lane lease)`, timeoutMs: 60_000, everyMs: 50 });
    // Ready means "holds the lease"; the receiver binds its UDP socket a moment later. Datagrams sent
    // before that would be lost, and a lane without its opposite lane cannot have them re-sent.
    if (name.endsWith('-receiver')) {
      await waitFor(async () => {
        exited(name, child, h.logFile);
        return ((await (await fetch(`${h.url}/v1/lane`)).json()) as { udpPort?: number }).udpPort !== undefined;
      }, { what: `${name} listening on its UDP port`, timeoutMs: 30_000, everyMs: 25 });
    }
  };
  const kill = async (name: HalfName, signal: NodeJS.Signals = 'SIGKILL') => {
    const child = halves[name].child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (!(await waitForExit(child, 10_000))) { child.kill('SIGKILL'); await waitForExit(child, 10_000); }
  };
  const extra: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all([
      ...HALVES.map((n) => kill(n, 'SIGTERM')),
      ...extra.map(async (c) => { if (c.exitCode === null && c.signalCode === null) { c.kill('SIGTERM'); if (!(await waitForExit(c, 10_000))) c.kill('SIGKILL'); } }),
    ]);
  };

  try {
    await Promise.all((opts.halves ?? HALVES).map(start));
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    zones, laneKeys, proxies, receiverPorts, halves, entry,
    connect: (zone, user) => connectTo(zones[zone].nats, user),
    kill, start,
    async standby(name) {
      const h = halves[name];
      const port = await freePort();
      const logFile = `${h.logFile}.standby`;
      const child = spawnHalf({ ...h.env, PORT: String(port) }, logFile);
      extra.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => {
        exited(`standby ${name}`, child, logFile);
        try { return (await fetch(`${url}/health`)).status === 200; } catch { return false; }
      }, { what: `standby ${name} alive`, timeoutMs: 60_000, everyMs: 50 });
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
      await Promise.all(HALVES.map((name) => halves[name].db.$disconnect()));
      await Promise.all(Object.values(proxies).map((p) => p.close()));
      await Promise.all(Object.values(zones).map(async (z) => { z.store.close(); await Promise.all([z.nats.stop(), z.s3.stop()]); }));
      await Promise.all(dbs.map((db) => db.drop().catch(() => undefined)));
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
