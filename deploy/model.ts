/**
 * What runs in each zone, for the compose and Kubernetes generators, derived from the platform's
 * process table (packages/platform/src/topology.ts) and the messaging topology, so that a
 * deployment starts the same processes with the same NATS users as tests and the local platform.
 *
 * Relay lanes are split into halves: the sender in the source zone (reads the source stream and
 * object store), the receiver in the destination zone (writes the destination stream and object
 * store), one-way UDP between them through the data diode (网闸). Each half holds credentials of
 * its own zone only.
 */
import { PROCESSES, ISSUER, AUDIENCE, BUCKET, type ProcessSpec, type ZoneName } from '@hall/platform/topology';
import { natsPasswordVar } from './nats.js';
import { s3SecretVar } from './minio.js';

export const ZONE_NAMES: ZoneName[] = ['internet', 'extranet'];
export const HTTP_PORT = 8080;
export { BUCKET };
/** UDP port the receiver half listens on (the diode's output side delivers there). */
export const RELAY_UDP_PORT = 7400;

export interface Unit {
  /** Process name (compose service, Kubernetes Deployment), as in packages/platform. */
  name: string;
  /** Bundle folder / image name: services/<service>. */
  service: string;
  zone: ZoneName;
  natsUser: string;
  database: string;
  objectStore: boolean;
  auth: boolean;
  identity: boolean;
  /** Plain settings (no secrets). */
  env: Record<string, string>;
  relay?: { lane: 'inbound' | 'outbound'; role: 'sender' | 'receiver' };
}

export const imageName = (service: string) => `hall-${service}`;
export const databaseName = (db: string) => `hall_${db}`;
/**
 * Secret holding the password of a unit's database role (the role is named as its database and
 * owns only it; made by the zone's provision-databases job, packages/db/src/provision.ts).
 */
export const dbPasswordVar = (db: string) => `DB_PASSWORD_${db.toUpperCase()}`;
/** Every database of a zone (its services' and relay halves'), for the provisioning job. */
export const zoneDatabases = (zone: ZoneName) => PROCESSES.filter((p) => p.zone === zone).map((p) => p.database);

function fromProcess(p: ProcessSpec): Unit {
  return {
    name: p.name, service: p.service, zone: p.zone, natsUser: p.natsUser, database: p.database,
    objectStore: !!p.objectStore, auth: !!p.auth, identity: p.service === 'identity', env: { ...(p.env ?? {}) },
    ...(p.lane ? { relay: { lane: p.lane.name, role: p.lane.role } } : {}),
  };
}

/** Services of a zone (no relay halves). */
export function zoneServices(zone: ZoneName): Unit[] {
  return PROCESSES.filter((p) => p.zone === zone && !p.lane && p.service !== 'relay').map(fromProcess);
}

/**
 * Relay halves that run in a zone (packages/platform lists them with `lane`): the sender of the
 * lane that leaves the zone and the receiver of the lane that enters it.
 */
export function zoneRelayHalves(zone: ZoneName): Unit[] {
  return PROCESSES.filter((p) => p.zone === zone && p.lane).map(fromProcess);
}

/** Environment variable (install-time setting) holding the diode input address a lane's sender sends to. */
export const udpTargetVar = (lane: string) => `RELAY_${lane.toUpperCase()}_UDP_TARGET`;
/** A lane's MAC keys (LANE_MAC_KEYS of both its halves, one in each zone): the same value in both zones' secrets. */
export const laneKeysVar = (lane: string) => `LANE_MAC_KEYS_${lane.toUpperCase()}`;

/** The zone's front service and identity realm behind its ingress (as packages/platform/src/ingress.ts). */
export function zoneIngress(zone: ZoneName): { identity: string; front: string; extra: { prefix: string; target: string }[] } {
  return zone === 'internet'
    ? { identity: 'identity-public', front: 'declaration', extra: [] }
    // Other departments reach the data-exchange API (数据交换) on the same extranet origin.
    // The console's 证照管理 page calls the certificate service on the same origin, its 证照定义 page the catalog.
    : { identity: 'identity-staff', front: 'approval', extra: [{ prefix: '/exchange/', target: 'exchange' }, { prefix: '/certificate/', target: 'certificate' }, { prefix: '/catalog/', target: 'catalog' }] };
}

