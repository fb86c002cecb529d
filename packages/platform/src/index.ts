/**
 * The platform launcher: starts both zones on one machine — a NATS server per zone with its users
 * and permissions, Postgres (the given server, or an embedded cluster per zone, see postgres.ts)
 * with a role per service that owns only its database, an S3 endpoint per zone, every
 * service as its own process with its own zone's credentials only, and both relay lanes — and
 * stops them in reverse order. Used by `pnpm start` (persistent, under .data/) and by test-e2e
 * (throwaway databases and temporary directories).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { generateSigningKey } from '@hall/auth';
import { provisionServiceDatabases, dropServiceDatabases, serviceDatabaseUrl, type ServiceDatabase } from '@hall/db';
import { generatePasswords } from '@hall/messaging';
import { startNatsZone, startS3, freePort, trackChild, type NatsZoneServer, type S3Credential, type S3Server } from '@hall/testkit';
import { PROCESSES, ISSUER, AUDIENCE, BUCKET, processesFor, storeAccessOf, type ProcessSpec, type RelayTransport, type StoreAccess, type ZoneName } from './topology.js';

export * from './topology.js';
import { startIngress } from './ingress.js';
import { planPostgres, startCluster, StartupError } from './postgres.js';
export { StartupError } from './postgres.js';
export { ensureServiceBundles } from './bundles.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ZONES: ZoneName[] = ['internet', 'extranet'];

export interface PlatformOptions {
  /** Where state lives: secrets, keys, NATS stores, S3 files, logs (and embedded Postgres). */
  dataDir: string;
  /**
   * Admin URL of a Postgres server to use for both zones (each service's role and database are
   * created on it; the roles keep the zones apart), or one server per zone (the tests'
   * whole-platform helper: each zone's roles and databases on its own server); else an embedded
   * cluster per zone.
   */
  adminDatabaseUrl?: string | Record<ZoneName, string>;
  /** Database name prefix, so that several platforms can share a server. */
  databasePrefix?: string;
  seed?: boolean;
  logLevel?: string;
  /** Also echo each process's output, prefixed with its name. */
  echo?: boolean;
  /** Called as each step completes, for the CLI's progress display. */
  onProgress?: (step: string, done: number, total: number) => void;
  /** Node arguments that start a process (default: its TypeScript entry through tsx, or its bundle with `bundles`); deploy tests pass production bundles. */
  entry?: (spec: ProcessSpec) => string[];
  /**
   * A folder of production bundles (deploy/build.ts: `<folder>/<service>/server.mjs`) to start the
   * processes from instead of tsx. A promise lets the build run while the infrastructure starts; the
   * processes start once it resolves, and its failure is the start-up failure of `bundles`.
   */
  bundles?: string | Promise<string>;
  /** Relay lanes as udp sender/receiver halves (default) or as one bridge process per lane. */
  relayTransport?: RelayTransport;
  /**
   * Each process's database pool size (DATABASE_POOL_MAX; services default to 10). Tests run two
   * platforms side by side on one Postgres with max_connections = 100, so they ask for less.
   */
  databasePoolMax?: number;
}

