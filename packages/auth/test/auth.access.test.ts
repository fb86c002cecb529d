import { createHmac } from 'node:crypto';
import type { HttpApp } from '@hall/http';
import { authPlugin, createTokenSigner, generateSigningKey, type SigningKey } from '../src/index.js';
import { applicant, approver, b64url, bearer, buildZoneApp, claimsFor, rawSign, ZONES } from './helpers.js';

function expectUnauthenticated(res: { statusCode: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }, detail?: string) {
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  expect(res.json()).toMatchObject({ status: 401, code: 'unauthenticated', title: '未登录或登录已过期', type: 'https://hall.gov.cn/problems/unauthenticated', ...(detail ? { detail } : {}) });
}

function expectForbidden(res: { statusCode: number; json: () => Record<string, unknown> }) {
  expect(res.statusCode).toBe(403);
  expect(res.json()).toMatchObject({ status: 403, code: 'forbidden', title: '无权执行此操作' });
}

describe('authPlugin: verifying tokens', () => {
  const edKey = generateSigningKey('EdDSA');
  const esKey = generateSigningKey('ES256');
  const ed = createTokenSigner({ ...edKey, ...ZONES.internet });
  const es = createTokenSigner({ ...esKey, ...ZONES.internet });
  let app: HttpApp;
  let logs: Record<string, unknown>[];

  beforeAll(async () => {
    ({ app, logs } = await buildZoneApp({ publicKeys: [{ kid: edKey.kid, pem: edKey.publicKeyPem }, { kid: esKey.kid, pem: esKey.publicKeyPem }], ...ZONES.internet }));
  });
  afterAll(async () => { await app.close(); });

  it('accepts a valid EdDSA token and exposes only the principal', async () => {
    const res = await app.inject({ method: 'GET', url: '/me', headers: bearer(ed.sign(applicant)) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(applicant); // no iss/aud/exp/jti leaking into the principal
  });

  it('accepts a valid ES256 token', async () => {
    const res = await app.inject({ method: 'GET', url: '/me', headers: bearer(es.sign(approver)) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(approver);
  });

  it('rejects a request without a token', async () => {
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me' }), '请求未携带访问令牌');
  });

  it.each([['garbage', 'Bearer not.a.jwt'], ['two tokens', 'Bearer a b'], ['another scheme', 'Basic dXNlcjpwYXNz']])('rejects a %s Authorization header', async (_why, authorization) => {
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: { authorization } }));
  });

  it('rejects a token signed by a different key, even one that claims a trusted kid', async () => {
    const intruder = generateSigningKey('EdDSA');
    const ownKid = createTokenSigner({ ...intruder, ...ZONES.internet }).sign(applicant);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(ownKid) }), '访问令牌无效');
    const stolenKid = createTokenSigner({ ...intruder, kid: edKey.kid, ...ZONES.internet }).sign(applicant);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(stolenKid) }), '访问令牌无效');
  });

  it('rejects a token with no kid', async () => {
    const token = rawSign({ alg: 'EdDSA', typ: 'JWT' }, claimsFor(applicant, ZONES.internet), edKey.privateKeyPem);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }));
  });

  it('rejects an expired token, saying so', async () => {
    const expired = createTokenSigner({ ...edKey, ...ZONES.internet, ttlSeconds: 900, now: () => Date.now() - 3600_000 }).sign(applicant);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(expired) }), '访问令牌已过期，请重新登录');
  });

  it('tolerates up to 30 s of clock skew on exp', async () => {
    const justExpired = createTokenSigner({ ...edKey, ...ZONES.internet, ttlSeconds: 60, now: () => Date.now() - 70_000 }).sign(applicant);
    expect((await app.inject({ method: 'GET', url: '/me', headers: bearer(justExpired) })).statusCode).toBe(200);
  });

  it('rejects alg=none', async () => {
    for (const header of [{ alg: 'none', typ: 'JWT', kid: edKey.kid }, { alg: 'none', typ: 'JWT' }]) {
      const token = `${b64url(header)}.${b64url(claimsFor(approver, ZONES.internet))}.`;
      expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }));
    }
  });

  it('rejects HS256 forged with the public key as the HMAC secret', async () => {
    for (const [key, header] of [[edKey, { alg: 'HS256', typ: 'JWT', kid: edKey.kid }], [esKey, { alg: 'HS256', typ: 'JWT', kid: esKey.kid }], [edKey, { alg: 'HS256', typ: 'JWT' }]] as const) {
      const input = `${b64url(header)}.${b64url(claimsFor(approver, ZONES.internet))}`;
      const sig = createHmac('sha256', key.publicKeyPem).update(input).digest('base64url');
      expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(`${input}.${sig}`) }));
    }
  });

  it('rejects an ES256 header on an EdDSA key (alg must be the key\'s own)', async () => {
    const token = rawSign({ alg: 'ES256', typ: 'JWT', kid: edKey.kid }, claimsFor(applicant, ZONES.internet), esKey.privateKeyPem);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }));
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const [h, , s] = ed.sign(applicant).split('.');
    const elevated = b64url(claimsFor({ ...applicant, realm: 'staff', roles: ['approver'], positions: ['审批岗'] }, ZONES.internet));
    expectUnauthenticated(await app.inject({ method: 'POST', url: '/cases/C1/approve', headers: bearer(`${h}.${elevated}.${s}`) }));
  });

  it('rejects a correctly signed token that does not describe a principal', async () => {
    const { roles: _roles, ...noRoles } = applicant;
    const token = rawSign({ alg: 'EdDSA', typ: 'JWT', kid: edKey.kid }, claimsFor(noRoles as never, ZONES.internet), edKey.privateKeyPem);
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/me', headers: bearer(token) }), '访问令牌无效');
  });

  it('never logs the token', async () => {
    const token = ed.sign(applicant);
    await app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    await app.inject({ method: 'GET', url: '/me', headers: bearer(token.slice(0, -4) + 'AAAA') });
    const text = JSON.stringify(logs);
    expect(text).not.toContain(token.split('.')[2]!);
    expect(text).toContain('access token rejected');
  });
});

