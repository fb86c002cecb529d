/**
 * The NATS configs for deployment come from one generator (deploy/nats.ts over the messaging
 * topology), and that generator's output is what runs here: nats-server (Debian's 2.9) is started
 * with it, passwords from the environment as in a container, and the server itself enforces the
 * topology's permissions. Then the 3-node cluster form of the same config is started on loopback
 * and the deployment's provisioning job (deploy/provision.ts) creates R3 streams on it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, provisionStreams, zoneTopology, zoneUsers, type Zone } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { NATS_SERVER_BIN, freePort, natsServerVersion, waitFor, waitForPort } from '@hall/testkit';
import { REPO_ROOT } from '../src/index.js';
import { ENV_PASSWORD, generateEnvPasswords, natsPasswordVar, renderDeployNatsConfig } from '../../../deploy/nats.js';

const logger = createLogger({ service: 'deploy-nats-test', level: 'silent' });

interface Running { child: ChildProcess; url: string; log: () => string; dir: string }
const running: Running[] = [];
const open: NatsConnection[] = [];

const passwordsFor = (zone: Zone) => generateEnvPasswords(zone);

/** Starts nats-server on a generated config, the passwords only in its environment. */
async function startServer(conf: string, dir: string, port: number, env: Record<string, string>): Promise<Running> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'nats.conf');
  fs.writeFileSync(file, conf, { mode: 0o600 });
  let log = '';
  const child = spawn(NATS_SERVER_BIN, ['-c', file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  const r: Running = { child, url: `nats://127.0.0.1:${port}`, log: () => log, dir };
  running.push(r);
  await waitForPort('127.0.0.1', port, 15_000, () => child.exitCode === null).catch((err: Error) => { throw new Error(`${err.message}\n${log}`); });
  return r;
}

const passwordEnv = (zone: Zone, pw: Record<string, string>) => Object.fromEntries(zoneUsers(zone).map((u) => [natsPasswordVar(u), pw[u]!]));

async function conn(url: string | string[], user: string, pass: string): Promise<NatsConnection> {
  const nc = await connectNats({ servers: url, user, pass, name: `deploy-test-${user}`, logger });
  open.push(nc);
  return nc;
}

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  for (const r of running) {
    if (r.child.exitCode === null) {
      const exited = new Promise((res) => r.child.once('exit', res));
      r.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
}, 30_000);

describe('deployment NATS config (deploy/nats.ts) on a real nats-server', () => {
  const zone: Zone = 'internet';
  const pw = passwordsFor(zone);
  let server: Running;

  beforeAll(async () => {
    const [port, monitorPort] = [await freePort(), await freePort()];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-deploy-nats-'));
    const conf = renderDeployNatsConfig({ zone, host: '127.0.0.1', port, monitorPort, storeDir: path.join(dir, 'js'), serverVersion: natsServerVersion() });
    // No password is in the file: nats-server reads them from its environment.
    for (const p of Object.values(pw)) expect(conf).not.toContain(p);
    server = await startServer(conf, dir, port, passwordEnv(zone, pw));
    const nc = await conn(server.url, 'provisioner', pw.provisioner!);
    await provisionStreams(nc, zone);
  });

  it('accepts each topology user with the password from the environment, and no other', async () => {
    for (const u of zoneUsers(zone)) await conn(server.url, u, pw[u]!);
    await expect(connectNats({ servers: server.url, user: 'declaration', pass: 'not-the-password', name: 't', logger })).rejects.toThrow(/Authorization Violation/);
    await expect(connectNats({ servers: server.url, user: 'approval', pass: pw.declaration!, name: 't', logger })).rejects.toThrow(/Authorization Violation/);
  });

  it('should not start with a password nats-server would parse as a number: the generated ones never are', async () => {
    expect(Object.values(pw).every((p) => ENV_PASSWORD.test(p))).toBe(true);
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-deploy-nats-bad-'));
    const conf = renderDeployNatsConfig({ zone, host: '127.0.0.1', port, monitorPort: await freePort(), storeDir: path.join(dir, 'js'), serverVersion: natsServerVersion() });
    fs.writeFileSync(path.join(dir, 'nats.conf'), conf);
    const r = spawnSync(NATS_SERVER_BIN, ['-c', path.join(dir, 'nats.conf'), '-t'], { encoding: 'utf8', env: { ...passwordEnv(zone, pw), [natsPasswordVar('declaration')]: '6e3f00aa' } });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/NATS_PASS_DECLARATION/);
  });

  it('lets declaration publish its own subjects into JetStream', async () => {
    const js = jetstream(await conn(server.url, 'declaration', pw.declaration!));
    const ack = await js.publish('hall.in.deploy.check', new TextEncoder().encode('{}'), { msgID: randomBytes(8).toString('hex') });
    expect(ack.stream).toBe('IN');
  });

  it('should not let a user publish outside its subjects: the server refuses and logs it', async () => {
    const decl = jetstream(await conn(server.url, 'declaration', pw.declaration!));
    // OUT is written only by the OUTBOUND lane's receiver half.
    await expect(decl.publish('hall.out.case.status-changed', new Uint8Array())).rejects.toThrow(/Permissions Violation for Publish to "hall\.out\.case\.status-changed"/);
    // The INBOUND sender half reads IN and may publish nothing in its zone.
    const sender = jetstream(await conn(server.url, 'relay-in-sender', pw['relay-in-sender']!));
    await expect(sender.publish('hall.in.application.submitted', new Uint8Array())).rejects.toThrow(/Permissions Violation/);
    // Only the provisioner manages streams.
    const jsm = await jetstreamManager(await conn(server.url, 'identity', pw.identity!), { checkAPI: false });
    await expect(jsm.streams.add({ name: 'EVIL', subjects: ['evil.>'] })).rejects.toThrow(/Permissions Violation/);
    await waitFor(async () => /Publish Violation - User "declaration", Subject "hall\.out\.case\.status-changed"/.test(server.log()), 3000);
  });
});

