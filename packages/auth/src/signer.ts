/**
 * Token signing for a zone's identity service (统一身份认证). Uses node:crypto directly: the JWS
 * is small enough to build by hand, and it keeps fast-jwt an implementation detail of verification.
 */
import { randomUUID, sign as cryptoSign, createPublicKey, type JsonWebKey } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { algOfKey, loadPrivateKey, publicJwk, type SigningAlg } from './keys.js';
import { pickPrincipal, PrincipalSchema, type Principal } from './principal.js';

export interface TokenSignerOptions {
  privateKeyPem: string;
  kid: string;
  alg: SigningAlg;
  /** The zone's identity service, e.g. 'https://id.internet.hall.gov.cn'. */
  issuer: string;
  /** The zone's services, e.g. 'hall-internet'; a token is only accepted where this matches. */
  audience: string;
  /** Lifetime of an access token; default 900 s, short because there is no revocation list. */
  ttlSeconds?: number;
  /** Clock in epoch ms; injectable so tests can mint already-expired tokens. */
  now?: () => number;
}

export interface TokenSigner {
  /** `audience` overrides the signer's own, e.g. data-exchange client tokens (exchangeAudience). */
  sign(principal: Principal, opts?: { audience?: string }): string;
  /** The public key as a JWKS document, for /.well-known/jwks.json. */
  jwks(): { keys: JsonWebKey[] };
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenSigner(opts: TokenSignerOptions): TokenSigner {
  const privateKey = loadPrivateKey(opts.privateKeyPem);
  const keyAlg = algOfKey(privateKey);
  if (keyAlg !== opts.alg) throw new Error(`signing key is for ${keyAlg}, not ${opts.alg}`);
  const ttl = opts.ttlSeconds ?? 900;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error(`ttlSeconds must be a positive integer, got ${ttl}`);
  const now = opts.now ?? Date.now;
  const header = b64url({ alg: opts.alg, typ: 'JWT', kid: opts.kid });
  const jwk = publicJwk(createPublicKey(privateKey), opts.kid);

  return {
    sign(principal, signOpts) {
      if (!Value.Check(PrincipalSchema, principal)) {
        const first = Value.Errors(PrincipalSchema, principal).First();
        throw new Error(`invalid principal${first ? ` at ${first.path}: ${first.message}` : ''}`);
      }
      const iat = Math.floor(now() / 1000);
      const payload = b64url({ ...pickPrincipal(principal), iss: opts.issuer, aud: signOpts?.audience ?? opts.audience, iat, exp: iat + ttl, jti: randomUUID() });
      const input = `${header}.${payload}`;
      // JWS ES256 wants the raw r||s signature, not node's default DER encoding.
      const signature = opts.alg === 'EdDSA'
        ? cryptoSign(null, Buffer.from(input), privateKey)
        : cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
    jwks() {
      return { keys: [{ ...jwk }] };
    },
  };
}
