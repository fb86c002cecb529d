/**
 * What the data-exchange API returns: field minimisation by scope, masked ID numbers, the holder
 * lookup's legal purpose, the audit of every call (ids, never personal data), per-client rate
 * limits — against the real certificate and approval services.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRegistry } from '../src/registries/import.js';
import { certificateIdentifier } from '@hall/ecert';
import { startExchange, issueCertificate, createCase, type Harness } from './helpers.js';

const data = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data');
const ID_NUMBER = '341621199203150020';
const PURPOSE = '核查生育登记（《安徽省人口与计划生育条例》第二十条）';
let h: Harness;

beforeAll(async () => {
  h = await startExchange({ with: ['certificate', 'approval'], env: { RATE_LIMIT_CLIENTS: `client-bulk-${process.pid}=40` } });
  await importRegistry({ db: h.exchange.ctx.prisma, registry: 'population', file: path.join(data, 'population.sample.csv') });
  await importRegistry({ db: h.exchange.ctx.prisma, registry: 'enterprise', file: path.join(data, 'enterprise.sample.json') });
}, 120_000);
afterAll(async () => { await h?.close(); }, 60_000);

const get = (url: string, headers: Record<string, string>) => h.exchange.app.inject({ method: 'GET', url, headers });
const lookup = (idNumber: string, headers: Record<string, string>, purpose?: string) =>
  h.exchange.app.inject({ method: 'POST', url: `/v1/registries/population/lookup${purpose ? `?purpose=${encodeURIComponent(purpose)}` : ''}`, headers, payload: { idNumber } });
const auditOf = async (clientSub: string) => (await get(`/v1/audit/calls?clientId=${clientSub}`, h.staff())).json().items as any[];
const sub = (headers: { authorization: string }) => JSON.parse(Buffer.from(headers.authorization.split('.')[1]!, 'base64url').toString()).sub as string;

describe('exchange', () => {
  describe('certificates', () => {
    let id: string;
    beforeAll(async () => { id = await issueCertificate(h, 'acct-holder-1'); });

    it('should verify a certificate without returning its holder or contents', async () => {
      const r = await get(`/v1/certificates/${id}/verify`, h.client(['certificate:verify']));
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ id, status: 'valid', signatureValid: true, typeName: '生育服务证', issuerName: '涡阳县卫生健康委员会' });
      expect(r.json()).not.toHaveProperty('document');
      expect(r.body).not.toContain('周梦婕');
    });

    it('should return the signed document to a client with certificate:read', async () => {
      const r = await get(`/v1/certificates/${id}`, h.client(['certificate:read']));
      expect(r.statusCode).toBe(200);
      expect(r.json().document).toMatchObject({ id, holder: { accountId: 'acct-holder-1', name: '周梦婕' } });
    });

    it('should answer 400 for an identifier with a wrong check character and 404 for an unknown one', async () => {
      const wrong = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
      expect((await get(`/v1/certificates/${wrong}/verify`, h.client(['certificate:verify']))).json().code).toBe('certificate_id_invalid');
      const unknown = certificateIdentifier('11100000000017', '11341621003000001X', 999_999);
      const r = await get(`/v1/certificates/${unknown}`, h.client(['certificate:read']));
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('certificate_not_found');
      expect((await get(`/v1/certificates/${unknown}/verify`, h.client(['certificate:verify']))).json()).toMatchObject({ status: 'unknown', signatureValid: false });
    });

    it('should refuse a holder lookup without a purpose, and audit the refusal', async () => {
      const client = h.client(['certificate:holder-lookup']);
      const r = await get('/v1/holders/acct-holder-1/certificates', client);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'purpose_required', title: '按持证人查询须说明合法用途' });
      expect(r.body).not.toContain(id);
      expect(await auditOf(sub(client))).toEqual([expect.objectContaining({ endpoint: '/v1/holders/:holderId/certificates', status: 400, purpose: null, resultIds: [] })]);
    });

    it("should list a holder's certificates for a stated purpose and audit the purpose and the ids returned", async () => {
      const client = h.client(['certificate:holder-lookup']);
      const r = await get(`/v1/holders/acct-holder-1/certificates?purpose=${encodeURIComponent(PURPOSE)}`, client);
      expect(r.statusCode).toBe(200);
      expect(r.json().items).toEqual([expect.objectContaining({ id, status: 'valid', typeName: '生育服务证' })]);
      expect(r.body).not.toContain('周梦婕');
      const [row] = await auditOf(sub(client));
      expect(row).toMatchObject({ clientId: sub(client), method: 'GET', endpoint: '/v1/holders/:holderId/certificates', purpose: PURPOSE, resultIds: [id], status: 200 });
      expect(new Date(row.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  describe('cases', () => {
    beforeAll(async () => { await createCase(h, 'GY-WJW-20261126-000901'); });

    it("should give the status without the applicant's name unless the client holds case:applicant", async () => {
      const plain = await get('/v1/cases/GY-WJW-20261126-000901/status', h.client(['case:status']));
      expect(plain.statusCode).toBe(200);
      expect(plain.json()).toMatchObject({ caseNumber: 'GY-WJW-20261126-000901', status: 'accepted', statusText: '已受理', itemName: '生育登记' });
      expect(plain.json()).not.toHaveProperty('applicantName');
      const named = await get('/v1/cases/GY-WJW-20261126-000901/status', h.client(['case:status', 'case:applicant']));
      expect(named.json().applicantName).toBe('周梦婕');
    });

    it('should answer 404 case_not_found for an unknown case number', async () => {
      const r = await get('/v1/cases/GY-WJW-20261126-999999/status', h.client(['case:status']));
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('case_not_found');
    });
  });

  describe('registries', () => {
    it('should mask the ID number and return only the base fields with basedata:population', async () => {
      const client = h.client(['basedata:population']);
      const r = await lookup(ID_NUMBER, client, '社会救助资格核查');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ idNumber: '341621********0020', name: '周梦婕', gender: '女', birthDate: '1992-03-15' });
      const [row] = await auditOf(sub(client));
      expect(row.resultIds).toEqual([expect.stringMatching(/^population:[0-9a-f-]{36}$/)]);
      expect(JSON.stringify(row)).not.toContain(ID_NUMBER);
    });

    it('should add the detail fields with basedata:population-detail and the plain ID number with idnumber:plain', async () => {
      const r = await lookup(ID_NUMBER, h.client(['basedata:population', 'basedata:population-detail', 'idnumber:plain']));
      expect(r.json()).toEqual({ idNumber: ID_NUMBER, name: '周梦婕', gender: '女', birthDate: '1992-03-15', ethnicity: '汉族', address: '安徽省亳州市涡阳县城关街道', regionCode: '341621' });
    });

    it('should refuse an ID number with a wrong check digit before looking it up', async () => {
      const r = await lookup('341621199203150021', h.client(['basedata:population']));
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'id_number_invalid', detail: '身份证号码校验位不正确' });
    });

    it("should mask the legal representative's ID number and show it only with basedata:enterprise-detail", async () => {
      const basic = await get('/v1/registries/enterprises/91341621MA2N00001C', h.client(['basedata:enterprise']));
      expect(basic.json()).toEqual({ creditCode: '91341621MA2N00001C', name: '涡阳县明远农业科技有限公司', kind: '有限责任公司', status: '存续', establishedOn: '2018-05-20' });
      const detail = await get('/v1/registries/enterprises/91341621MA2N00001C', h.client(['basedata:enterprise', 'basedata:enterprise-detail']));
      expect(detail.json()).toMatchObject({ legalRepresentative: '李明', legalRepresentativeIdNumber: '341621********001X', registeredCapital: '500万元人民币' });
      expect((await get('/v1/registries/enterprises/91341621MA2N00001D', h.client(['basedata:enterprise']))).json().code).toBe('credit_code_invalid');
    });
  });

  describe('audit query', () => {
    it('should filter the audit by client, endpoint, status and time range', async () => {
      const client = h.client(['basedata:enterprise', 'basedata:population']);
      const who = sub(client);
      const since = new Date().toISOString();
      await get('/v1/registries/enterprises/91341621MA2N00001C', client);
      await get('/v1/registries/enterprises/92341621MA2N00002C', client);
      await lookup('341621199203150021', client);
      const q = (extra: string) => get(`/v1/audit/calls?clientId=${who}${extra}`, h.staff()).then((r) => r.json());
      expect((await q('')).total).toBe(3);
      expect((await q(`&endpoint=${encodeURIComponent('/v1/registries/enterprises/:creditCode')}`)).items.map((c: any) => c.resultIds[0]).sort())
        .toEqual(['enterprise:91341621MA2N00001C', 'enterprise:92341621MA2N00002C']);
      expect((await q('&status=400')).items).toEqual([expect.objectContaining({ endpoint: '/v1/registries/population/lookup', method: 'POST', resultIds: [] })]);
      expect((await q(`&from=${encodeURIComponent(since)}`)).total).toBe(3);
      expect((await q(`&to=${encodeURIComponent(since)}`)).total).toBe(0);
    });
  });

  describe('rate limit', () => {
    it('should answer 429 problem+json with Retry-After once a client passes its limit, and leave other clients alone', async () => {
      const busy = h.client(['basedata:enterprise']);
      const url = '/v1/registries/enterprises/91341621MA2N00001C';
      for (let i = 0; i < 30; i++) expect((await get(url, busy)).statusCode).toBe(200);
      const r = await get(url, busy);
      expect(r.statusCode).toBe(429);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'too_many_requests', title: '请求过于频繁，请稍后再试' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get(url, h.client(['basedata:enterprise']))).statusCode).toBe(200);
      const rows = await auditOf(sub(busy));
      expect(rows[0]).toMatchObject({ status: 429, resultIds: [] });
      expect(rows).toHaveLength(20); // the first page of the 31 audited calls
    });

    it('should apply a per-client limit configured for a named client', async () => {
      const bulk = h.client(['basedata:enterprise'], `client-bulk-${process.pid}`);
      const url = '/v1/registries/enterprises/91341621MA2N00001C';
      for (let i = 0; i < 40; i++) expect((await get(url, bulk)).statusCode).toBe(200);
      const r = await get(url, bulk);
      expect(r.statusCode).toBe(429);
      expect(r.json().detail).toContain('40');
    });
  });
});
