/**
 * Compose files per zone (docker compose v2 / the Compose Specification): `internet.yaml` and
 * `extranet.yaml` (Postgres, MinIO, NATS with JetStream and its generated config, the stream
 * provisioning job, the object store's provisioning job (users and policies), the zone's services, an nginx ingress), and `relay-internet.yaml` /
 * `relay-extranet.yaml` with the relay halves that run in each zone, on their own (they join the
 * zone's network and may run on the diode's host). Secrets come from `secrets/<zone>.env`
 * (written by deploy/secrets.ts) and from files under `secrets/<zone>/`.
 */
import type { ZoneName } from '@hall/platform/topology';
import { zoneUsers } from '@hall/messaging';
import { NATS_IMAGE, natsPasswordVar } from './nats.js';
import { HTTP_PORT, RELAY_UDP_PORT, databaseName, dbPasswordVar, zoneDatabases, imageName, unitEnv, zoneIngress, zoneRelayHalves, zoneServices, type Unit, type ZoneHosts } from './model.js';
import { MC_IMAGE, provisionScript, s3SecretVar, storeUsers } from './minio.js';

export const POSTGRES_IMAGE = 'postgres:17-alpine';
export const MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';
export const NGINX_IMAGE = 'nginx:1.27-alpine';

type Obj = Record<string, unknown>;

/** The provision-databases job's arguments: each database of the zone with its role's password variable. */
export const provisionDatabasesArgs = (zone: ZoneName) =>
  ['/app/hall-db.mjs', 'provision', '--close-maintenance', ...zoneDatabases(zone).map((db) => `${databaseName(db)}=${dbPasswordVar(db)}`)];
/** Inside a zone's compose network every container is reachable by its service name. */
const COMPOSE_HOSTS: ZoneHosts = { postgres: 'postgres:5432', nats: 'nats://nats:4222', s3: 'http://minio:9000', url: (name) => `http://${name}:${HTTP_PORT}` };
const required = (v: string) => `\${${v}:?set ${v} in secrets/<zone>.env (deploy/secrets.ts)}`;

/** `${VAR}` in generated env values becomes a required interpolation for compose. */
function interpolate(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => required(name))]));
}

function serviceEntry(u: Unit, hosts: ZoneHosts, network: string, dependsOn: Obj): Obj {
  const secrets = [...(u.auth ? ['public-keys.json'] : []), ...(u.identity ? ['signing-key.json'] : [])];
  return {
    image: `\${HALL_REGISTRY:-hall}/${imageName(u.service)}:\${HALL_VERSION:-latest}`,
    build: { context: '../..', dockerfile: 'deploy/Dockerfile', args: { SERVICE: u.service } },
    restart: 'unless-stopped',
    environment: interpolate(unitEnv(u, hosts, '/run/secrets')),
    ...(secrets.length ? { secrets } : {}),
    networks: [network],
    depends_on: dependsOn,
    read_only: true,
    tmpfs: ['/tmp'],
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    deploy: { resources: { limits: { cpus: '1.0', memory: '512M' }, reservations: { memory: '192M' } } },
    stop_grace_period: '30s',
  };
}

