/**
 * Access to every data-exchange endpoint: with its scope it answers, without it 403 `forbidden`
 * (and nothing is fetched); without a token 401; a staff token is not a client; the audit is for
 * supervisors only.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRegistry } from '../src/registries/import.js';
import type { Scope } from '../src/scopes.js';
import { startExchange, issueCertificate, createCase, type Harness } from './helpers.js';

const data = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data');
let h: Harness;
let certificateId: string;
const HOLDER = 'acct-zhou-mengjie';
const CASE_NUMBER = 'GY-WJW-20261126-000417';

beforeAll(async () => {
  h = await startExchange({ with: ['certificate', 'approval', 'catalog'] });
  certificateId = await issueCertificate(h, HOLDER);
  await createCase(h, CASE_NUMBER);
  await importRegistry({ db: h.exchange.ctx.prisma, registry: 'population', file: path.join(data, 'population.sample.csv') });
  await importRegistry({ db: h.exchange.ctx.prisma, registry: 'enterprise', file: path.join(data, 'enterprise.sample.json') });
}, 120_000);
afterAll(async () => { await h?.close(); }, 60_000);

interface Endpoint { scope: Scope; method: 'GET' | 'POST'; url: () => string; body?: unknown }
const ENDPOINTS: Endpoint[] = [
  { scope: 'certificate:verify', method: 'GET', url: () => `/v1/certificates/${certificateId}/verify` },
  { scope: 'certificate:read', method: 'GET', url: () => `/v1/certificates/${certificateId}` },
  { scope: 'certificate:holder-lookup', method: 'GET', url: () => `/v1/holders/${HOLDER}/certificates?purpose=${encodeURIComponent('核查生育登记（《安徽省人口与计划生育条例》）')}` },
  { scope: 'case:status', method: 'GET', url: () => `/v1/cases/${CASE_NUMBER}/status` },
  { scope: 'catalog:read', method: 'GET', url: () => '/v1/catalog/items' },
  { scope: 'basedata:population', method: 'POST', url: () => '/v1/registries/population/lookup', body: { idNumber: '341621199203150020' } },
  { scope: 'basedata:enterprise', method: 'GET', url: () => '/v1/registries/enterprises/91341621MA2N00001C' },
];

const call = (e: Endpoint, headers: Record<string, string> = {}) => h.exchange.app.inject({ method: e.method, url: e.url(), headers, ...(e.body ? { payload: e.body as object } : {}) });

describe('exchange access', () => {
  describe.each(ENDPOINTS)('$method $scope', (e) => {
    it('should answer a client holding the scope', async () => {
      const r = await call(e, h.client([e.scope]));
      expect(r.json()).not.toHaveProperty('code');
      expect(r.statusCode).toBe(200);
    });

    it('should refuse a client without the scope, naming the missing scope', async () => {
      const others = ENDPOINTS.map((x) => x.scope).filter((s) => s !== e.scope);
      const r = await call(e, h.client(others));
      expect(r.statusCode).toBe(403);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'forbidden' });
      expect(r.json().detail).toContain(e.scope);
    });

    it('should refuse a call without a token', async () => {
      expect((await call(e)).statusCode).toBe(401);
    });

    it('should refuse a staff token: staff are not API clients', async () => {
      const r = await call(e, h.staff(['supervisor']));
      expect(r.statusCode).toBe(403);
    });
  });

  it('should let only supervisors query the audit', async () => {
    const url = '/v1/audit/calls';
    expect((await h.exchange.app.inject({ method: 'GET', url, headers: h.staff(['supervisor']) })).statusCode).toBe(200);
    expect((await h.exchange.app.inject({ method: 'GET', url, headers: h.staff(['clerk']) })).statusCode).toBe(403);
    expect((await h.exchange.app.inject({ method: 'GET', url, headers: h.client(ENDPOINTS.map((x) => x.scope)) })).statusCode).toBe(403);
    expect((await h.exchange.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });
});

// One door (issue 20): a client token is for the exchange alone, so a client cannot skip the
// exchange's rate limit and audit by calling approval, certificate or catalog itself.
describe('exchange as the only door for data-exchange clients', () => {
  const ALL = ENDPOINTS.map((x) => x.scope);
  const direct = (name: 'certificate' | 'approval' | 'catalog', url: string, headers: Record<string, string>) =>
    h.downstream[name]!.svc!.app.inject({ method: 'GET', url, headers });
  const DIRECT = [
    { name: 'certificate' as const, route: 'verify', url: () => `/v1/certificates/${certificateId}/verify` },
    { name: 'certificate' as const, route: 'holder lookup', url: () => `/v1/holders/${HOLDER}/certificates?purpose=x-check` },
    { name: 'approval' as const, route: 'case status', url: () => `/v1/cases/by-number/${CASE_NUMBER}/status` },
    { name: 'catalog' as const, route: 'items', url: () => '/v1/items' },
  ];

  it.each(DIRECT)('should refuse a client token used directly on $name $route with 401 problem+json', async ({ name, url }) => {
    const r = await direct(name, url(), h.client(ALL));
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it.each(DIRECT)("should answer the exchange's own service token on $name $route", async ({ name, url }) => {
    expect((await direct(name, url(), h.serviceToken())).statusCode).toBe(200);
  });

  it('should answer the same client through the exchange, audited, with one service token for many calls', async () => {
    const client = h.client(['case:status']);
    const sub = JSON.parse(Buffer.from(client.authorization.split('.')[1]!, 'base64url').toString()).sub as string;
    for (let i = 0; i < 3; i++) expect((await call(ENDPOINTS.find((e) => e.scope === 'case:status')!, client)).statusCode).toBe(200);
    const audit = await h.exchange.app.inject({ method: 'GET', url: `/v1/audit/calls?clientId=${sub}`, headers: h.staff(['supervisor']) });
    expect(audit.json().total).toBe(3);
    expect(h.serviceTokensIssued()).toBe(1);
  });
});