/** A UDP port that was free a moment ago (for a lane receiver to bind and its sender to aim at). */
async function freeUdpPort(): Promise<number> {
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface RunningProcess {
  spec: ProcessSpec; url: string; port: number; child: ChildProcess | null; env: Record<string, string>; logFile: string;
  /** Times the launcher restarted the process after it exited on its own (as compose's `restart: unless-stopped` does). */
  restarts?: number;
  /** Set while the launcher stops it (stop(), kill()): such an exit is not restarted. */
  stopping?: boolean;
  /** Ready at least once: exits before that are start-up failures, reported, not restarted. */
  started?: boolean;
}

export interface Platform {
  /** One origin per zone (see ingress.ts): the public portal and the staff console; the supervisors' dashboard (电子监察) has its own extranet origin. */
  ingress: { portal: string; console: string; supervision: string };
  nats: Record<ZoneName, NatsZoneServer>;
  /** Each zone's object store; its accessKey/secretKey are the store's root user (tests and tools only: every process has its own credential, STORE_ACCESS). */
  s3: Record<ZoneName, S3Server>;
  /** The internet zone's admin URL: the given one, or its embedded cluster's (see `postgres` for each zone's). */
  adminDatabaseUrl: string;
  /** Each zone's Postgres: its admin URL, and with embedded clusters the cluster's folder. */
  postgres: Record<ZoneName, { adminUrl: string; dir?: string }>;
  /** A database of the platform (by process or database suffix) with the admin's credentials, for tests to inspect. */
  databaseUrl(spec: ProcessSpec | string): string;
  processes: Record<string, RunningProcess>;
  url(name: string): string;
  /** SIGKILL (or another signal) to one process, for fault tests. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped process again with the same environment and port. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
  /** Drops every database the platform created (tests). */
  dropDatabases(): Promise<void>;
}

interface Secrets {
  nats: Record<ZoneName, Record<string, string>>; keys: Record<ZoneName, ReturnType<typeof generateSigningKey>>;
  /** identity's IDENTITY_DATA_KEY per zone */ dataKeys?: Record<ZoneName, string>;
  /** Each udp lane's LANE_MAC_KEYS (`keyId:base64key`), given to both of its halves. */
  laneKeys?: Record<string, string>;
  /** The data-exchange service's own client secret at identity-staff (its calls to approval, certificate, catalog). */
  exchangeClientSecret?: string;
  /** Embedded clusters (superuser password and port per zone; clusterId ties a cluster to these secrets) and each service role's password. */
  postgres?: { clusterId: string; superuser: Record<ZoneName, string>; ports: Partial<Record<ZoneName, number>>; roles: Record<string, string> };
  /** Object stores: per zone, the root user's secret and each credential's secret by access key. */
  s3?: Record<ZoneName, { root: string; keys: Record<string, string> }>;
}

function loadSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  // Each zone gets its own passwords and its own signing key: nothing is shared across zones.
  const s: Secrets = {
    nats: { internet: generatePasswords('internet'), extranet: generatePasswords('extranet') },
    keys: { internet: generateSigningKey('EdDSA'), extranet: generateSigningKey('EdDSA') },
  };
  fs.writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

function saveSecrets(dataDir: string, s: Secrets) {
  fs.writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify(s, null, 2), { mode: 0o600 });
}

/**
 * How long a process may take to answer /ready: 180 s, or HALL_READY_TIMEOUT_MS. Sixteen processes
 * start at once on two cores (through tsx unless from bundles), and the staff realm hashes every demo password on its first
 * start; at load 20 identity-staff needed more than the 90 s this once was.
 */
