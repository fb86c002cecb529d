/**
 * The README's run command as a new user runs it (issues 20 and 27): the committed HEAD cloned into
 * a private (0700) folder and started with `bash scripts/run.sh` by the invoking user (root, as CI
 * runs). It gets ready (or refuses with one clear sentence); then, with the real processes:
 *   - each zone has its own Postgres cluster, and no process's environment holds the address or
 *     any credential of the other zone's cluster (read from /proc/<pid>/environ, as a probe would);
 *   - each process's whole configuration names only its own zone's addresses (Postgres, NATS,
 *     object store, services) and holds only its own credentials, and each of its open TCP
 *     connections goes to its own zone (its sockets in /proc/<pid>/fd, found in /proc/net/tcp);
 *     the lanes' UDP port and key, and the portal's public address, are the only exceptions;
 *   - every session on each cluster is a service role on its own database;
 *   - declaration's role is no superuser and cannot connect to an extranet database, nor to
 *     another database of its own cluster; approval's role cannot reach the internet cluster;
 *   - anonymous list, get and put answer 403 at both zones' object stores, and a datagram without
 *     a MAC sent at each lane receiver's UDP port is dropped, counted and answered by nothing.
 * And a start-up failure is one line (component, cause, log), exit 1, no stack trace.
 *
 * Whole platforms: run under `flock /tmp/hall-e2e.lock`.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { pgAdminUrl, waitFor, budget, trackChild } from '@hall/testkit';
import { dropServiceDatabases } from '@hall/db';
import { PROCESSES, REPO_ROOT, type ZoneName } from '../src/index.js';
import { encodePacket, Kind, LANE_IDS, type LaneName } from '../../../services/relay/src/udp/protocol.js';
import { generateLaneKey, parseLaneKeys } from '../../../services/relay/src/udp/keys.js';
import { versionOne } from '../../../services/relay/test/fixtures.js';

const READY_LINE = '按 Ctrl-C 停止';
const FAILED_LINE = /^(启动失败 start-up failed — .+)$/m;

interface Run { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/** Starts a command in its own process group, collecting stdout and stderr. */
function start(cmd: string, args: string[], cwd: string, env: Record<string, string>): Run {
  let out = '';
  const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackChild(child);
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Asserts the one-line failure: exit 1, a single `启动失败` line naming the component, no stack frame. */
async function expectOneLineFailure(run: Run, component: RegExp): Promise<string> {
  const code = await run.exited;
  const out = run.output();
  expect({ code, out }).toEqual({ code: 1, out: expect.stringMatching(FAILED_LINE) });
  const line = out.match(FAILED_LINE)![1]!;
  expect(line).toMatch(component);
  expect(line).toMatch(/日志 log: \S+/);
  expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(out.split('\n').filter((l) => l.startsWith('启动失败'))).toHaveLength(1);
  return line;
}

function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

function environ(pid: number): Record<string, string> {
  try {
    return Object.fromEntries(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  } catch { return {}; }
}

async function connectCode(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try { await c.connect(); return undefined; } catch (err) { return (err as { code?: string }).code ?? (err as Error).message; } finally { await c.end().catch(() => undefined); }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end(); }
}

interface Secrets {
  postgres: { superuser: Record<ZoneName, string>; ports: Record<ZoneName, number>; roles: Record<string, string> };
  nats: Record<ZoneName, Record<string, string>>;
  s3: Record<ZoneName, { root: string; keys: Record<string, string> }>;
  keys: Record<ZoneName, { privateKeyPem: string }>;
  dataKeys: Record<ZoneName, string>;
  laneKeys: Record<string, string>;
  exchangeClientSecret: string;
}

interface Proc { pid: number; env: Record<string, string> }

const ZONE_NAMES: ZoneName[] = ['internet', 'extranet'];
const otherZone = (z: ZoneName): ZoneName => (z === 'internet' ? 'extranet' : 'internet');
/** Every loopback port a configuration value names (URLs, host:port pairs). */
const portsIn = (value: string): number[] => [...value.matchAll(/(?:127\.0\.0\.1|localhost|\[::1\]):(\d{2,5})/g)].map((m) => Number(m[1]));

/** TCP connections and connected UDP sockets of the machine by socket inode, from /proc/net. */
function sockets(): Map<string, { proto: string; local: number; remote: number; state: string }> {
  const out = new Map<string, { proto: string; local: number; remote: number; state: string }>();
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text = '';
    try { text = fs.readFileSync(`/proc/net/${proto}`, 'utf8'); } catch { continue; }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const port = (addr: string) => parseInt(addr.split(':')[1]!, 16);
      out.set(f[9]!, { proto, local: port(f[1]!), remote: port(f[2]!), state: f[3]! });
    }
  }
  return out;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): string[] {
  const out: string[] = [];
  let fds: string[] = [];
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try { const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`)); if (m) out.push(m[1]!); } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * Issue 20: no process of one zone has any address or credential of the other's. Every process the
 * launcher started is listed with its configuration (its environment) and its connections:
 *   - every loopback port its configuration names is its own zone's (Postgres, NATS, object store,
 *     the zone's services), except a lane sender's target (the diode's input) and the portal's
 *     public address (a link printed for citizens, never connected to);
 *   - it holds no secret of the other zone (NATS and object-store passwords, the store's root, the
 *     identity data key, the exchange's service secret, the other zone's key files) and, of its
 *     own zone, only its own NATS password and object-store key; a lane key only in that lane's
 *     two halves;
 *   - each of its TCP connections goes to a port of its own zone, and a UDP socket with a peer
 *     aims at its own lane's port.
 * Answers what breaks the rule (empty when none) and how many connections were looked at.
 */
function zoneIsolation(procs: Proc[], secrets: Secrets, dataDir: string): { failures: string[]; connections: number } {
  const failures: string[] = [];
  const byZone = (z: ZoneName) => procs.filter((p) => p.env.ZONE === z);
  // The ports each zone's processes may name and connect to: its cluster, its NATS, its store, its services.
  const own = Object.fromEntries(ZONE_NAMES.map((z) => [z, new Set<number>([
    secrets.postgres.ports[z],
    ...byZone(z).flatMap((p) => [...portsIn(p.env.NATS_URL ?? ''), ...portsIn(p.env.S3_ENDPOINT ?? '')]),
    ...byZone(z).map((p) => Number(p.env.PORT)),
  ])])) as Record<ZoneName, Set<number>>;
  const lanePort = (p: Proc) => portsIn(p.env.LANE_UDP_TARGET ?? p.env.LANE_UDP_BIND ?? '')[0];
  const portal = portsIn(procs.find((p) => p.env.PORTAL_PUBLIC_URL)?.env.PORTAL_PUBLIC_URL ?? '');
  for (const z of ZONE_NAMES) for (const port of own[z]) if (own[otherZone(z)].has(port)) failures.push(`port ${port} belongs to both zones`);

  const socks = sockets();
  const inodes = new Map(procs.map((p) => [p.pid, socketInodes(p.pid)]));
  let connections = 0;
  for (const p of procs) {
    const z = p.env.ZONE as ZoneName;
    const o = otherZone(z);
    const name = `${z} ${p.env.LANE ? `relay ${p.env.LANE} ${p.env.LANE_ROLE}` : p.env.REALM ? `identity ${p.env.REALM}` : p.env.NATS_USER} (pid ${p.pid})`;
    const allowed = new Set([...own[z], ...(p.env.LANE ? [lanePort(p)!] : []), ...(p.env.PORTAL_PUBLIC_URL ? portal : [])]);
    for (const [k, v] of Object.entries(p.env)) {
      for (const port of portsIn(v)) if (!allowed.has(port)) failures.push(`${name}: ${k} names port ${port}${own[o].has(port) ? `, of the ${o} zone` : ''}`);
    }
    const values = Object.entries(p.env);
    const holds = (secret: string | undefined) => !!secret && values.some(([, v]) => v.includes(secret));
    const secretsOf = (zone: ZoneName, except: string[] = []): Array<[string, string]> => ([
      ...Object.entries(secrets.nats[zone]).map(([u, pw]) => [`NATS password of ${zone} user ${u}`, pw]),
      ...Object.entries(secrets.s3[zone].keys).map(([k, pw]) => [`object-store key ${k} of ${zone}`, pw]),
      [`object-store root of ${zone}`, secrets.s3[zone].root],
      [`identity data key of ${zone}`, secrets.dataKeys[zone]],
    ] as Array<[string, string]>).filter(([, secret]) => !except.includes(secret));
    for (const [what, secret] of secretsOf(o)) if (holds(secret)) failures.push(`${name} holds the ${what}`);
    for (const [what, secret] of secretsOf(z, [p.env.NATS_PASS ?? '', p.env.S3_SECRET_KEY ?? '', ...(p.env.REALM ? [secrets.dataKeys[z]] : [])])) if (holds(secret)) failures.push(`${name} holds the ${what}`);
    if (holds(secrets.exchangeClientSecret) && !(z === 'extranet' && (p.env.REALM === 'staff' || p.env.NATS_USER === 'exchange'))) failures.push(`${name} holds the exchange's service secret`);
    for (const [lane, key] of Object.entries(secrets.laneKeys)) if (holds(key) && p.env.LANE !== lane) failures.push(`${name} holds the ${lane} lane's key`);
    for (const file of [`keys/${o}-`, `mailbox-${o}`, `nats-${o}`, `s3-${o}`, `postgres-${o}`]) {
      if (values.some(([, v]) => v.includes(path.join(dataDir, file)))) failures.push(`${name} names ${file} of the data folder`);
    }
    // Its connections, as the kernel has them.
    for (const inode of inodes.get(p.pid)!) {
      const s = socks.get(inode);
      if (!s || s.remote === 0) continue; // listening, or an unconnected UDP socket
      if (s.proto.startsWith('tcp') && s.state !== '01') continue; // only established connections
      connections++;
      if (s.proto.startsWith('udp')) {
        if (s.remote !== lanePort(p)) failures.push(`${name}: ${s.proto} socket aimed at port ${s.remote}`);
        continue;
      }
      // The other end: a process of the platform (whoever opened the connection), or a server of
      // the launcher (Postgres, NATS, the object store) or the launcher itself (ingress, probes).
      const peer = [...socks].find(([, t]) => t.proto === s.proto && t.local === s.remote && t.remote === s.local)?.[0];
      const peerProc = peer ? procs.find((q) => inodes.get(q.pid)!.includes(peer)) : undefined;
      if (peerProc ? peerProc.env.ZONE !== z : !own[z].has(s.remote) && s.local !== Number(p.env.PORT)) {
        failures.push(`${name}: ${s.proto} connection from port ${s.local} to port ${s.remote}${peerProc ? ` (pid ${peerProc.pid}, ${peerProc.env.ZONE} zone)` : own[o].has(s.remote) ? `, of the ${o} zone` : ''}`);
      }
    }
  }
  return { failures, connections };
}

