/**
 * Creates one zone's secrets at install time, inside that zone (nothing secret is committed, and
 * no zone ever holds the other's): database and object-store passwords, a password per NATS user
 * of the topology, and the identity realm's signing key with its public key set.
 * Writes <out>/<zone>.env (for `docker compose --env-file`), <out>/<zone>/signing-key.json and
 * public-keys.json (compose secrets), and <out>/<zone>/k8s-secrets.yaml (the Secrets
 * `hall-secrets` and `hall-keys`), all mode 600. Refuses to overwrite an existing zone folder.
 * The one secret both zones hold is each relay lane's MAC key (the sender's zone signs, the
 * receiver's zone verifies): it is made once into <out>/lanes.env by the first zone's run, and
 * that file is carried to the other zone's install (into its --out folder) before its run.
 * Usage: node --import tsx deploy/secrets.ts <internet|extranet> [--out deploy/dist/secrets]
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Secret } from 'kubernetes-models/v1';
import { zoneUsers } from '@hall/messaging';
import { generateSigningKey } from '@hall/auth';
import type { ZoneName } from '@hall/platform/topology';
import { generateEnvPasswords, natsPasswordVar } from './nats.js';
import { dbPasswordVar, zoneDatabases } from './model.js';
import { RELAY_UDP_PORT, laneKeysVar, udpTargetVar, zoneRelayHalves } from './model.js';
import { s3SecretVar, storeUsers } from './minio.js';
import { namespaceOf } from './k8s.js';
import { multiDoc } from './generate.js';

export interface ZoneSecrets { env: Record<string, string>; signingKey: string; publicKeys: string }

/** Each relay lane's MAC keys (`keyId:base64key`, 32 random bytes), by variable: made once, held by both zones. */
export function createLaneKeys(): Record<string, string> {
  const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  return Object.fromEntries((['inbound', 'outbound'] as const).map((lane) => [laneKeysVar(lane), `${id}:${randomBytes(32).toString('base64')}`]));
}

export function createZoneSecrets(zone: ZoneName, laneKeys: Record<string, string> = createLaneKeys()): ZoneSecrets {
  const nats = generateEnvPasswords(zone);
  const env: Record<string, string> = {
    // The server's superuser, used by the provision-databases job only; each unit has its own role.
    POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
    ...Object.fromEntries(zoneDatabases(zone).map((db) => [dbPasswordVar(db), randomBytes(24).toString('hex')])),
    MINIO_ROOT_PASSWORD: randomBytes(24).toString('hex'),
    // identity's data key (encrypts the realm's private signing keys at rest): 32 random bytes.
    IDENTITY_DATA_KEY: randomBytes(32).toString('base64'),
    ...Object.fromEntries(zoneUsers(zone).map((u) => [natsPasswordVar(u), nats[u]!])),
    // Each process's own object-store user (deploy/minio.ts); the root password stays with the provisioning job.
    ...Object.fromEntries(storeUsers(zone).map((u) => [s3SecretVar(u), randomBytes(24).toString('hex')])),
  };
  // The public portal's address as citizens reach it (certificates' QR codes, SMS and e-mail links point there; edit to the real one).
  env.PORTAL_PUBLIC_URL = 'https://zwfw.example.gov.cn';
  // The data-exchange service's own client secret at identity-staff (its calls to approval, certificate and catalog).
  if (zone === 'extranet') env.EXCHANGE_CLIENT_SECRET = randomBytes(24).toString('hex');
  // Where each sender half sends its datagrams: the diode's input address (edit to the real one).
  for (const h of zoneRelayHalves(zone)) if (h.relay!.role === 'sender') env[udpTargetVar(h.relay!.lane)] = `192.0.2.10:${RELAY_UDP_PORT}`;
  // Each lane's MAC keys, for the half of it in this zone (the same value as in the other zone).
  for (const h of zoneRelayHalves(zone)) env[laneKeysVar(h.relay!.lane)] = laneKeys[laneKeysVar(h.relay!.lane)]!;
  const key = generateSigningKey('EdDSA');
  return { env, signingKey: JSON.stringify(key), publicKeys: JSON.stringify([{ kid: key.kid, pem: key.publicKeyPem }]) };
}

export function secretManifests(zone: ZoneName, s: ZoneSecrets): Secret[] {
  const ns = namespaceOf(zone);
  return [
    new Secret({ metadata: { name: 'hall-secrets', namespace: ns }, type: 'Opaque', stringData: s.env }),
    new Secret({ metadata: { name: 'hall-keys', namespace: ns }, type: 'Opaque', stringData: { 'signing-key.json': s.signingKey, 'public-keys.json': s.publicKeys } }),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [zone, ...rest] = process.argv.slice(2);
  if (zone !== 'internet' && zone !== 'extranet') {
    process.stderr.write('用法：secrets.ts <internet|extranet> [--out DIR]\n');
    process.exit(2);
  }
  const i = rest.indexOf('--out');
  const out = path.resolve(i >= 0 && rest[i + 1] ? rest[i + 1]! : path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist/secrets'));
  const dir = path.join(out, zone);
  if (fs.existsSync(dir)) {
    process.stderr.write(`${dir} 已存在：不会覆盖已有密钥（轮换见 docs/operations.md）\n`);
    process.exit(1);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const w = (f: string, c: string) => fs.writeFileSync(f, c, { mode: 0o600 });
  // The lane keys: from the other zone's install if its lanes.env was carried here, else made now.
  const lanesFile = path.join(out, 'lanes.env');
  const carried = fs.existsSync(lanesFile);
  const laneKeys = carried
    ? Object.fromEntries(fs.readFileSync(lanesFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    : createLaneKeys();
  if (!carried) w(lanesFile, Object.entries(laneKeys).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const s = createZoneSecrets(zone, laneKeys);
  w(path.join(out, `${zone}.env`), Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  w(path.join(dir, 'signing-key.json'), s.signingKey);
  w(path.join(dir, 'public-keys.json'), s.publicKeys);
  w(path.join(dir, 'k8s-secrets.yaml'), multiDoc(secretManifests(zone, s)));
  process.stdout.write(`已生成 ${zone} 区密钥：${out}/${zone}.env 与 ${dir}/（权限 600，请放入该区的密钥库）\n`);
  process.stdout.write(carried
    ? `中继通道密钥取自 ${lanesFile}（与另一区相同）\n`
    : `已生成中继通道密钥 ${lanesFile}：安装另一区前，请将其带到该区的 --out 目录（两区必须相同；轮换见 docs/operations.md）\n`);
}