describe('authPlugin: zone isolation (internet ↔ extranet)', () => {
  const internetKey = generateSigningKey('EdDSA');
  const extranetKey = generateSigningKey('ES256');
  const internet = createTokenSigner({ ...internetKey, ...ZONES.internet });
  const extranet = createTokenSigner({ ...extranetKey, ...ZONES.extranet });
  let internetApp: HttpApp;
  let extranetApp: HttpApp;

  beforeAll(async () => {
    ({ app: internetApp } = await buildZoneApp({ publicKeys: [{ kid: internetKey.kid, pem: internetKey.publicKeyPem }], ...ZONES.internet }));
    ({ app: extranetApp } = await buildZoneApp({ publicKeys: [{ kid: extranetKey.kid, pem: extranetKey.publicKeyPem }], ...ZONES.extranet }));
  });
  afterAll(async () => { await internetApp.close(); await extranetApp.close(); });

  it('each zone accepts its own tokens', async () => {
    expect((await internetApp.inject({ method: 'GET', url: '/me', headers: bearer(internet.sign(applicant)) })).statusCode).toBe(200);
    expect((await extranetApp.inject({ method: 'GET', url: '/me', headers: bearer(extranet.sign(approver)) })).statusCode).toBe(200);
  });

  it('the extranet rejects an internet token', async () => {
    expectUnauthenticated(await extranetApp.inject({ method: 'GET', url: '/me', headers: bearer(internet.sign(applicant)) }));
    expectUnauthenticated(await extranetApp.inject({ method: 'GET', url: '/me', headers: bearer(internet.sign(approver)) }));
  });

  it('the internet zone rejects an extranet token', async () => {
    expectUnauthenticated(await internetApp.inject({ method: 'GET', url: '/me', headers: bearer(extranet.sign(approver)) }));
  });

  describe('even when both zones were (mis)configured to trust the same key', () => {
    const shared = generateSigningKey('EdDSA');
    let a: HttpApp;
    let b: HttpApp;
    beforeAll(async () => {
      ({ app: a } = await buildZoneApp({ publicKeys: [{ kid: shared.kid, pem: shared.publicKeyPem }], ...ZONES.internet }));
      ({ app: b } = await buildZoneApp({ publicKeys: [{ kid: shared.kid, pem: shared.publicKeyPem }], ...ZONES.extranet }));
    });
    afterAll(async () => { await a.close(); await b.close(); });

    it('issuer and audience still keep the tokens apart, both ways', async () => {
      const forInternet = createTokenSigner({ ...shared, ...ZONES.internet }).sign(applicant);
      const forExtranet = createTokenSigner({ ...shared, ...ZONES.extranet }).sign(approver);
      expect((await a.inject({ method: 'GET', url: '/me', headers: bearer(forInternet) })).statusCode).toBe(200);
      expect((await b.inject({ method: 'GET', url: '/me', headers: bearer(forExtranet) })).statusCode).toBe(200);
      expectUnauthenticated(await a.inject({ method: 'GET', url: '/me', headers: bearer(forExtranet) }));
      expectUnauthenticated(await b.inject({ method: 'GET', url: '/me', headers: bearer(forInternet) }));
    });

    it('a wrong audience alone is enough to reject', async () => {
      const token = createTokenSigner({ ...shared, issuer: ZONES.extranet.issuer, audience: ZONES.internet.audience }).sign(approver);
      expectUnauthenticated(await b.inject({ method: 'GET', url: '/me', headers: bearer(token) }));
    });

    it('a wrong issuer alone is enough to reject', async () => {
      const token = createTokenSigner({ ...shared, issuer: ZONES.internet.issuer, audience: ZONES.extranet.audience }).sign(approver);
      expectUnauthenticated(await b.inject({ method: 'GET', url: '/me', headers: bearer(token) }));
    });
  });
});