/**
 * Removes folders with `rm -rf` in the background: the clone (45 000 files, most of them
 * node_modules) took half a minute of disk to remove on a busy machine, time the failure tests
 * below can use. The file's last afterAll waits for it.
 */
const removals: Promise<unknown>[] = [];
function removeInBackground(dirs: string[]): void {
  if (!dirs.length) return;
  const child = spawn('rm', ['-rf', ...dirs], { stdio: 'ignore' });
  removals.push(new Promise((resolve) => child.once('exit', resolve)));
}
afterAll(async () => { await Promise.all(removals); }, 300_000);

/**
 * The production bundles the run command built in the clone (`.data/bundles`, the same sources as
 * this checkout's HEAD), kept for the failure tests: the launcher there sees an up-to-date stamp
 * and starts from them instead of building its own (a few seconds of CPU); with other sources it
 * builds them again in the same place.
 */
let keptBundles: string | undefined;

describe('bash scripts/run.sh from a clone in a private folder', () => {
  let tmp: string;
  let repo: string;
  let run: Run | undefined;
  const outside: string[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-private-'));
    fs.chmodSync(tmp, 0o700);
    repo = path.join(tmp, 'hall');
    const clone = spawnSync('git', ['clone', '-q', REPO_ROOT, repo], { encoding: 'utf8' });
    expect(clone.stderr).toBe('');
    // The workspace's dependencies from the machine's pnpm store (no network), and the Prisma clients
    // the working tree already generated, with their stamps: setup.sh generates only stale ones.
    const install = spawnSync('pnpm', ['install', '--frozen-lockfile', '--offline', '--reporter=silent'], { cwd: repo, encoding: 'utf8', timeout: budget(300_000) });
    expect({ status: install.status, stderr: install.stderr }).toEqual({ status: 0, stderr: '' });
    for (const svc of fs.readdirSync(path.join(repo, 'services'))) {
      const from = path.join(REPO_ROOT, 'services', svc, 'src/generated');
      if (fs.existsSync(path.join(from, '.stamp'))) fs.cpSync(from, path.join(repo, 'services', svc, 'src/generated'), { recursive: true });
    }
  }, 400_000);

  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.exited;
    }
    const built = path.join(repo, '.data/bundles');
    if (fs.existsSync(path.join(built, '.stamp'))) {
      keptBundles = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hall-run-bundles-')), 'bundles');
      fs.renameSync(built, keptBundles);
    }
    removeInBackground([...outside, tmp]);
  }, 120_000);

  it('gets ready with a Postgres cluster per zone and a role per service, isolated from the other zone', async () => {
    // The launcher's wait for each process, stretched by the machine's load like every wait here.
    run = start('bash', ['scripts/run.sh'], repo, { HALL_READY_TIMEOUT_MS: String(budget(180_000)) });
    await waitFor(async () => run!.output().includes(READY_LINE) || run!.child.exitCode !== null, { timeoutMs: 480_000, what: 'the run command to be ready or to exit' });
    if (!run.output().includes(READY_LINE)) {
      // Refused on purpose (as root where the postgres user cannot be arranged): one clear sentence.
      const line = await expectOneLineFailure(run, /postgres/);
      process.stdout.write(`run command refused: ${line}\n`);
      return;
    }
    const pgLine = run.output().match(/Postgres 互联网 (\S+)\s+政务外网 (\S+)/);
    if (pgLine) outside.push(path.dirname(pgLine[1]!));
    if (process.getuid?.() === 0) {
      // As root the clusters live outside the private checkout, where their user can reach them.
      expect(pgLine?.[1]).toMatch(/^\/var\/lib\/hall\//);
    }

    const secrets = JSON.parse(fs.readFileSync(path.join(repo, '.data/secrets.json'), 'utf8')) as Secrets;
    expect((fs.statSync(path.join(repo, '.data/secrets.json')).mode & 0o777).toString(8)).toBe('600');
    const { ports, superuser, roles } = secrets.postgres;
    expect(ports.internet).not.toBe(ports.extranet);
    const admin = (zone: ZoneName, db = 'postgres') => `postgres://postgres:${superuser[zone]}@127.0.0.1:${ports[zone]}/${db}`;
    const as = (role: string, zone: ZoneName, db: string) => `postgres://${role}:${roles[role]}@127.0.0.1:${ports[zone]}/${db}`;
    const other = (z: ZoneName): ZoneName => (z === 'internet' ? 'extranet' : 'internet');

    // Each zone's cluster holds that zone's databases only.
    for (const zone of ['internet', 'extranet'] as ZoneName[]) {
      const dbs = (await query<{ datname: string }>(admin(zone), "SELECT datname FROM pg_database WHERE datname LIKE 'hall\\_%' ORDER BY 1")).map((r) => r.datname);
      expect({ zone, dbs }).toEqual({ zone, dbs: PROCESSES.filter((p) => p.zone === zone).map((p) => `hall_${p.database}`).sort() });
    }

    // Every process the launcher started, by its environment.
    const procs = childPids(run.child.pid!).map((pid) => ({ pid, env: environ(pid) })).filter((p) => p.env.ZONE);
    expect(procs.length).toBe(PROCESSES.length);
    for (const { env } of procs) {
      const zone = env.ZONE as ZoneName;
      const url = new URL(env.DATABASE_URL!);
      const role = decodeURIComponent(url.username);
      const values = Object.values(env).join('\n');
      const foreign = [
        `127.0.0.1:${ports[other(zone)]}`, superuser[other(zone)], superuser[zone],
        // no other role's password, of either zone
        ...Object.entries(roles).filter(([r]) => r !== role).map(([, pw]) => pw),
      ].filter((s) => values.includes(s));
      expect({ role, zone, port: url.port, superuserLogin: role === 'postgres', foreign }).toEqual({ role, zone, port: String(ports[zone]), superuserLogin: false, foreign: [] });
      expect(decodeURIComponent(url.pathname.slice(1))).toBe(role);
    }

    // Every session on each cluster: a service role on its own database, of that zone.
    for (const zone of ['internet', 'extranet'] as ZoneName[]) {
      const sessions = await query<{ usename: string; datname: string }>(admin(zone),
        "SELECT DISTINCT usename, datname FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      const zoneRoles = new Set(PROCESSES.filter((p) => p.zone === zone).map((p) => `hall_${p.database}`));
      expect(sessions.length).toBeGreaterThan(0);
      for (const s of sessions) expect({ zone, ...s, own: s.usename === s.datname && zoneRoles.has(s.usename) }).toEqual({ zone, ...s, own: true });
    }

    // declaration's role: no superuser; refused by the extranet cluster and by other databases.
    const [decl] = await query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(as('hall_declaration', 'internet', 'hall_declaration'),
      'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user');
    expect(decl).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    expect(await connectCode(as('hall_declaration', 'extranet', 'hall_approval'))).toBe('28P01');
    expect(await connectCode(as('hall_declaration', 'extranet', 'postgres'))).toBe('28P01');
    expect(await connectCode(as('hall_declaration', 'internet', 'hall_relay_outbound'))).toBe('42501');
    expect(await connectCode(as('hall_declaration', 'internet', 'postgres'))).toBe('42501');
    // And the other way round.
    expect(await connectCode(as('hall_approval', 'internet', 'hall_declaration'))).toBe('28P01');
    expect(await connectCode(as('hall_approval', 'extranet', 'hall_certificate'))).toBe('42501');
    // The committed password of the old single cluster opens nothing.
    expect(await connectCode(`postgres://postgres:postgres@127.0.0.1:${ports.internet}/postgres`)).toBe('28P01');

    // Every process's whole configuration and its connections: its own zone only.
    const isolation = zoneIsolation(procs, secrets, fs.realpathSync(path.join(repo, '.data')));
    process.stdout.write(`zone isolation: ${procs.length} processes, ${isolation.connections} connections looked at\n`);
    expect(isolation.failures).toEqual([]);
    // Every service holds connections to its cluster and NATS at least: the look found them.
    expect(isolation.connections).toBeGreaterThanOrEqual(2 * procs.length);

    // Both zones' object stores refuse anonymous list, get and put.
    for (const zone of ZONE_NAMES) {
      const { S3_ENDPOINT: store, S3_BUCKET: bucket } = procs.find((p) => p.env.ZONE === zone && p.env.S3_ENDPOINT)!.env;
      const refused = await Promise.all([
        fetch(`${store}/${bucket}?list-type=2`), fetch(`${store}/${bucket}/materials/x.png`),
        fetch(`${store}/${bucket}/materials/forged.png`, { method: 'PUT', body: 'forged' }),
      ]);
      expect({ zone, anonymous: refused.map((r) => r.status) }).toEqual({ zone, anonymous: [403, 403, 403] });
    }

    // Each lane receiver drops and counts a datagram without a MAC (a correct CRC), and answers nothing.
    const socket = dgram.createSocket('udp4');
    let answers = 0;
    socket.on('message', () => { answers++; });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    try {
      for (const rx of procs.filter((p) => p.env.LANE_ROLE === 'receiver')) {
        const noMac = async () => Number(/^relay_lane_unauthenticated_total\{[^}]*reason="no-mac"[^}]*\} (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${rx.env.PORT}/metrics`)).text())?.[1] ?? 0);
        const before = await noMac();
        const heartbeat = { kind: Kind.Heartbeat, lane: LANE_IDS[rx.env.LANE as LaneName], epoch: 99, seq: 0, index: 0, count: 0, recordLength: 0, payload: Buffer.alloc(16, 0x7f) };
        const forged = versionOne(encodePacket(heartbeat, parseLaneKeys(generateLaneKey('forger')).keys[0]!));
        const [host, port] = rx.env.LANE_UDP_BIND!.split(':');
        await new Promise<void>((resolve, reject) => socket.send(forged, Number(port), host, (err) => (err ? reject(err) : resolve())));
        await waitFor(async () => (await noMac()) > before, { what: `relay ${rx.env.LANE} receiver counting a datagram without a MAC`, timeoutMs: 20_000 });
      }
    } finally { socket.close(); }
    expect(answers).toBe(0);

    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
  }, 900_000);
});

describe('a start-up failure', () => {
  const cli = ['--import', 'tsx', path.join(REPO_ROOT, 'packages/platform/src/cli.ts')];
  let dataDir: string;
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-fail-')); });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  afterAll(() => { if (keptBundles) removeInBackground([path.dirname(keptBundles)]); });
  const bundlesEnv = (): Record<string, string> => (keptBundles ? { HALL_BUNDLES_DIR: keptBundles } : {});

  it('of the database server is one line naming it and the cause, exit 1, no stack trace', async () => {
    const run = start(process.execPath, cli, REPO_ROOT, { HALL_DATA_DIR: dataDir, ...bundlesEnv(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/postgres' });
    const line = await expectOneLineFailure(run, /^启动失败 start-up failed — postgres-(internet|extranet): .*ECONNREFUSED/);
    expect(line).not.toContain('nobody@');
  }, 120_000);

  it('of a service is one line naming it, its last words and its log, exit 1, no stack trace', async () => {
    const prefix = `runfail_${randomUUID().slice(0, 8)}`;
    try {
      // A log level no service accepts: each exits 78 at configuration, the first one is reported.
      const run = start(process.execPath, cli, REPO_ROOT, { HALL_DATA_DIR: dataDir, ...bundlesEnv(), DATABASE_URL: pgAdminUrl(), HALL_DATABASE_PREFIX: prefix, LOG_LEVEL: 'chatty' });
      const line = await expectOneLineFailure(run, /— [a-z-]+: 退出 exited with 78 before it was ready: .*LOG_LEVEL/);
      const log = line.match(/日志 log: (\S+?)）?$/)![1]!;
      expect(fs.readFileSync(log, 'utf8')).toContain('LOG_LEVEL');
    } finally {
      await dropServiceDatabases(pgAdminUrl(), PROCESSES.map((p) => ({ database: `${prefix}_${p.database}` })));
    }
  }, 180_000);
});
