/**
 * The realm's data key (IDENTITY_DATA_KEY, ≥ 32 random bytes, base64): HMAC for values that are
 * only ever matched (ID numbers), AES-256-GCM for values that must be read back (the ID number for
 * a certificate holder, private signing keys). Subkeys are derived with HKDF so that one secret
 * never serves two purposes.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface DataKey {
  /** Keyed hash for lookups (hex). */
  hash(value: string): string;
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export function parseDataKey(base64: string): Buffer {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length < 32) throw new Error('IDENTITY_DATA_KEY must be at least 32 random bytes, base64-encoded');
  return raw;
}

export function createDataKey(secret: Buffer): DataKey {
  const sub = (info: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
  const macKey = sub('hall-identity/hash');
  const encKey = sub('hall-identity/encrypt');
  return {
    hash: (value) => createHmac('sha256', macKey).update(value).digest('hex'),
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `v1.${iv.toString('base64url')}.${body.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
    },
    decrypt(sealed) {
      const [v, iv, body, tag] = sealed.split('.');
      if (v !== 'v1' || !iv || body === undefined || !tag) throw new Error('not a sealed value');
      const d = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    },
  };
}