describe('3-node JetStream cluster from the deployment config', () => {
  const zone: Zone = 'extranet';
  const pw = passwordsFor(zone);
  const nodes: { port: number; monitor: number; route: number }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) nodes.push({ port: await freePort(), monitor: await freePort(), route: await freePort() });
    const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.route}`);
    await Promise.all(nodes.map(async (n, i) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hall-deploy-cluster-${i}-`));
      const conf = renderDeployNatsConfig({
        zone, host: '127.0.0.1', port: n.port, monitorPort: n.monitor, storeDir: path.join(dir, 'js'), serverVersion: natsServerVersion(),
        serverName: { env: 'POD_NAME' }, cluster: { name: `hall-${zone}`, host: '127.0.0.1', port: n.route, routes },
      });
      await startServer(conf, dir, n.port, { ...passwordEnv(zone, pw), POD_NAME: `nats-${i}` });
    }));
  }, 30_000);

  it('the provisioning job creates every stream of the zone with 3 replicas (R3)', async () => {
    const urls = nodes.map((n) => `nats://127.0.0.1:${n.port}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'deploy/provision.ts')], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 90_000,
      env: { PATH: process.env.PATH ?? '', ZONE: zone, NATS_URL: urls.join(','), NATS_PASS: pw.provisioner!, STREAM_REPLICAS: '3', PROVISION_TIMEOUT_S: '60', LOG_LEVEL: 'warn' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/副本数 3/);
    const jsm = await jetstreamManager(await conn(urls, 'provisioner', pw.provisioner!));
    for (const s of zoneTopology(zone).streams) {
      const info = await jsm.streams.info(s.name);
      expect({ stream: s.name, replicas: info.config.num_replicas }).toEqual({ stream: s.name, replicas: 3 });
      expect(info.cluster?.name).toBe(`hall-${zone}`);
    }
    // A publish is acknowledged by the cluster, through any node.
    const js = jetstream(await conn(urls[2]!, 'catalog', pw.catalog!));
    const ack = await js.publish('hall.x.catalog.deploy-check', new TextEncoder().encode('{}'));
    expect(ack.stream).toBe('X');
  }, 120_000);
});
