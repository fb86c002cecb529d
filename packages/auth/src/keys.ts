/**
 * Signing keys. Tokens are signed asymmetrically so that services hold only public keys: a
 * compromised case service cannot mint a staff token. Each zone's identity service has its own
 * key pair; the kid is the RFC 7638 JWK thumbprint, so it is derived from the key and cannot drift.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

export type SigningAlg = 'EdDSA' | 'ES256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['EdDSA', 'ES256'];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Which JWS algorithm a key can serve; anything else is refused rather than guessed. */
export function algOfKey(key: KeyObject): SigningAlg {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? key.type}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}: use Ed25519 (EdDSA) or P-256 (ES256)`);
}

/** RFC 7638: SHA-256 over the required members of the public JWK, in lexicographic order. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public half as a JWK ready for a JWKS document. */
export function publicJwk(publicKey: KeyObject, kid: string): JsonWebKey {
  return { ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg: algOfKey(publicKey), use: 'sig' };
}

export function generateSigningKey(alg: SigningAlg = 'EdDSA'): SigningKey {
  const { privateKey, publicKey } = alg === 'EdDSA'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: jwkThumbprint(publicKey),
    alg,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function loadPublicKey(pem: string): KeyObject {
  // createPublicKey also accepts a private key PEM; refuse it so that a private key is never
  // configured as a verification key by mistake (and thus copied to every service).
  if (/PRIVATE KEY/.test(pem)) throw new Error('a private key was given where a public key is expected');
  return createPublicKey(pem);
}
