/**
 * Infrastructure shared by a whole test run instead of started by every test file: one NATS
 * server per zone (the real users and permissions of the topology) and one S3 endpoint per zone,
 * for each jest worker. Jest's globalSetup starts them (scripts/jest/global-setup.mjs) and writes
 * where they listen to the file named by HALL_TEST_INFRA; globalTeardown stops them.
 *
 * Why one set per worker rather than one for the run: a worker runs its files one after another,
 * so a file can have its worker's servers to itself. On first use in a file, the zone's streams
 * are deleted and provisioned again (no message, consumer or dedupe entry of an earlier file is
 * left) and every service gets a bucket of its own; files stay independent without paying a
 * process start each.
 *
 * Tests that kill or restart a server (outage tests) ask for their own with `own: true` in
 * createServiceEnv, or call startNatsZone/startS3 directly; the shared handles refuse kill and
 * restart so that no test can take down a server other files use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@hall/logging';
import { connectNats, provisionStreams, type Zone } from '@hall/messaging';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsZone, type NatsZoneServer } from './nats.js';
import { createBucketAs, startS3, writeCredential, type S3Server } from './s3.js';
import { runBundlesDir } from './bundles.js';

const ZONES: Zone[] = ['internet', 'extranet'];

interface NatsCoordinates { zone: Zone; url: string; port: number; host: string; storeDir: string; logFile: string; users: Record<string, { user: string; pass: string }> }
interface S3Coordinates { endpoint: string; port: number; accessKey: string; secretKey: string; directory: string; credentialsDir: string }
interface Slot { nats: Record<Zone, NatsCoordinates>; s3: Record<Zone, S3Coordinates> }
export interface SharedInfraDescription { pid: number; slots: Record<string, Slot> }

/** Starts `slots` sets (one per jest worker) and describes them in `file`. */
export async function startSharedInfra(opts: { slots: number; file: string }): Promise<{ stop(): Promise<void> }> {
  const started: { nats: NatsZoneServer[]; s3: S3Server[] } = { nats: [], s3: [] };
  const logFiles: string[] = [];
  const stop = async () => {
    await Promise.all([...started.nats.map((n) => n.stop()), ...started.s3.map((s) => s.stop())]);
    for (const f of [opts.file, ...logFiles]) fs.rmSync(f, { force: true });
    // The run's service bundles, if a test file built them (bundles.ts).
    fs.rmSync(runBundlesDir(opts.file), { recursive: true, force: true });
  };
  try {
    const description: SharedInfraDescription = { pid: process.pid, slots: {} };
    await Promise.all(Array.from({ length: opts.slots }, async (_, i) => {
      const slot = {} as Slot;
      slot.nats = {} as Slot['nats'];
      slot.s3 = {} as Slot['s3'];
      for (const zone of ZONES) {
        const logFile = path.join(path.dirname(opts.file), `test-infra-${process.pid}-nats-${zone}-${i + 1}.log`);
        const [n, s] = await Promise.all([startNatsZone({ zone, logFile }), startS3()]);
        started.nats.push(n);
        started.s3.push(s);
        logFiles.push(logFile);
        slot.nats[zone] = { zone, url: n.url, port: n.port, host: n.host, storeDir: n.storeDir, logFile, users: n.users };
        slot.s3[zone] = { endpoint: s.endpoint, port: s.port, accessKey: s.accessKey, secretKey: s.secretKey, directory: s.directory, credentialsDir: s.credentialsDir };
      }
      description.slots[String(i + 1)] = slot;
    }));
    fs.writeFileSync(opts.file, JSON.stringify(description, null, 2), { mode: 0o600 });
    return { stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

let workerSlot: Slot | null | undefined;

/** This worker's slot, read once per test file (null: the run has no shared infrastructure). */
function currentSlot(): Slot | undefined {
  if (workerSlot === undefined) {
    const file = process.env.HALL_TEST_INFRA;
    workerSlot = file && fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as SharedInfraDescription).slots[process.env.JEST_WORKER_ID ?? '1'] ?? null) : null;
  }
  return workerSlot ?? undefined;
}

const refuse = (what: string) => async () => {
  throw new Error(`${what} is shared by the test run; a test that stops or restarts it must start its own (createServiceEnv({ own: true }) or startNatsZone/startS3)`);
};

// Module state is per test file: jest gives every file its own module registry.
const resetZones = new Map<Zone, Promise<void>>();
const logOffsets = new Map<Zone, number>();
const silent = createLogger({ service: 'testkit', level: 'silent' });

/** Deletes every stream of the zone's shared server and provisions the topology's streams again. */
async function resetStreams(n: NatsCoordinates): Promise<void> {
  const p = n.users.provisioner!;
  const nc = await connectNats({ servers: n.url, user: p.user, pass: p.pass, name: 'testkit-reset', logger: silent });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const s of jsm.streams.list()) names.push(s.config.name);
    for (const name of names) await jsm.streams.delete(name);
    await provisionStreams(nc, n.zone);
  } finally {
    await nc.close();
  }
}

/**
 * This worker's NATS server of a zone, with fresh streams for this test file, or undefined when
 * the run has no shared infrastructure (a file run outside jest's globalSetup, a bench).
 */
export async function sharedNats(zone: Zone): Promise<NatsZoneServer | undefined> {
  const n = currentSlot()?.nats[zone];
  if (!n) return undefined;
  if (!resetZones.has(zone)) {
    // The server's log from here on is this file's (logs() below).
    logOffsets.set(zone, fs.existsSync(n.logFile) ? fs.statSync(n.logFile).size : 0);
    resetZones.set(zone, resetStreams(n));
  }
  await resetZones.get(zone);
  return {
    zone, url: n.url, port: n.port, host: n.host, storeDir: n.storeDir, users: n.users,
    stop: async () => {},
    kill: refuse(`the ${zone} NATS server`),
    restart: refuse(`the ${zone} NATS server`),
    logs: () => (fs.existsSync(n.logFile) ? fs.readFileSync(n.logFile).subarray(logOffsets.get(zone) ?? 0).toString('utf8') : ''),
  };
}

/** This worker's S3 endpoint of a zone and a new bucket name for the caller (created by createServiceEnv), or undefined without shared infrastructure. */
export function sharedS3(zone: Zone): { server: S3Server; bucket: string } | undefined {
  const s = currentSlot()?.s3[zone];
  if (!s) return undefined;
  const bucket = `hall-materials-${randomBytes(5).toString('hex')}`;
  return {
    bucket,
    server: {
      endpoint: s.endpoint, port: s.port, accessKey: s.accessKey, secretKey: s.secretKey, directory: s.directory, credentialsDir: s.credentialsDir,
      // The store runs in jest's global-setup process: it reads credentials it does not know from this folder.
      addCredential: (c) => writeCredential(s.credentialsDir, c),
      createBucket: (name) => createBucketAs(s.endpoint, s, name),
      stop: async () => {},
      kill: refuse(`the ${zone} object store`),
      restart: refuse(`the ${zone} object store`),
    },
  };
}