export function renderZoneCompose(zone: ZoneName): Obj {
  const net = `hall-${zone}`;
  const hosts = COMPOSE_HOSTS;
  const natsEnv = Object.fromEntries(zoneUsers(zone).map((u) => [natsPasswordVar(u), required(natsPasswordVar(u))]));
  const services: Obj = {
    postgres: {
      image: POSTGRES_IMAGE, restart: 'unless-stopped',
      environment: { POSTGRES_USER: 'hall', POSTGRES_PASSWORD: required('POSTGRES_PASSWORD'), POSTGRES_DB: 'postgres' },
      volumes: ['postgres:/var/lib/postgresql/data'], networks: [net],
      healthcheck: { test: ['CMD', 'pg_isready', '-U', 'hall', '-d', 'postgres'], interval: '5s', timeout: '3s', retries: 20 },
    },
    minio: {
      image: MINIO_IMAGE, restart: 'unless-stopped', command: ['server', '/data', '--console-address', ':9001'],
      environment: { MINIO_ROOT_USER: 'hall', MINIO_ROOT_PASSWORD: required('MINIO_ROOT_PASSWORD') },
      volumes: ['minio:/data'], networks: [net],
      healthcheck: { test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:9000/minio/health/live'], interval: '5s', timeout: '3s', retries: 20 },
    },
    nats: {
      image: NATS_IMAGE, restart: 'unless-stopped', command: ['-c', '/etc/nats/nats.conf'],
      environment: natsEnv,
      volumes: [`./nats-${zone}.conf:/etc/nats/nats.conf:ro`, 'nats:/data'], networks: [net],
      healthcheck: { test: ['CMD', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8222/healthz?js-enabled-only=true'], interval: '5s', timeout: '3s', retries: 20 },
    },
    // One-shot: a login role per unit owning only its database (packages/db/src/provision.ts).
    'provision-databases': {
      image: `\${HALL_REGISTRY:-hall}/hall-tools:\${HALL_VERSION:-latest}`,
      build: { context: '../..', dockerfile: 'deploy/Dockerfile', args: { SERVICE: 'tools' } },
      command: provisionDatabasesArgs(zone),
      healthcheck: { disable: true },
      environment: {
        DATABASE_URL: `postgres://hall:${required('POSTGRES_PASSWORD')}@${hosts.postgres}/postgres`,
        ...Object.fromEntries(zoneDatabases(zone).map((db) => [dbPasswordVar(db), required(dbPasswordVar(db))])),
      },
      networks: [net], restart: 'no',
      depends_on: { postgres: { condition: 'service_healthy' } },
    },
    // One-shot: creates or updates the zone's streams from the topology (R1 on a single server).
    'provision-streams': {
      image: `\${HALL_REGISTRY:-hall}/hall-tools:\${HALL_VERSION:-latest}`,
      build: { context: '../..', dockerfile: 'deploy/Dockerfile', args: { SERVICE: 'tools' } },
      // The image's entrypoint is node (distroless); the tool is its argument.
      command: ['/app/provision.mjs'],
      healthcheck: { disable: true },
      environment: { ZONE: zone, NATS_URL: hosts.nats, NATS_USER: 'provisioner', NATS_PASS: required(natsPasswordVar('provisioner')), STREAM_REPLICAS: '1' },
      networks: [net], restart: 'no',
      depends_on: { nats: { condition: 'service_healthy' } },
    },
    // One-shot: the bucket (no anonymous access) and a MinIO user and policy per process (deploy/minio.ts).
    'provision-store': {
      image: MC_IMAGE, entrypoint: ['/bin/sh', '-c', provisionScript(zone, '$$')],
      healthcheck: { disable: true },
      environment: { S3_URL: hosts.s3, MC_CONFIG_DIR: '/tmp/.mc', MINIO_ROOT_PASSWORD: required('MINIO_ROOT_PASSWORD'), ...Object.fromEntries(storeUsers(zone).map((u) => [s3SecretVar(u), required(s3SecretVar(u))])) },
      networks: [net], restart: 'no',
      depends_on: { minio: { condition: 'service_healthy' } },
    },
  };
  const deps = { postgres: { condition: 'service_healthy' }, 'provision-databases': { condition: 'service_completed_successfully' }, minio: { condition: 'service_healthy' }, nats: { condition: 'service_healthy' }, 'provision-streams': { condition: 'service_completed_successfully' }, 'provision-store': { condition: 'service_completed_successfully' } };
  const units = zoneServices(zone);
  for (const u of units) services[u.name] = serviceEntry(u, hosts, net, deps);
  const ing = zoneIngress(zone);
  services.ingress = {
    image: NGINX_IMAGE, restart: 'unless-stopped',
    ports: ['${HALL_INGRESS_PORT:-80}:8080'],
    volumes: [`./ingress-${zone}.conf:/etc/nginx/conf.d/default.conf:ro`],
    networks: [net, 'edge'],
    depends_on: Object.fromEntries([ing.identity, ing.front, ...ing.extra.map((e) => e.target)].map((s) => [s, { condition: 'service_healthy' }])),
    healthcheck: { test: ['CMD', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/healthz'], interval: '10s', timeout: '3s', retries: 5 },
  };
  // No top-level `name:` (the schema version checked here predates it): run with `-p hall-<zone>`.
  return {
    services,
    // The zone network is internal: no route out of the zone; only the ingress is published.
    networks: { [net]: { name: net, internal: true }, edge: {} },
    volumes: { postgres: {}, minio: {}, nats: {} },
    secrets: {
      'public-keys.json': { file: `./secrets/${zone}/public-keys.json` },
      'signing-key.json': { file: `./secrets/${zone}/signing-key.json` },
    },
  };
}

/** The relay halves of one zone, on their own: they join the zone's network from outside this file. */
export function renderRelayCompose(zone: ZoneName): Obj {
  const net = `hall-${zone}`;
  const hosts = COMPOSE_HOSTS;
  const services: Obj = {};
  for (const u of zoneRelayHalves(zone)) {
    const s = serviceEntry(u, hosts, net, {});
    delete s.depends_on;
    // The diode link: the receiver listens on UDP, the sender sends to the diode's input.
    services[u.name] = { ...s, networks: [net, 'diode'], ...(u.relay!.role === 'receiver' ? { ports: [`${RELAY_UDP_PORT}:${RELAY_UDP_PORT}/udp`] } : {}) };
  }
  return { services, networks: { [net]: { name: net, external: true }, diode: {} } };
}

/** nginx: `/auth/` → the zone's identity realm (prefix stripped), `/` → the front service. */
export function renderIngressConf(zone: ZoneName): string {
  const ing = zoneIngress(zone);
  const loc = (prefix: string, target: string, strip: boolean) => [
    `  location ${prefix} {`,
    `    proxy_pass http://${target}:${HTTP_PORT}${strip ? '/' : ''};`,
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Request-Id $request_id;',
    '  }',
  ];
  return [
    `# generated by deploy/compose.ts for the ${zone} zone; terminate TLS here or in front of it`,
    'server {',
    '  listen 8080;',
    '  client_max_body_size 64m;',
    '  location = /healthz { return 200 "ok\\n"; }',
    ...loc('/auth/', ing.identity, true),
    ...ing.extra.flatMap((e) => loc(e.prefix, e.target, true)),
    ...loc('/', ing.front, false),
    '}',
    '',
  ].join('\n');
}

