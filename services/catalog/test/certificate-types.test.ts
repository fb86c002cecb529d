/** 证照类型 definitions: admin API with validation, and each save published to the certificate service on X. */
import { randomUUID } from 'node:crypto';
import { Messages } from '@hall/contracts';
import { startCatalog, waitFor, itemRepository, BIRTH_REGISTRATION, type Harness } from './helpers.js';
import { DEMO_CERTIFICATE_TYPES } from '../src/certificate-types.js';

let h: Harness;
let admin: string, clerk: string;
beforeAll(async () => {
  h = await startCatalog();
  admin = h.env.token({ sub: randomUUID(), name: '目录管理员', roles: ['staff', 'catalog_admin'] });
  clerk = h.env.token({ sub: randomUUID(), name: '窗口人员', roles: ['staff'] });
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const put = (code: string, payload: object, token = admin) => h.svc.app.inject({ method: 'PUT', url: `/v1/certificate-types/${code}`, headers: { authorization: `Bearer ${token}` }, payload });
const get = (code: string) => h.svc.app.inject({ method: 'GET', url: `/v1/certificate-types/${code}`, headers: { authorization: `Bearer ${clerk}` } });
const marriage = DEMO_CERTIFICATE_TYPES['marriage-certificate']!;
const putIssuer = (department: string, payload: object, token = admin) => h.svc.app.inject({ method: 'PUT', url: `/v1/issuers/${department}`, headers: { authorization: `Bearer ${token}` }, payload });

describe('certificate types', () => {
  it('should save a definition as a new version each time and publish it on X', async () => {
    const r1 = await put('t-marriage', marriage);
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({ code: 't-marriage', typeCode: '11100000000013', name: '结婚证', version: 1, template: marriage.template });
    const r2 = await put('t-marriage', { ...marriage, validityYears: 3, template: [['applicantName', '持证人姓名']] });
    expect(r2.json()).toMatchObject({ version: 2, validityYears: 3, template: [['applicantName', '持证人姓名']] });
    expect((await get('t-marriage')).json()).toMatchObject({ version: 2, validityYears: 3 });

    const rows = await waitFor(async () => {
      const r = (await h.outbox('catalog.certificate-type.published')).filter((x) => x.correlation_id === 'certificate-type:t-marriage');
      return r.length === 2 && r.every((x) => x.sent_at) && r;
    });
    expect(rows.map((r) => r.subject)).toEqual(['hall.x.catalog.certificate-type.published', 'hall.x.catalog.certificate-type.published']);
    const last = rows[1]!.payload;
    expect(Messages['catalog.certificate-type.published'].check.Check(last)).toBe(true);
    expect(last.payload).toMatchObject({ code: 't-marriage', version: 2, validityYears: 3, template: [['applicantName', '持证人姓名']], schema: marriage.schema });
    const audit = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: 'certificate-type:t-marriage' } });
    expect(audit.map((a) => a.action)).toEqual(['certificate-type.saved', 'certificate-type.saved']);

    const list = await h.svc.app.inject({ method: 'GET', url: '/v1/certificate-types', headers: { authorization: `Bearer ${clerk}` } });
    expect(list.json().items.map((i: { code: string }) => i.code)).toContain('t-marriage');
  });

  it.each([
    ['a schema that is not an object schema', { ...marriage, schema: { type: 'array' } }, 422, 'certificate_type_invalid'],
    ['a schema Ajv cannot compile', { ...marriage, schema: { type: 'object', properties: { a: { type: 'integr' } } } }, 422, 'certificate_type_invalid'],
    ['a schema with an unknown keyword', { ...marriage, schema: { type: 'object', requird: ['a'] } }, 422, 'certificate_type_invalid'],
    ['a duplicated template field', { ...marriage, template: [['a', '甲'], ['a', '乙']] }, 422, 'certificate_type_invalid'],
    ['a template row that is not [field, label]', { ...marriage, template: [['applicantName']] }, 400, undefined],
    ['an unknown holder kind', { ...marriage, holderKind: 'robot' }, 400, undefined],
    ['a malformed type code', { ...marriage, typeCode: '1.2' }, 400, undefined],
  ])('should refuse %s with problem+json and publish nothing', async (_what, body, status, code) => {
    const c = `t-bad-${randomUUID().slice(0, 8)}`;
    const r = await put(c, body);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    if (code) expect(r.json().code).toBe(code);
    expect((await get(c)).statusCode).toBe(404);
    expect((await h.outbox('catalog.certificate-type.published')).filter((x) => x.correlation_id === `certificate-type:${c}`)).toEqual([]);
  });

  it('should let only catalog admins define types', async () => {
    const r = await put('t-clerk', marriage, clerk);
    expect(r.statusCode).toBe(403);
    expect((await get('t-clerk')).statusCode).toBe(404);
  });

  it('should seed the demo definitions once, without overwriting an admin edit', async () => {
    await put('marriage-certificate', { ...marriage, name: '结婚证（已编辑）' });
    await definitionSeed();
    expect((await get('marriage-certificate')).json()).toMatchObject({ name: '结婚证（已编辑）', version: 1 });
    expect((await get('business-license')).json()).toMatchObject({ typeCode: '12100000000001', version: 1 });
  }, 120_000);
});

async function definitionSeed() {
  const { definition } = await import('../src/app.js');
  await definition.seed!(h.svc.ctx as never);
}

