/**
 * Verification keys fetched from a realm's JWKS endpoint (/.well-known/jwks.json), cached, and
 * refreshed so that identity can rotate its signing key without downtime: a token with a kid not
 * yet in the cache triggers one refetch (at most once per `minRefreshMs`), and the whole set is
 * refetched after `maxAgeMs` so that retired keys disappear from every service.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { algOfKey, type SigningAlg } from './keys.js';

export interface VerificationKey { pem: string; alg: SigningAlg }

export interface KeySource {
  /** The key for a kid, or undefined when the realm does not (or no longer) publish it. */
  get(kid: string): Promise<VerificationKey | undefined>;
}

export interface JwksKeySourceOptions {
  url: string;
  /** Accepted algorithms; JWKS entries of other types are ignored. */
  algorithms: readonly SigningAlg[];
  /** Refetch the whole set after this long; default 5 minutes. */
  maxAgeMs?: number;
  /** At most one refetch per this interval; an unknown kid waits for the next one (so forged kids cannot flood identity); default 1 s. */
  minRefreshMs?: number;
  /** Timeout of one fetch; default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Thrown when the JWKS cannot be fetched and nothing usable is cached; services answer 503. */
export class JwksUnavailableError extends Error {
  readonly code = 'HALL_JWKS_UNAVAILABLE';
}

/** Converts a JWKS document into verification keys, skipping anything that is not a signing key we accept. */
export function keysFromJwks(doc: unknown, algorithms: readonly SigningAlg[]): Map<string, VerificationKey> {
  const out = new Map<string, VerificationKey>();
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error('JWKS document has no keys array');
  for (const jwk of keys as (JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown })[]) {
    if (typeof jwk?.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    // Never accept a private member: a JWKS carrying "d" is a misconfiguration, not a key to trust.
    if ('d' in jwk) continue;
    if (jwk.kty !== 'OKP' && jwk.kty !== 'EC') continue;
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      const alg = algOfKey(key);
      if (!algorithms.includes(alg) || (jwk.alg !== undefined && jwk.alg !== alg)) continue;
      out.set(jwk.kid, { alg, pem: key.export({ type: 'spki', format: 'pem' }) as string });
    } catch { /* malformed entry: skip */ }
  }
  return out;
}

export function createJwksKeySource(opts: JwksKeySourceOptions): KeySource {
  const maxAge = opts.maxAgeMs ?? 300_000;
  const minRefresh = opts.minRefreshMs ?? 1000;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  let keys = new Map<string, VerificationKey>();
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let inflight: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      attemptedAt = now();
      try {
        const res = await doFetch(opts.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000), headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`JWKS ${opts.url} answered ${res.status}`);
        keys = keysFromJwks(await res.json(), opts.algorithms);
        fetchedAt = now();
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  return {
    async get(kid) {
      const tryRefresh = async () => {
        try {
          await refresh();
        } catch (err) {
          // A stale cache still verifies (identity briefly unreachable is not an outage); nothing cached is.
          if (fetchedAt === -Infinity) throw new JwksUnavailableError(`JWKS unavailable: ${(err as Error).message}`);
        }
      };
      if (now() - fetchedAt > maxAge && now() - attemptedAt >= minRefresh) await tryRefresh();
      // An unknown kid is most likely a key identity has just rotated to. Rather than refuse it
      // because the set was fetched a moment ago, wait for the end of the interval and refetch;
      // requests arriving meanwhile share that one fetch, so forged kids cannot flood identity.
      // A loop, because a timer may fire a millisecond before Date.now() says the interval is over
      // (that refused a freshly rotated key on a loaded machine).
      while (!keys.has(kid)) {
        if (inflight) { await inflight.catch(() => {}); break; }
        const wait = attemptedAt + minRefresh - now();
        if (wait <= 0) { await tryRefresh(); break; }
        await new Promise((r) => setTimeout(r, wait));
      }
      return keys.get(kid);
    },
  };
}
