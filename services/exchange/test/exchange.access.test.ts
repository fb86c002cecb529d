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
