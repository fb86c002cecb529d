/**
 * Everything one service needs to start for real in a test: its own database, its zone's NATS
 * server (real users and permissions), an S3 endpoint when it stores objects, and the zone's
 * signing key written to disk — returned as the environment `startService` reads, plus a token
 * signer so tests can act as any principal of that zone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKey, createTokenSigner, type Principal } from '@hall/auth';
import { createTestDatabase } from './index.js';
import { startNatsZone, type NatsZoneServer } from './index.js';
import { randomCredential, startS3, type S3Credential, type S3Server } from './index.js';
import { sharedNats, sharedS3 } from './shared-infra.js';

export const TEST_ISSUER = { internet: 'hall-identity-internet', extranet: 'hall-identity-extranet' } as const;
export const TEST_AUDIENCE = { internet: 'hall-internet', extranet: 'hall-extranet' } as const;

/** NATS users of this test file already given an environment on the shared server (module state is per file). */
const sharedUsers = new Set<string>();

export interface ServiceEnv {
  env: Record<string, string>;
  nats: NatsZoneServer;
  /** The store, with its root credential (for a test's own checks of what the service stored). */
  s3?: S3Server;
  /** The service's own credential (S3_ACCESS_KEY): read-write on its bucket only, as the launcher gives services. */
  s3Credential?: S3Credential;
  databaseUrl: string;
  /** Signs a token of this zone for the given principal. */
  token(p: Partial<Principal> & { sub: string }): string;
  keyFile: string;
  cleanup(): Promise<void>;
}

export async function createServiceEnv(opts: {
  zone: 'internet' | 'extranet';
  natsUser: string;
  objectStore?: boolean;
  nats?: NatsZoneServer;
  env?: Record<string, string>;
  /**
   * Start a NATS server and object store for this environment alone instead of using the run's
   * shared ones (shared-infra.ts): for tests that kill or restart them.
   */
  own?: boolean;
}): Promise<ServiceEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-svc-'));
  const db = await createTestDatabase({ prefix: opts.natsUser.replace(/[^a-z]/g, '') });
  // A second environment for the same NATS user in one file would share its durable consumers
  // with the first and take its messages: it gets a server of its own, like a separate deployment.
  const userKey = `${opts.zone}/${opts.natsUser}`;
  const firstOfItsUser = !sharedUsers.has(userKey);
  const shared = !opts.own && !opts.nats && firstOfItsUser ? await sharedNats(opts.zone) : undefined;
  if (shared) sharedUsers.add(userKey);
  const ownNats = !opts.nats && !shared;
  const nats = opts.nats ?? shared ?? (await startNatsZone({ zone: opts.zone }));
  // A bucket of its own on the worker's shared store, or a store of its own.
  const sharedStore = opts.objectStore && !opts.own ? sharedS3(opts.zone) : undefined;
  const bucket = sharedStore?.bucket ?? 'hall-materials';
  const s3 = opts.objectStore ? (sharedStore?.server ?? (await startS3({ buckets: [bucket] }))) : undefined;
  let s3Credential: S3Credential | undefined;
  if (s3) {
    if (sharedStore) await s3.createBucket(bucket);
    s3Credential = randomCredential(opts.natsUser, { grants: [{ bucket, access: 'readwrite' }] });
    s3.addCredential(s3Credential);
  }
  const key = generateSigningKey('EdDSA');
  const keyFile = path.join(dir, 'signing.json');
  fs.writeFileSync(keyFile, JSON.stringify(key));
  const publicFile = path.join(dir, 'public.json');
  fs.writeFileSync(publicFile, JSON.stringify([{ kid: key.kid, pem: key.publicKeyPem }]));
  const signer = createTokenSigner({ privateKeyPem: key.privateKeyPem, kid: key.kid, alg: key.alg, issuer: TEST_ISSUER[opts.zone], audience: TEST_AUDIENCE[opts.zone] });
  const creds = nats.users[opts.natsUser];
  if (!creds) throw new Error(`no NATS user ${opts.natsUser} in zone ${opts.zone}`);
  const env: Record<string, string> = {
    ZONE: opts.zone, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url, NATS_URL: nats.url, NATS_USER: creds.user, NATS_PASS: creds.pass,
    AUTH_PUBLIC_KEYS_FILE: publicFile, AUTH_ISSUER: TEST_ISSUER[opts.zone], AUTH_AUDIENCE: TEST_AUDIENCE[opts.zone], AUTH_SIGNING_KEY_FILE: keyFile,
    ...(s3 && s3Credential ? { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3Credential.accessKey, S3_SECRET_KEY: s3Credential.secretKey, S3_BUCKET: bucket } : {}),
    ...opts.env,
  };
  const realm = opts.zone === 'internet' ? 'public' : 'staff';
  return {
    env, nats, s3, ...(s3Credential ? { s3Credential } : {}), databaseUrl: db.url, keyFile,
    token: (p) => signer.sign({ realm, name: '测试用户', roles: [], ...p } as Principal),
    cleanup: async () => {
      await s3?.stop();
      if (ownNats) await nats.stop();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