describe('requireRealm / requireRole / requirePosition', () => {
  const key: SigningKey = generateSigningKey('EdDSA');
  const signer = createTokenSigner({ ...key, ...ZONES.extranet });
  let app: HttpApp;
  beforeAll(async () => { ({ app } = await buildZoneApp({ publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], ...ZONES.extranet })); });
  afterAll(async () => { await app.close(); });

  const approve = (principal: typeof approver) => app.inject({ method: 'POST', url: '/cases/C1/approve', headers: bearer(signer.sign(principal)) });

  it('lets an approver at the approval position approve', async () => {
    const res = await approve(approver);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ approvedBy: approver.sub });
  });

  it('accepts any one of the listed roles', async () => {
    expect((await approve({ ...approver, roles: ['director'] })).statusCode).toBe(200);
  });

  it('forbids a public-realm caller on a staff route, and the reverse', async () => {
    expectForbidden(await app.inject({ method: 'GET', url: '/staff/cases', headers: bearer(signer.sign(applicant)) }));
    expectForbidden(await approve({ ...approver, realm: 'public' }));
    expectForbidden(await app.inject({ method: 'GET', url: '/public/applications', headers: bearer(signer.sign(approver)) }));
  });

  it('forbids staff without the role', async () => {
    const res = await approve({ ...approver, roles: ['case_officer'] });
    expectForbidden(res);
    expect(res.json().detail).toBe('缺少所需角色');
  });

  it('forbids staff with the role but not the position', async () => {
    const res = await approve({ ...approver, positions: ['受理岗'] });
    expectForbidden(res);
    expect(res.json().detail).toBe('缺少所需岗位');
    const { positions: _p, ...noPositions } = approver;
    expectForbidden(await approve(noPositions));
  });

  it('lets the acceptance position accept but not the approval position', async () => {
    expect((await app.inject({ method: 'POST', url: '/cases/C1/accept', headers: bearer(signer.sign({ ...approver, positions: ['受理岗'] })) })).statusCode).toBe(200);
    expectForbidden(await app.inject({ method: 'POST', url: '/cases/C1/accept', headers: bearer(signer.sign(approver)) }));
  });

  it('fails closed on a guard placed without app.authenticate', async () => {
    expectUnauthenticated(await app.inject({ method: 'GET', url: '/guard-without-authenticate', headers: bearer(signer.sign(approver)) }));
  });

  it('fails closed when a handler reads request.principal without app.authenticate', async () => {
    const res = await app.inject({ method: 'GET', url: '/principal-without-authenticate', headers: bearer(signer.sign(approver)) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'internal_error' });
  });
});

describe('authPlugin configuration', () => {
  const key = generateSigningKey('EdDSA');
  it.each([
    ['no keys', { publicKeys: [] }, /at least one public key/],
    ['a private key as a public key', { publicKeys: [{ kid: key.kid, pem: key.privateKeyPem }] }, /private key/],
    ['a key outside the accepted algorithms', { publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], algorithms: ['ES256' as const] }, /not among the accepted/],
    ['a duplicate kid', { publicKeys: [{ kid: 'k', pem: key.publicKeyPem }, { kid: 'k', pem: generateSigningKey().publicKeyPem }] }, /duplicate kid/],
  ])('refuses to start with %s', async (_why, opts, message) => {
    const { buildHttpApp } = await import('@hall/http');
    const { createLogger } = await import('@hall/logging');
    const app = await buildHttpApp({ service: 't', logger: createLogger({ service: 't', level: 'silent' }) });
    await expect(app.register(authPlugin, { ...ZONES.internet, ...opts }).ready()).rejects.toThrow(message);
    await app.close();
  });

  it('refuses to register on an app not built by buildHttpApp', async () => {
    const { default: Fastify } = await import('fastify');
    const bare = Fastify();
    await expect(bare.register(authPlugin, { ...ZONES.internet, publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }] }).ready()).rejects.toThrow(/@hall\/http\/problems/);
    await bare.close();
  });
});
