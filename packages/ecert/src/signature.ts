/**
 * Signature algorithms for e-certificates, pluggable by name:
 * - `SM2-SM3`: SM2 digital signature (GB/T 32918.2) over SM3 (GB/T 32905) with the default
 *   distinguishing identifier 1234567812345678 (GB/T 35276); public key 04||X||Y in hex,
 *   signature r||s (64 bytes), via the `sm-crypto-v2` library.
 * - `Ed25519`: node:crypto; public key as SPKI PEM.
 * Signatures travel base64-encoded. No database or service imports here: the offline verifier
 * (verify-offline.ts), the certificate service and the internet portal use this file as it is.
 */
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, createPublicKey, createPrivateKey } from 'node:crypto';
import { sm2, sm3 } from 'sm-crypto-v2';

export const ALGORITHMS = ['SM2-SM3', 'Ed25519'] as const;
export type SignatureAlgorithm = (typeof ALGORITHMS)[number];
export const isAlgorithm = (a: unknown): a is SignatureAlgorithm => typeof a === 'string' && (ALGORITHMS as readonly string[]).includes(a);

/** SM2's default user identifier (GB/T 35276-2017). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface KeyPair { algorithm: SignatureAlgorithm; publicKey: string; privateKey: string }

/** A published public key, JWK-like (RFC 7517/8037; SM2 as kty EC, crv SM2). */
export interface PublicJwk { kid: string; kty: 'OKP' | 'EC'; crv: 'Ed25519' | 'SM2'; x: string; y?: string; alg: SignatureAlgorithm; use: 'sig' }

interface Scheme {
  generate(): { publicKey: string; privateKey: string };
  sign(data: Uint8Array, privateKey: string, publicKey: string): Buffer;
  verify(data: Uint8Array, signature: Buffer, publicKey: string): boolean;
  jwk(publicKey: string): Omit<PublicJwk, 'kid' | 'alg' | 'use'>;
  fromJwk(jwk: { x: string; y?: string }): string;
}

const b64u = (b: Buffer) => b.toString('base64url');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const SCHEMES: Record<SignatureAlgorithm, Scheme> = {
  'SM2-SM3': {
    generate() {
      const k = sm2.generateKeyPairHex();
      return { publicKey: k.publicKey, privateKey: k.privateKey };
    },
    sign(data, privateKey, publicKey) {
      const sigHex = sm2.doSignature(data, privateKey, { hash: true, publicKey, userId: SM2_DEFAULT_USER_ID, der: false });
      return Buffer.from(sigHex.padStart(128, '0'), 'hex');
    },
    verify(data, signature, publicKey) {
      if (signature.length !== 64 || !/^04[0-9a-f]{128}$/i.test(publicKey)) return false;
      try {
        return sm2.doVerifySignature(data, signature.toString('hex'), publicKey.toLowerCase(), { hash: true, userId: SM2_DEFAULT_USER_ID, der: false });
      } catch {
        return false;
      }
    },
    jwk(publicKey) {
      const raw = Buffer.from(publicKey.slice(2), 'hex');
      return { kty: 'EC', crv: 'SM2', x: b64u(raw.subarray(0, 32)), y: b64u(raw.subarray(32, 64)) };
    },
    fromJwk(jwk) {
      return `04${hex(Buffer.from(jwk.x, 'base64url'))}${hex(Buffer.from(jwk.y ?? '', 'base64url'))}`;
    },
  },
  Ed25519: {
    generate() {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      return { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
    sign(data, privateKey) {
      return nodeSign(null, data, createPrivateKey(privateKey));
    },
    verify(data, signature, publicKey) {
      try {
        return nodeVerify(null, data, createPublicKey(publicKey), signature);
      } catch {
        return false;
      }
    },
    jwk(publicKey) {
      const j = createPublicKey(publicKey).export({ format: 'jwk' }) as { x: string };
      return { kty: 'OKP', crv: 'Ed25519', x: j.x };
    },
    fromJwk(jwk) {
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    },
  },
};

const scheme = (a: string): Scheme => {
  if (!isAlgorithm(a)) throw new Error(`unknown signature algorithm ${a}`);
  return SCHEMES[a];
};

export const generateKeyPair = (algorithm: SignatureAlgorithm): KeyPair => ({ algorithm, ...scheme(algorithm).generate() });

/** Signs the bytes; returns the signature base64-encoded. */
export function signBytes(algorithm: SignatureAlgorithm, data: Uint8Array, privateKey: string, publicKey: string): string {
  return scheme(algorithm).sign(data, privateKey, publicKey).toString('base64');
}

/** False for a bad signature, a wrong key, an unknown algorithm or malformed input; never throws. */
export function verifyBytes(algorithm: string, data: Uint8Array, signatureB64: string, publicKey: string): boolean {
  if (!isAlgorithm(algorithm)) return false;
  return SCHEMES[algorithm].verify(data, Buffer.from(signatureB64, 'base64'), publicKey);
}

export const publicJwk = (kid: string, algorithm: SignatureAlgorithm, publicKey: string): PublicJwk => ({ kid, ...scheme(algorithm).jwk(publicKey), alg: algorithm, use: 'sig' });
export const publicKeyFromJwk = (jwk: PublicJwk): string => scheme(jwk.alg).fromJwk(jwk);

/** SM3 digest in hex (used for document fingerprints next to SHA-256, and by the known-answer tests). */
export const sm3Hex = (data: string | Uint8Array): string => sm3(data);