export interface ZoneHosts {
  postgres: string;
  nats: string;
  s3: string;
  /** Base URL of another process of the same zone (compose service name, Kubernetes Service). */
  url(process: string): string;
}

/**
 * Every environment variable of a unit, secrets as `${VAR}` references that the zone's env file
 * (compose) or Secret (Kubernetes) fills. The wiring between processes (JWKS, exchange's upstream
 * services, the relay's UDP addresses) is the one packages/platform's launcher gives them locally;
 * the bundle test compares the two sets of variables so that they cannot drift apart.
 */
export function unitEnv(u: Unit, hosts: ZoneHosts, secretsDir: string): Record<string, string> {
  const identity = u.zone === 'internet' ? 'identity-public' : 'identity-staff';
  const env: Record<string, string> = {
    ZONE: u.zone, HOST: '0.0.0.0', PORT: String(HTTP_PORT), LOG_LEVEL: 'info',
    // The unit's own role (not the server's superuser `hall`), owning only its database.
    DATABASE_URL: `postgres://${databaseName(u.database)}:\${${dbPasswordVar(u.database)}}@${hosts.postgres}/${databaseName(u.database)}`,
    DATABASE_POOL_MAX: '10',
    NATS_URL: hosts.nats, NATS_USER: u.natsUser, NATS_PASS: `\${${natsPasswordVar(u.natsUser)}}`,
    ...u.env,
  };
  if (u.auth) Object.assign(env, { AUTH_PUBLIC_KEYS_FILE: `${secretsDir}/public-keys.json`, AUTH_ISSUER: ISSUER[u.zone], AUTH_AUDIENCE: AUDIENCE[u.zone] });
  if (u.identity) {
    Object.assign(env, { AUTH_SIGNING_KEY_FILE: `${secretsDir}/signing-key.json`, IDENTITY_DATA_KEY: '${IDENTITY_DATA_KEY}' });
    if (u.zone === 'extranet') env.EXCHANGE_CLIENT_SECRET = '${EXCHANGE_CLIENT_SECRET}';
  } else if (u.auth) {
    // Verification keys from the realm's JWKS: a key rotation reaches every service without a restart.
    env.AUTH_JWKS_URL = `${hosts.url(identity)}/.well-known/jwks.json`;
  }
  if (u.service === 'declaration') env.IDENTITY_URL = hosts.url('identity-public');
  // Links citizens receive (the certificate's QR code, SMS, e-mail) lead to the public portal's address (the internet zone's).
  if (u.service === 'certificate' || u.service === 'declaration') env.PORTAL_PUBLIC_URL = '${PORTAL_PUBLIC_URL}';
  if (u.service === 'exchange') {
    Object.assign(env, { CERTIFICATE_URL: hosts.url('certificate'), APPROVAL_URL: hosts.url('approval'), CATALOG_URL: hosts.url('catalog'), TOKEN_URL: '/auth/v1/oauth/token', SERVICE_TOKEN_URL: `${hosts.url('identity-staff')}/v1/oauth/token`, SERVICE_CLIENT_SECRET: '${EXCHANGE_CLIENT_SECRET}' });
  }
  // The process's own store user (deploy/minio.ts), limited to its prefixes; never the root user.
  if (u.objectStore) Object.assign(env, { S3_ENDPOINT: hosts.s3, S3_ACCESS_KEY: u.name, S3_SECRET_KEY: `\${${s3SecretVar(u.name)}}`, S3_BUCKET: BUCKET });
  if (u.relay) {
    Object.assign(env, u.relay.role === 'receiver' ? { LANE_UDP_BIND: `0.0.0.0:${RELAY_UDP_PORT}` } : { LANE_UDP_TARGET: `\${${udpTargetVar(u.relay.lane)}}` });
    env.LANE_MAC_KEYS = `\${${laneKeysVar(u.relay.lane)}}`;
  }
  return env;
}
