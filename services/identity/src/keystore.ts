/**
 * The realm's signing keys (密钥轮换). Exactly one key signs; every key whose retirement is still in
 * the future is published in the JWKS, so tokens signed before a rotation keep verifying until
 * they expire. Rotation makes a new key active at once; verifiers that meet its kid refetch the
 * JWKS (see @hall/auth jwks.ts), so there is no window in which a valid token is refused.
 * Private keys are stored encrypted under the realm's data key; all replicas read the active key
 * from the database, so a rotation on one replica reaches the others within `cacheMs`.
 */
import fs from 'node:fs';
import { createTokenSigner, generateSigningKey, type SigningAlg, type TokenSigner, type VerificationKey, type KeySource } from '@hall/auth';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { DataKey } from './secrets.js';

export interface KeystoreOptions {
  db: Db;
  dataKey: DataKey;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** How long a retired key stays published: the longest token lifetime plus clock tolerance. */
  retireAfterSeconds: number;
  cacheMs?: number;
  alg?: SigningAlg;
}

export interface Keystore extends KeySource {
  /** Makes sure a key is active: imports the file given (platform-generated) or generates one. */
  ensureActive(importFile?: string): Promise<void>;
  signer(ttlSeconds?: number): Promise<TokenSigner>;
  jwks(): Promise<{ keys: JsonWebKey[] }>;
  rotate(actor: string): Promise<{ kid: string; retired: string | null }>;
}

export function createKeystore(opts: KeystoreOptions): Keystore {
  const { db, dataKey } = opts;
  const cacheMs = opts.cacheMs ?? 10_000;
  let cached: { at: number; kid: string; privateKeyPem: string; alg: SigningAlg } | null = null;
  const signers = new Map<string, TokenSigner>();

  const published = () => db.signingKey.findMany({ where: { OR: [{ retiredAt: null }, { retiredAt: { gt: new Date() } }] }, orderBy: { createdAt: 'desc' } });

  async function active() {
    if (cached && Date.now() - cached.at < cacheMs) return cached;
    const row = await db.signingKey.findFirst({ where: { active: true } });
    if (!row) throw new Error('no active signing key');
    cached = { at: Date.now(), kid: row.kid, alg: row.alg as SigningAlg, privateKeyPem: dataKey.decrypt(row.privateEnc) };
    return cached;
  }

  async function insert(tx: Pick<Db, 'signingKey'>, key: { kid: string; alg: SigningAlg; privateKeyPem: string; publicKeyPem: string }) {
    await tx.signingKey.create({ data: { kid: key.kid, alg: key.alg, publicPem: key.publicKeyPem, privateEnc: dataKey.encrypt(key.privateKeyPem), active: true } });
  }

  return {
    async ensureActive(importFile) {
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', 'identity:signing_key');
        if (await tx.signingKey.findFirst({ where: { active: true } })) return;
        const key = importFile
          ? JSON.parse(fs.readFileSync(importFile, 'utf8')) as { kid: string; alg: SigningAlg; privateKeyPem: string; publicKeyPem: string }
          : generateSigningKey(opts.alg ?? 'EdDSA');
        if (await tx.signingKey.findUnique({ where: { kid: key.kid } })) {
          await tx.signingKey.update({ where: { kid: key.kid }, data: { active: true, retiredAt: null } });
        } else {
          await insert(tx, key);
        }
        await audit(tx, { actor: 'system', action: 'signing_key.activated', target: key.kid, detail: { source: importFile ? 'file' : 'generated' } });
      });
    },
    async signer(ttlSeconds = opts.ttlSeconds) {
      const k = await active();
      const id = `${k.kid}:${ttlSeconds}`;
      let s = signers.get(id);
      if (!s) {
        s = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: opts.issuer, audience: opts.audience, ttlSeconds });
        signers.set(id, s);
      }
      return s;
    },
    async jwks() {
      const rows = await published();
      return {
        keys: rows.map((r) => ({ ...(createPublicKey(r.publicPem).export({ format: 'jwk' }) as JsonWebKey), kid: r.kid, alg: r.alg, use: 'sig' })),
      };
    },
    async get(kid): Promise<VerificationKey | undefined> {
      const row = await db.signingKey.findFirst({ where: { kid, OR: [{ retiredAt: null }, { retiredAt: { gt: new Date() } }] } });
      return row ? { pem: row.publicPem, alg: row.alg as SigningAlg } : undefined;
    },
    async rotate(actor) {
      const next = generateSigningKey(opts.alg ?? 'EdDSA');
      const retired = await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', 'identity:signing_key');
        const old = await tx.signingKey.findFirst({ where: { active: true } });
        if (old) await tx.signingKey.update({ where: { kid: old.kid }, data: { active: false, retiredAt: new Date(Date.now() + opts.retireAfterSeconds * 1000) } });
        await insert(tx, next);
        await audit(tx, { actor, action: 'signing_key.rotated', target: next.kid, detail: { retired: old?.kid ?? null } });
        return old?.kid ?? null;
      });
      cached = null;
      return { kid: next.kid, retired };
    },
  };
}