function readyTimeoutMs(): number {
  const v = Number(process.env.HALL_READY_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 180_000;
}

async function waitReady(url: string, child: ChildProcess, name: string, logFile: string, timeoutMs = readyTimeoutMs()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new StartupError(name, `退出 exited with ${child.exitCode} before it was ready: ${lastLogMessage(logFile)}`, logFile);
    try {
      const res = await fetch(`${url}/ready`);
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new StartupError(name, `未就绪 not ready after ${timeoutMs} ms: ${lastLogMessage(logFile)}`, logFile);
}

/** The last line of a process's log, as one short line (the message and error of a JSON log line). */
function lastLogMessage(file: string): string {
  let line = '';
  try { line = fs.readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? ''; } catch { /* no log */ }
  try {
    const j = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    line = [j.msg, j.err?.message].filter(Boolean).join(': ');
  } catch { /* not JSON */ }
  line = line.replace(/\s+/g, ' ').trim();
  return (line.length > 200 ? `${line.slice(0, 200)}…` : line) || '(日志为空 empty log)';
}

/**
 * Runs one component's start; any failure becomes a StartupError naming the component, with the
 * whole error (stack, output) appended to its log so the one line the CLI prints can stay short.
 */
async function component<T>(name: string, logFile: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    if (logFile) fs.appendFileSync(logFile, `${new Date().toISOString()} launcher: ${e.stack ?? e.message}\n`);
    throw new StartupError(name, (e.message.split('\n')[0] ?? '').slice(0, 300) || e.name, logFile);
  }
}

/** A service role's password: HALL_DB_PASSWORD_<ROLE> from the environment, else generated once into secrets.json. */
function rolePassword(secrets: Secrets, role: string): string {
  return process.env[`HALL_DB_PASSWORD_${role.toUpperCase()}`] || (secrets.postgres!.roles[role] ??= randomBytes(24).toString('hex'));
}

/**
 * The credentials a zone's object store accepts: one per process that uses it (access key = the
 * process name; a bridge lane's read-only key on its source zone's store ends in `-source`), with
 * exactly the process's policy from topology.ts. Secrets are generated once into secrets.json.
 */
function storeCredentials(secrets: Secrets, specs: ProcessSpec[], zone: ZoneName): Map<string, S3Credential> {
  const store = ((secrets.s3 ??= {} as NonNullable<Secrets['s3']>)[zone] ??= { root: randomBytes(24).toString('base64url'), keys: {} });
  const grants = (a: StoreAccess) => [
    ...(a.write?.length ? [{ bucket: BUCKET, prefixes: a.write, access: 'readwrite' as const }] : []),
    ...(a.read?.length ? [{ bucket: BUCKET, prefixes: a.read, access: 'read' as const }] : []),
  ];
  const out = new Map<string, S3Credential>();
  const add = (processName: string, accessKey: string, access: StoreAccess | undefined) => {
    if (!access) throw new Error(`${processName} uses the ${zone} object store but topology.ts gives it no STORE_ACCESS policy`);
    out.set(processName, { accessKey, secretKey: (store.keys[accessKey] ??= randomBytes(24).toString('base64url')), grants: grants(access) });
  };
  for (const spec of specs) {
    if (spec.zone === zone && spec.objectStore) add(spec.name, spec.name, storeAccessOf(spec));
    if (spec.source?.zone === zone) add(`${spec.name}:source`, `${spec.name}-source`, storeAccessOf(spec, 'source'));
  }
  return out;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'keys'), { recursive: true });
  const secrets = loadSecrets(dataDir);
  if (!secrets.dataKeys) {
    // Data directories made before identity had a data key get one now, kept with the other secrets.
    secrets.dataKeys = { internet: randomBytes(32).toString('base64'), extranet: randomBytes(32).toString('base64') };
    saveSecrets(dataDir, secrets);
  }
  // Decided before anything starts: where the embedded clusters live, or (as root, when that cannot
  // be arranged) the one sentence saying what to do.
  const layout = opts.adminDatabaseUrl ? undefined : planPostgres(dataDir, ZONES);
  const specs = processesFor(opts.relayTransport ?? 'udp');
  const total = 4 + specs.length;
  let step = 0;
  const progress = (s: string) => opts.onProgress?.(s, ++step, total);
  const cleanups: (() => Promise<void>)[] = [];
  const launched: ChildProcess[] = [];

  try {
    const pgSecrets = secrets.postgres ??= {
      clusterId: randomBytes(8).toString('hex'), ports: {}, roles: {},
      superuser: { internet: randomBytes(24).toString('hex'), extranet: randomBytes(24).toString('hex') },
    };
    const adminUrls = {} as Record<ZoneName, string>;
    if (layout) {
      for (const zone of ZONES) {
        let port: number;
        do port = pgSecrets.ports[zone] ?? await freePort(); while (ZONES.some((z) => z !== zone && pgSecrets.ports[z] === port));
        pgSecrets.ports[zone] = port;
      }
      saveSecrets(dataDir, secrets);
      // Each zone's cluster holds that zone's databases only; no process gets the other's address.
      await Promise.all(ZONES.map(async (zone) => {
        const cluster = await component(`postgres-${zone}`, path.join(dataDir, 'logs', `postgres-${zone}.log`), () => startCluster({
          zone, layout, port: pgSecrets.ports[zone]!, password: pgSecrets.superuser[zone], clusterId: pgSecrets.clusterId, logFile: path.join(dataDir, 'logs', `postgres-${zone}.log`),
        }));
        cleanups.push(cluster.stop);
        adminUrls[zone] = cluster.adminUrl;
      }));
    } else {
      const given = opts.adminDatabaseUrl!;
      for (const zone of ZONES) adminUrls[zone] = typeof given === 'string' ? given : given[zone];
    }
    const prefix = opts.databasePrefix ?? 'hall';
    // A role per service database, named as the database (so unique per prefix on a shared server).
    const dbName = (spec: ProcessSpec) => `${prefix}_${spec.database}`;
    const serviceDb = (spec: ProcessSpec): ServiceDatabase => ({ database: dbName(spec), password: rolePassword(secrets, dbName(spec)) });
    await Promise.all(ZONES.map((zone) => component(`postgres-${zone}`, path.join(dataDir, 'logs', `postgres-${zone}.log`), () =>
      provisionServiceDatabases(adminUrls[zone], specs.filter((s) => s.zone === zone).map(serviceDb), { closeMaintenance: !!layout }))));
    saveSecrets(dataDir, secrets);
    progress('postgres');
    const allSpecs = [...PROCESSES, ...processesFor('bridge')];
    const databaseUrl = (specOrName: ProcessSpec | string) => {
      const spec = typeof specOrName === 'string' ? allSpecs.find((p) => p.database === specOrName || p.name === specOrName) : specOrName;
      if (!spec) throw new Error(`no database ${String(specOrName)}`);
      const u = new URL(adminUrls[spec.zone]);
      u.pathname = `/${dbName(spec)}`;
      return u.toString();
    };

    const nats = {} as Record<ZoneName, NatsZoneServer>;
    for (const zone of ZONES) {
      nats[zone] = await component(`nats-${zone}`, path.join(dataDir, 'logs', `nats-${zone}.log`), () => startNatsZone({ zone, storeDir: path.join(dataDir, `nats-${zone}`), passwords: secrets.nats[zone], syncAlways: true, keepStore: true }));
      cleanups.push(() => nats[zone].stop());
    }
    progress('nats');
    const s3 = {} as Record<ZoneName, S3Server>;
    // Per zone, the credential of each process (by name) on that zone's store; no anonymous access.
    const storeCreds = {} as Record<ZoneName, Map<string, S3Credential>>;
    for (const zone of ZONES) {
      storeCreds[zone] = storeCredentials(secrets, specs, zone);
      const root = { accessKey: 'hall-root', secretKey: secrets.s3![zone].root };
      s3[zone] = await component(`s3-${zone}`, path.join(dataDir, 'logs', `s3-${zone}.log`), () => startS3({ directory: path.join(dataDir, `s3-${zone}`), buckets: [BUCKET], root, credentials: [...storeCreds[zone].values()] }));
      cleanups.push(() => s3[zone].stop());
    }
    saveSecrets(dataDir, secrets);
    progress('object stores');

    for (const zone of ZONES) {
      const k = secrets.keys[zone];
      fs.writeFileSync(path.join(dataDir, 'keys', `${zone}-signing.json`), JSON.stringify(k), { mode: 0o600 });
      fs.writeFileSync(path.join(dataDir, 'keys', `${zone}-public.json`), JSON.stringify([{ kid: k.kid, pem: k.publicKeyPem }]));
    }
    progress('keys');

    const bundleDir = opts.bundles === undefined ? undefined
      : await component('bundles', path.join(dataDir, 'logs', 'launcher.log'), async () => opts.bundles!);
    const processes: Record<string, RunningProcess> = {};
    // Every port is chosen before anything starts, because some processes are told where others
    // listen (exchange calls certificate, approval and catalog).
    const ports: Record<string, number> = {};
    for (const spec of specs) {
      let port: number;
      do port = await freePort(); while (Object.values(ports).includes(port));
      ports[spec.name] = port;
    }
    const urlOf = (name: string) => `http://127.0.0.1:${ports[name]}`;
    // The portal's ingress port too: its address is the public one every citizen link uses (PORTAL_PUBLIC_URL).
    let portalPort: number;
    do portalPort = await freePort(); while (Object.values(ports).includes(portalPort));
    const portalPublicUrl = `http://127.0.0.1:${portalPort}`;
    // One UDP port per udp lane: its receiver listens there and its sender aims there.
    const lanePorts: Record<string, number> = {};
    for (const spec of specs) if (spec.lane) lanePorts[spec.lane.name] ??= await freeUdpPort();
    // And one MAC key per udp lane, for both halves: HALL_LANE_MAC_KEYS_<LANE>, else generated once into secrets.json.
    const laneKey = (lane: string): string => {
      const fromEnv = process.env[`HALL_LANE_MAC_KEYS_${lane.toUpperCase()}`];
      if (fromEnv) return fromEnv;
      if (!secrets.laneKeys?.[lane]) { (secrets.laneKeys ??= {})[lane] = `k1:${randomBytes(32).toString('base64')}`; saveSecrets(dataDir, secrets); }
      return secrets.laneKeys[lane]!;
    };
    // The exchange's service identity: HALL_EXCHANGE_CLIENT_SECRET, else generated once into secrets.json.
    const exchangeSecret = (): string => {
      if (process.env.HALL_EXCHANGE_CLIENT_SECRET) return process.env.HALL_EXCHANGE_CLIENT_SECRET;
      if (!secrets.exchangeClientSecret) { secrets.exchangeClientSecret = randomBytes(24).toString('hex'); saveSecrets(dataDir, secrets); }
      return secrets.exchangeClientSecret;
    };
    const envFor = (spec: ProcessSpec, port: number): Record<string, string> => {
      const z = spec.zone;
      const env: Record<string, string> = {
        ZONE: z, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: opts.logLevel ?? 'info',
        DATABASE_URL: serviceDatabaseUrl(adminUrls[z], serviceDb(spec)), NATS_URL: nats[z].url, NATS_USER: spec.natsUser, NATS_PASS: nats[z].users[spec.natsUser]!.pass,
        SEED_DEMO: String(opts.seed ?? false), ...(opts.databasePoolMax ? { DATABASE_POOL_MAX: String(opts.databasePoolMax) } : {}), ...spec.env,
      };
      if (spec.auth) Object.assign(env, { AUTH_PUBLIC_KEYS_FILE: path.join(dataDir, 'keys', `${z}-public.json`), AUTH_ISSUER: ISSUER[z], AUTH_AUDIENCE: AUDIENCE[z] });
      if (spec.service === 'identity') {
        Object.assign(env, {
          AUTH_SIGNING_KEY_FILE: path.join(dataDir, 'keys', `${z}-signing.json`), IDENTITY_DATA_KEY: secrets.dataKeys![z],
          NOTIFY_MAILBOX_DIR: path.join(dataDir, `mailbox-${z}`),
        });
        if (z === 'extranet') env.EXCHANGE_CLIENT_SECRET = exchangeSecret();
      } else if (spec.auth) {
        // Every service verifies from its zone identity's JWKS, so key rotation needs no restart.
        env.AUTH_JWKS_URL = `${urlOf(z === 'internet' ? 'identity-public' : 'identity-staff')}/.well-known/jwks.json`;
      }
      if (spec.service === 'declaration') env.IDENTITY_URL = urlOf('identity-public');
      // Links citizens receive (the certificate's QR code, SMS, e-mail) lead to the portal's public address.
      if (spec.service === 'certificate' || spec.service === 'declaration') env.PORTAL_PUBLIC_URL = portalPublicUrl;
      if (spec.service === 'exchange') {
        Object.assign(env, { CERTIFICATE_URL: urlOf('certificate'), APPROVAL_URL: urlOf('approval'), CATALOG_URL: urlOf('catalog'), TOKEN_URL: `${urlOf('identity-staff')}/v1/oauth/token`, SERVICE_TOKEN_URL: `${urlOf('identity-staff')}/v1/oauth/token`, SERVICE_CLIENT_SECRET: exchangeSecret() });
      }
      if (spec.objectStore) {
        const c = storeCreds[z].get(spec.name)!;
        Object.assign(env, { S3_ENDPOINT: s3[z].endpoint, S3_ACCESS_KEY: c.accessKey, S3_SECRET_KEY: c.secretKey, S3_BUCKET: BUCKET });
      }
      if (spec.lane) {
        const at = `127.0.0.1:${lanePorts[spec.lane.name]}`;
        Object.assign(env, spec.lane.role === 'receiver' ? { LANE_UDP_BIND: at } : { LANE_UDP_TARGET: at });
        env.LANE_MAC_KEYS = laneKey(spec.lane.name);
      }
      if (spec.source) {
        const sz = spec.source.zone;
        Object.assign(env, {
          SOURCE_NATS_URL: nats[sz].url, SOURCE_NATS_USER: spec.source.natsUser, SOURCE_NATS_PASS: nats[sz].users[spec.source.natsUser]!.pass,
          SOURCE_S3_ENDPOINT: s3[sz].endpoint, SOURCE_S3_ACCESS_KEY: storeCreds[sz].get(`${spec.name}:source`)!.accessKey, SOURCE_S3_SECRET_KEY: storeCreds[sz].get(`${spec.name}:source`)!.secretKey, SOURCE_S3_BUCKET: BUCKET,
        });
      }
      return env;
    };

    const launch = (p: RunningProcess) => {
      const out = fs.openSync(p.logFile, 'a');
      const args = opts.entry?.(p.spec)
        // Without source maps unless HALL_SOURCE_MAPS=1, as the images run (see bundleEntry in @hall/testkit: 1 s of CPU per process stop).
        ?? (bundleDir ? [...(process.env.HALL_SOURCE_MAPS === '1' ? ['--enable-source-maps'] : []), path.join(bundleDir, p.spec.service, 'server.mjs')] : ['--import', 'tsx', path.join(REPO_ROOT, 'services', p.spec.service, 'src/server.ts')]);
      const child = spawn(process.execPath, args, {
        cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...p.env }, stdio: ['ignore', out, out],
        // Own process group: a terminal's Ctrl-C reaches the launcher only, which stops services
        // before the infrastructure they drain into.
        detached: true,
      });
      fs.closeSync(out);
      // Killed by the test kit's reaper if the launcher itself dies without stopping them (a
      // test run killed mid-file left a whole platform running before).
      trackChild(child);
      p.child = child;
      p.stopping = false;
      launched.push(child);
      // A process that exits on its own once it was ready (a relay half that lost its lane lease
      // exits on purpose, a crash) is started again after a second, as the deployments' restart
      // policies do; exits the launcher asked for (stop, kill) are not.
      child.once('exit', (code, signal) => {
        if (p.child !== child || p.stopping || !p.started || stopped) return;
        fs.appendFileSync(p.logFile, `${JSON.stringify({ level: 40, time: new Date().toISOString(), msg: `launcher: exited (${signal ?? code}); restarting` })}\n`);
        setTimeout(() => {
          if (p.child !== child || p.stopping || stopped) return;
          p.restarts = (p.restarts ?? 0) + 1;
          launch(p);
        }, 1000).unref();
      });
      return child;
    };
    let stopped = false;

    // Start each zone's processes concurrently; the zones do not wait on each other.
    await Promise.all(specs.map(async (spec) => {
      const port = ports[spec.name]!;
      const p: RunningProcess = { spec, port, url: `http://127.0.0.1:${port}`, child: null, env: envFor(spec, port), logFile: path.join(dataDir, 'logs', `${spec.name}.log`) };
      processes[spec.name] = p;
      const child = launch(p);
      await waitReady(p.url, child, spec.name, p.logFile);
      p.started = true;
      progress(spec.name);
    }));

    const stopChild = async (p: RunningProcess, signal: NodeJS.Signals = 'SIGTERM') => {
      const child = p.child;
      p.stopping = true;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    };

    const portal = await startIngress({ identityUrl: processes['identity-public']!.url, frontUrl: processes['declaration']!.url, port: portalPort });
    cleanups.push(portal.close);
    const consoleIngress = await startIngress({
      identityUrl: processes['identity-staff']!.url, frontUrl: processes['approval']!.url,
      extra: [{ prefix: '/certificate', url: processes['certificate']!.url }, { prefix: '/catalog', url: processes['catalog']!.url }, { prefix: '/exchange', url: processes['exchange']!.url }],
    });
    cleanups.push(consoleIngress.close);
    const supervisionIngress = await startIngress({ identityUrl: processes['identity-staff']!.url, frontUrl: processes['supervision']!.url });
    cleanups.push(supervisionIngress.close);

    const platform: Platform = {
      ingress: { portal: portal.url, console: consoleIngress.url, supervision: supervisionIngress.url },
      nats, s3, adminDatabaseUrl: adminUrls.internet, databaseUrl, processes,
      postgres: Object.fromEntries(ZONES.map((z) => [z, { adminUrl: adminUrls[z], ...(layout ? { dir: layout.clusterDir[z] } : {}) }])) as Platform['postgres'],
      url: (name) => { const p = processes[name]; if (!p) throw new Error(`no process ${name}`); return p.url; },
      kill: async (name, signal = 'SIGKILL') => stopChild(processes[name]!, signal),
      restart: async (name) => {
        const p = processes[name]!;
        await stopChild(p);
        await waitReady(p.url, launch(p), name, p.logFile);
      },
      stop: async () => {
        stopped = true;
        // Services first (they drain), then infrastructure in reverse order of start.
        await Promise.all(Object.values(processes).map((p) => stopChild(p)));
        for (const c of cleanups.reverse()) await c().catch(() => {});
      },
      dropDatabases: async () => {
        // Databases, then their roles, on each zone's server (the same server twice when one was given for both).
        for (const zone of ZONES) {
          const mine = allSpecs.filter((p) => p.zone === zone).map((p) => ({ database: dbName(p) }));
          await dropServiceDatabases(adminUrls[zone], [...new Map(mine.map((d) => [d.database, d])).values()]);
        }
      },
    };
    return platform;
  } catch (err) {
    for (const child of launched) if (child.exitCode === null) child.kill('SIGKILL');
    for (const c of cleanups.reverse()) await c().catch(() => {});
    throw err;
  }
}
