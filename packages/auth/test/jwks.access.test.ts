import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenSigner, generateSigningKey, type SigningKey } from '../src/index.js';
import { applicant, approver, bearer, buildZoneApp, claimsFor, rawSign, b64url, ZONES } from './helpers.js';

/** A JWKS endpoint on loopback whose key set the test changes (rotation) or breaks (outage). */
let keys: SigningKey[] = [];
let failing = false;
let fetches = 0;
let server: http.Server;
let url: string;
const jwkOf = (k: SigningKey) => createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: 'x', audience: 'x' }).jwks().keys[0];

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    fetches++;
    if (failing) { res.statusCode = 503; res.end(); return; }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: keys.map(jwkOf) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => { await new Promise((r) => server.close(r)); });

const signerFor = (k: SigningKey, zone: { issuer: string; audience: string } = ZONES.internet, extra: { ttlSeconds?: number; now?: () => number } = {}) =>
  createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: zone.issuer, audience: zone.audience, ...extra });

describe('JWKS verification', () => {
  it('verifies from the JWKS, picks up a rotated key at once, and drops a retired one after the cache age', async () => {
    const a = generateSigningKey('EdDSA');
    const b = generateSigningKey('ES256');
    keys = [a];
    const { app } = await buildZoneApp({ jwksUrl: url, issuer: ZONES.internet.issuer, audience: ZONES.internet.audience, jwks: { minRefreshMs: 0, maxAgeMs: 200 } });
    try {
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(a).sign(applicant)) })).statusCode).toBe(200);
      // Rotation: identity publishes b (keeping a) and signs with b; the unknown kid triggers a refetch.
      keys = [b, a];
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(b).sign(applicant)) })).statusCode).toBe(200);
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(a).sign(applicant)) })).statusCode).toBe(200);
      // a retired: once the cache is older than maxAge the set is refetched and a's tokens fail.
      keys = [b];
      await new Promise((r) => setTimeout(r, 250));
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(a).sign(applicant)) })).statusCode).toBe(401);
    } finally { await app.close(); }
  });

  it('should refuse alg none, HMAC with the public key, a wrong issuer or audience, an expired token and a foreign key', async () => {
    const k = generateSigningKey('EdDSA');
    keys = [k];
    const { app } = await buildZoneApp({ jwksUrl: url, issuer: ZONES.internet.issuer, audience: ZONES.internet.audience });
    try {
      const claims = claimsFor(applicant, ZONES.internet);
      const { createHmac } = await import('node:crypto');
      const hsInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: k.kid })}.${b64url(claims)}`;
      const forged = {
        none: `${b64url({ alg: 'none', typ: 'JWT', kid: k.kid })}.${b64url(claims)}.`,
        hmac: `${hsInput}.${createHmac('sha256', k.publicKeyPem).update(hsInput).digest('base64url')}`,
        issuer: rawSign({ alg: 'EdDSA', typ: 'JWT', kid: k.kid }, claimsFor(applicant, ZONES.internet, { iss: ZONES.extranet.issuer }), k.privateKeyPem),
        audience: rawSign({ alg: 'EdDSA', typ: 'JWT', kid: k.kid }, claimsFor(applicant, ZONES.internet, { aud: ZONES.extranet.audience }), k.privateKeyPem),
        otherZone: signerFor(k, ZONES.extranet).sign(approver),
        expired: signerFor(k, ZONES.internet, { ttlSeconds: 60, now: () => Date.now() - 3_600_000 }).sign(applicant),
        foreignKey: (() => { const f = generateSigningKey('EdDSA'); return rawSign({ alg: 'EdDSA', typ: 'JWT', kid: k.kid }, claims, f.privateKeyPem); })(),
        hugeKid: rawSign({ alg: 'EdDSA', typ: 'JWT', kid: 'k'.repeat(5000) }, claims, k.privateKeyPem),
      };
      for (const [what, token] of Object.entries(forged)) {
        const r = await app.inject({ url: '/me', headers: bearer(token) });
        expect([what, r.statusCode]).toEqual([what, 401]);
        expect(r.json().code).toBe('unauthenticated');
      }
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(k).sign(applicant)) })).statusCode).toBe(200);
    } finally { await app.close(); }
  });

  it('should not let unknown kids make it refetch more than once per interval, yet accept a key rotated to just after a fetch', async () => {
    const k = generateSigningKey('EdDSA');
    keys = [k];
    const { app } = await buildZoneApp({ jwksUrl: url, issuer: ZONES.internet.issuer, audience: ZONES.internet.audience, jwks: { minRefreshMs: 500 } });
    try {
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(k).sign(applicant)) })).statusCode).toBe(200);
      // Twenty forged kids at once: a shared refetch once per interval, all refused. On a loaded
      // machine the twenty may take longer than one interval, which allows one more fetch per interval.
      const forged = Array.from({ length: 20 }, () => signerFor(generateSigningKey('EdDSA')).sign(applicant));
      const before = fetches;
      const started = Date.now();
      const strangers = await Promise.all(forged.map((t) => app.inject({ url: '/me', headers: bearer(t) })));
      const intervals = Math.floor((Date.now() - started) / 500);
      expect(strangers.every((r) => r.statusCode === 401)).toBe(true);
      expect(fetches - before).toBeGreaterThanOrEqual(1);
      expect(fetches - before).toBeLessThanOrEqual(1 + intervals);
      // Identity rotates right after that fetch: the new kid waits for the next interval and passes.
      const next = generateSigningKey('EdDSA');
      keys = [next, k];
      expect((await app.inject({ url: '/me', headers: bearer(signerFor(next).sign(applicant)) })).statusCode).toBe(200);
    } finally { await app.close(); }
  });

  it('answers 503 auth_unavailable when the JWKS cannot be fetched and nothing is cached', async () => {
    const k = generateSigningKey('EdDSA');
    keys = [k];
    failing = true;
    const { app } = await buildZoneApp({ jwksUrl: url, issuer: ZONES.internet.issuer, audience: ZONES.internet.audience });
    try {
      const r = await app.inject({ url: '/me', headers: bearer(signerFor(k).sign(applicant)) });
      expect(r.statusCode).toBe(503);
      expect(r.json().code).toBe('auth_unavailable');
      failing = false;
    } finally { failing = false; await app.close(); }
  });
});
