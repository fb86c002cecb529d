import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { createTokenSigner, generateSigningKey, jwkThumbprint } from '../src/index.js';
import { applicant, bearer, buildZoneApp, ZONES } from './helpers.js';

function decode(token: string) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

describe('generateSigningKey', () => {
  it.each(['EdDSA', 'ES256'] as const)('makes a %s key pair whose kid is the RFC 7638 thumbprint', (alg) => {
    const key = generateSigningKey(alg);
    expect(key.alg).toBe(alg);
    expect(key.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(key.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(key.kid).toBe(jwkThumbprint(createPublicKey(key.publicKeyPem)));
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it('defaults to EdDSA', () => {
    expect(generateSigningKey().alg).toBe('EdDSA');
  });
});

describe('createTokenSigner', () => {
  it('signs a JWT with the zone claims and a 900 s default lifetime', () => {
    const key = generateSigningKey();
    const signer = createTokenSigner({ ...key, ...ZONES.internet });
    const { header, payload } = decode(signer.sign(applicant));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
    expect(payload).toMatchObject({ ...applicant, iss: ZONES.internet.issuer, aud: ZONES.internet.audience });
    expect(payload.exp - payload.iat).toBe(900);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a key that does not match the algorithm', () => {
    const key = generateSigningKey('EdDSA');
    expect(() => createTokenSigner({ ...key, alg: 'ES256', ...ZONES.internet })).toThrow(/EdDSA, not ES256/);
  });

  it('refuses to sign something that is not a principal', () => {
    const signer = createTokenSigner({ ...generateSigningKey(), ...ZONES.internet });
    expect(() => signer.sign({ ...applicant, realm: 'admin' as never })).toThrow(/invalid principal at \/realm/);
    expect(() => signer.sign({ ...applicant, sub: '' })).toThrow(/invalid principal at \/sub/);
  });

  it.each(['EdDSA', 'ES256'] as const)('publishes a %s JWKS whose key verifies its tokens', async (alg) => {
    const key = generateSigningKey(alg);
    const signer = createTokenSigner({ ...key, ...ZONES.internet });
    const jwks = signer.jwks();
    expect(jwks.keys).toHaveLength(1);
    const jwk = jwks.keys[0]!;
    expect(jwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
    expect(jwk).not.toHaveProperty('d'); // no private material

    const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const token = signer.sign(applicant);
    const [h, p, s] = token.split('.');
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s!, 'base64url');
    const ok = alg === 'EdDSA' ? cryptoVerify(null, data, publicKey, sig) : cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    expect(ok).toBe(true);

    // And the same key, round-tripped through the JWK, is accepted by the verifying plugin.
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const { app } = await buildZoneApp({ publicKeys: [{ kid: jwk.kid as string, pem }], ...ZONES.internet });
    const res = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});