describe('issuers (发证机关)', () => {

  it('should save an issuer record as a new version each time and publish it on X', async () => {
    const r1 = await putIssuer('t-sthj', { name: '亳州市涡阳县生态环境分局', creditCode: '11341621003000007H' });
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({ department: 't-sthj', creditCode: '11341621003000007H', keyPolicy: 'on_first_use', version: 1 });
    expect((await putIssuer('t-sthj', { name: '亳州市涡阳县生态环境分局', creditCode: '11341621003000007H', keyPolicy: 'admin' })).json()).toMatchObject({ version: 2, keyPolicy: 'admin' });
    const rows = await waitFor(async () => {
      const r = (await h.outbox('catalog.issuer.published')).filter((x) => x.correlation_id === 'issuer:t-sthj');
      return r.length === 2 && r.every((x) => x.sent_at) && r;
    });
    expect(rows.map((r) => r.subject)).toEqual(['hall.x.catalog.issuer.published', 'hall.x.catalog.issuer.published']);
    expect(Messages['catalog.issuer.published'].check.Check(rows[1]!.payload)).toBe(true);
    expect(rows[1]!.payload.payload).toMatchObject({ department: 't-sthj', name: '亳州市涡阳县生态环境分局', creditCode: '11341621003000007H', keyPolicy: 'admin', version: 2 });
    const got = await h.svc.app.inject({ method: 'GET', url: '/v1/issuers/t-sthj', headers: { authorization: `Bearer ${clerk}` } });
    expect(got.json()).toMatchObject({ department: 't-sthj', version: 2 });
  });

  it('should refuse a credit code outside GB 32100 and a caller without catalog_admin', async () => {
    const bad = await putIssuer('t-bad', { name: '某局', creditCode: '11341621003000001I' });
    expect(bad.statusCode).toBe(400);
    expect((await putIssuer('t-bad', { name: '某局', creditCode: '11341621003000007H' }, clerk)).statusCode).toBe(403);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/issuers/t-bad', headers: { authorization: `Bearer ${clerk}` } })).statusCode).toBe(404);
  });

  it('should publish the issuers a type names', async () => {
    expect((await put('t-eia', { ...marriage, issuers: ['gy-sthj', 'zh-sthj'] })).json()).toMatchObject({ issuers: ['gy-sthj', 'zh-sthj'] });
    const [row] = await waitFor(async () => { const r = (await h.outbox('catalog.certificate-type.published')).filter((x) => x.correlation_id === 'certificate-type:t-eia'); return r.length === 1 && r; });
    expect(row!.payload.payload.issuers).toEqual(['gy-sthj', 'zh-sthj']);
  });
});

describe('publication of an item that issues a certificate', () => {
  const CODE = 'T-ISSUE-001';
  const TYPE = 't-issue-birth';
  const publish = () => h.svc.app.inject({ method: 'POST', url: `/v1/items/${CODE}/versions/1/publish`, headers: { authorization: `Bearer ${admin}` } });
  /** A refusal is problem+json with a stable code and a Chinese title; the version stays a draft and nothing is announced. */
  async function expectRefused(code: string, title: string, detail: string) {
    const r = await publish();
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code, title, detail: expect.stringContaining(detail) });
    expect((await h.svc.ctx.prisma.item.findUniqueOrThrow({ where: { code_version: { code: CODE, version: 1 } } })).status).toBe('draft');
    expect((await h.outbox('catalog.item.published')).filter((o) => o.correlation_id === `${CODE}@1`)).toEqual([]);
  }

  it('should refuse an item whose certificate type or issuer does not exist, or whose type does not name its department', async () => {
    await itemRepository(h.svc.ctx.prisma).ensureDraft({ ...BIRTH_REGISTRATION, code: CODE, certificateType: TYPE }, 'test');
    await expectRefused('certificate_type_unknown', '事项的证照类型未定义', `证照类型“${TYPE}”未在事项目录中定义`);

    expect((await put(TYPE, { ...marriage, name: '生育服务证', issuers: ['t-other'] })).statusCode).toBe(200);
    await h.svc.ctx.prisma.issuer.deleteMany({ where: { department: 'gy-wjw' } }); // as no test before had registered it
    await expectRefused('issuer_unknown', '事项的实施部门没有发证机关记录', '涡阳县卫生健康委员会（gy-wjw）没有发证机关记录');

    expect((await putIssuer('gy-wjw', { name: '涡阳县卫生健康委员会', creditCode: '11341621003000001X' })).statusCode).toBe(200);
    await expectRefused('issuer_not_allowed', '证照类型的发证部门不包括事项的实施部门', '证照类型“生育服务证”的发证部门为 t-other，不包括涡阳县卫生健康委员会（gy-wjw）');

    expect((await put(TYPE, { ...marriage, name: '生育服务证', issuers: ['t-other', 'gy-wjw'] })).statusCode).toBe(200);
    expect((await publish()).json()).toEqual({ result: 'published' });
  });

  it('should publish an item whose type names no issuing departments once its department has an issuer record', async () => {
    const code = 'T-ISSUE-002';
    expect((await put('t-issue-any', { ...marriage, issuers: [] })).statusCode).toBe(200);
    expect((await putIssuer('gy-wjw', { name: '涡阳县卫生健康委员会', creditCode: '11341621003000001X' })).statusCode).toBe(200);
    await itemRepository(h.svc.ctx.prisma).ensureDraft({ ...BIRTH_REGISTRATION, code, certificateType: 't-issue-any' }, 'test');
    const r = await h.svc.app.inject({ method: 'POST', url: `/v1/items/${code}/versions/1/publish`, headers: { authorization: `Bearer ${admin}` } });
    expect(r.json()).toEqual({ result: 'published' });
  });
});
