/**
 * Authentication before validation (issue 20): a protected route answers an anonymous or
 * unauthorised caller 401/403 before it parses or validates anything, so nobody learns a
 * protected route's schema from field-level 400s. Guards that read the request itself stay after
 * validation. Also: a token made for another audience (data-exchange clients) is refused.
 */
import { Writable } from 'node:stream';
import { createLogger } from '@hall/logging';
import { buildHttpApp, StrictObject, Type, type HttpApp } from '@hall/http';
import { authPlugin, createTokenSigner, exchangeAudience, generateSigningKey, requireRealm, requireRole } from '../src/index.js';
import { applicant, approver, bearer, ZONES } from './helpers.js';

const key = generateSigningKey('EdDSA');
const zone = createTokenSigner({ ...key, ...ZONES.extranet });
let app: HttpApp;
let bodyGuardRan = 0;

beforeAll(async () => {
  const destination = new Writable({ write(_chunk, _enc, cb) { cb(); } });
  app = await buildHttpApp({ service: 'auth-order-test', logger: createLogger({ service: 'auth-order-test', destination }) });
  await app.register(authPlugin, { publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], ...ZONES.extranet });
  const body = StrictObject({ reason: Type.String({ minLength: 5 }), days: Type.Integer({ minimum: 1 }) });
  app.post('/cases/:id/suspend', {
    preHandler: [app.authenticate, requireRealm('staff'), requireRole('approver'), async () => { bodyGuardRan++; }],
    schema: { params: StrictObject({ id: Type.String({ format: 'uuid' }) }), body },
  }, async () => ({ ok: true }));
  app.post('/me/notes', { preHandler: app.authenticate, schema: { body } }, async () => ({ ok: true }));
  await app.ready();
});
afterAll(async () => { await app.close(); });

const suspend = (headers: Record<string, string> = {}, payload: unknown = { days: 'many' }) =>
  app.inject({ method: 'POST', url: '/cases/not-a-uuid/suspend', headers, payload: payload as object });

describe('auth before validation', () => {
  it('should answer an anonymous caller with a bad body 401, not the schema errors', async () => {
    const r = await suspend();
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ code: 'unauthenticated' });
    expect(r.json()).not.toHaveProperty('errors');
    expect(r.body).not.toMatch(/days|reason|format/);
  });

  it('should answer 401 to an anonymous caller whose body is not even JSON', async () => {
    const r = await app.inject({ method: 'POST', url: '/me/notes', headers: { 'content-type': 'application/json' }, payload: '{"reason":' });
    expect(r.statusCode).toBe(401);
  });

  it('should answer a caller of the wrong realm or role 403 before validating', async () => {
    expect((await suspend(bearer(zone.sign(applicant)))).statusCode).toBe(403);
    expect((await suspend(bearer(zone.sign({ ...approver, roles: ['case_officer'] })))).statusCode).toBe(403);
  });

  it('should validate for an authorised caller, and only then run the guards that read the request', async () => {
    const before = bodyGuardRan;
    const r = await suspend(bearer(zone.sign(approver)));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'validation_failed' });
    expect(bodyGuardRan).toBe(before);
    const ok = await app.inject({ method: 'POST', url: '/cases/6f1c2f5e-8a51-4f43-9a3c-5b0f7c7e0a11/suspend', headers: bearer(zone.sign(approver)), payload: { reason: '需要现场核查', days: 3 } });
    expect(ok.statusCode).toBe(200);
    expect(bodyGuardRan).toBe(before + 1);
  });

  it("should refuse a data-exchange client's token (the exchange's audience) on a zone service", async () => {
    const client = zone.sign({ sub: 'gy-gaj-exchange', realm: 'client', name: '公安局数据交换', roles: ['api_client'], scopes: ['case:status'] }, { audience: exchangeAudience(ZONES.extranet.audience) });
    const r = await app.inject({ method: 'POST', url: '/me/notes', headers: bearer(client), payload: { reason: '五个字以上', days: 1 } });
    expect(r.statusCode).toBe(401);
  });

  // A route that ran app.authenticate anywhere later would validate before authenticating again,
  // quietly; the plugin refuses to register it, so no service can get the order wrong.
  it.each([
    ['after another preHandler', { preHandler: [async () => undefined, 'authenticate'] }, /must be the first preHandler/],
    ['in preValidation', { preValidation: 'authenticate' }, /not in preValidation/],
    ['in preParsing', { preParsing: ['authenticate'] }, /not in preParsing/],
    ['a principal guard without authentication', { preHandler: [requireRealm('staff')] }, /principal guard .* without app.authenticate/],
  ])('should refuse to register a route that authenticates late: %s', async (_what, hooks, message) => {
    const destination = new Writable({ write(_chunk, _enc, cb) { cb(); } });
    const late = await buildHttpApp({ service: 'auth-order-late', logger: createLogger({ service: 'auth-order-late', destination }) });
    await late.register(authPlugin, { publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], ...ZONES.extranet });
    const resolve = (h: unknown): unknown => (h === 'authenticate' ? late.authenticate : Array.isArray(h) ? h.map(resolve) : h);
    const options = Object.fromEntries(Object.entries(hooks).map(([stage, h]) => [stage, resolve(h)]));
    try {
      expect(() => late.post('/late', { ...options, schema: { body: StrictObject({ reason: Type.String() }) } }, async () => ({ ok: true }))).toThrow(message);
    } finally {
      await late.close();
    }
  });
});
