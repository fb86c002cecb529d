/**
 * NATS server configs for deployment, from the one topology (packages/messaging/src/topology.ts)
 * through the same `renderNatsServerConfig` the tests and the local platform use. What deployment
 * adds: passwords are not written into the file but read by nats-server from the environment
 * (`password: $NATS_PASS_DECLARATION`, filled from the zone's Secret or env file), the server name
 * may come from the environment too (a StatefulSet pod's name), and a 3-node cluster gets its
 * `cluster {}` block with routes to every peer.
 */
import { randomBytes } from 'node:crypto';
import { renderNatsServerConfig, zoneUsers, type Zone } from '@hall/messaging';

/** The nats-server version the deployment images run (nats:2.10-alpine): it honours `sync_interval`. */
export const DEPLOY_NATS_VERSION = '2.10.24';
export const NATS_IMAGE = `nats:${DEPLOY_NATS_VERSION}-alpine`;

/** Environment variable that carries a NATS user's password, e.g. relay-in-sender → NATS_PASS_RELAY_IN_SENDER. */
export function natsPasswordVar(user: string): string {
  return `NATS_PASS_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * nats-server parses a variable's value as config, not as an opaque string: `6e3f…` becomes the
 * number 6 followed by junk and the server refuses to start, `true` becomes a boolean. A password
 * given through the environment must therefore start with a letter and hold letters and digits only.
 */
export const ENV_PASSWORD = /^[A-Za-z][A-Za-z0-9]{15,}$/;

/** A random NATS password that survives nats-server's variable parsing (see ENV_PASSWORD). */
export function natsEnvPassword(): string {
  return `p${randomBytes(24).toString('hex')}`;
}

/** Passwords for every user of a zone, for the zone's env file or Secret. */
export function generateEnvPasswords(zone: Zone): Record<string, string> {
  return Object.fromEntries(zoneUsers(zone).map((u) => [u, natsEnvPassword()]));
}

export interface DeployNatsOptions {
  zone: Zone;
  host?: string;
  port?: number;
  monitorPort?: number;
  storeDir?: string;
  /** Version of the server that reads the file; `sync_interval: always` is written for 2.10+. */
  serverVersion?: string;
  /** Literal server name, or an environment variable name to read it from (`{ env: 'POD_NAME' }`). */
  serverName?: string | { env: string };
  cluster?: { name: string; host?: string; port: number; routes: string[] };
}

const PLACEHOLDER = (v: string) => `__HALL_ENV_${v}__`;

export function renderDeployNatsConfig(opts: DeployNatsOptions): string {
  const passwords = Object.fromEntries(zoneUsers(opts.zone).map((u) => [u, PLACEHOLDER(natsPasswordVar(u))]));
  const serverName = typeof opts.serverName === 'object' ? PLACEHOLDER(opts.serverName.env) : opts.serverName ?? `nats-${opts.zone}`;
  let conf = renderNatsServerConfig({
    zone: opts.zone,
    host: opts.host ?? '0.0.0.0',
    port: opts.port ?? 4222,
    monitorPort: opts.monitorPort ?? 8222,
    storeDir: opts.storeDir ?? '/data/jetstream',
    passwords,
    syncAlways: true,
    serverVersion: opts.serverVersion ?? DEPLOY_NATS_VERSION,
    serverName,
  });
  // A quoted "$X" is a literal string to nats-server; an unquoted $X is a variable, looked up in the
  // config and then in the environment. A missing variable stops the server at start.
  conf = conf.replace(/"__HALL_ENV_([A-Z0-9_]+)__"/g, (_m, v: string) => `$${v}`);
  if (opts.cluster) {
    const c = opts.cluster;
    conf += [
      '# 3-node JetStream cluster: streams are created with 3 replicas (R3) by the provision job.',
      'cluster {',
      `  name: ${JSON.stringify(c.name)}`,
      `  listen: ${JSON.stringify(`${c.host ?? '0.0.0.0'}:${c.port}`)}`,
      `  routes: [${c.routes.map((r) => JSON.stringify(r)).join(', ')}]`,
      '}',
      '',
    ].join('\n');
  }
  return `# deployment config (deploy/nats.ts); passwords come from the environment: ${zoneUsers(opts.zone).map(natsPasswordVar).join(', ')}\n${conf}`;
}

/** Routes of a StatefulSet `nats` of `replicas` pods behind the headless service `nats` in `namespace`. */
export function statefulSetRoutes(namespace: string, replicas = 3, port = 6222): string[] {
  return Array.from({ length: replicas }, (_, i) => `nats-route://nats-${i}.nats.${namespace}.svc.cluster.local:${port}`);
}
