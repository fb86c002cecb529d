/**
 * Publication end to end without the relay: real catalog (extranet) and real declaration (internet),
 * each on its own NATS and database. The test forwards catalog's OUT messages into the internet
 * zone as the outbound lane's receiver would (user relay-out-receiver), message id and all.
 */
import { randomUUID } from 'node:crypto';
import { connectNats, createPublisher, type NatsConnection } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, PNG, type Harness as DeclarationHarness } from '../../declaration/test/helpers.js';
import { startCatalog, waitFor, seedCertificateDefinitions, type Harness } from './helpers.js';
import { DEMO_CATALOG } from '../src/demo-catalog.js';

const source = DEMO_CATALOG.find((i) => i.code === '340621-CL-GGFW-001')!;
const CODE = 'T-PUB-CL-001';
const input = { ...source, code: CODE, version: undefined };
delete (input as { version?: number }).version;

let cat: Harness, decl: DeclarationHarness, relayNc: NatsConnection;
let admin: string, applicant: string;
beforeAll(async () => {
  [cat, decl] = await Promise.all([startCatalog(), startDeclaration()]);
  await seedCertificateDefinitions(cat.svc.ctx.prisma); // 残疾人证 must be issuable by 残联 to publish
  admin = cat.env.token({ sub: randomUUID(), name: '目录管理员', roles: ['staff', 'catalog_admin'] });
  applicant = decl.env.token({ sub: randomUUID(), name: '李残联', roles: ['applicant'] });
  const creds = decl.env.nats.users['relay-out-receiver']!;
  relayNc = await connectNats({ servers: decl.env.nats.url, user: creds.user, pass: creds.pass, name: 'test-relay-out', logger: createLogger({ service: 'test', level: 'silent' }) });
}, 90_000);
afterAll(async () => { await relayNc?.close(); await Promise.all([cat?.close(), decl?.close()]); }, 30_000);

const asAdmin = (method: 'POST' | 'PUT', url: string, payload?: object) =>
  cat.svc.app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, ...(payload ? { payload } : {}) });
const portal = (url: string) => decl.svc.app.inject({ method: 'GET', url });
/** Carries the outbox message of one correlation id from extranet OUT to internet OUT, unchanged. */
async function relay(correlationId: string): Promise<void> {
  const row = await waitFor(async () => (await cat.outbox('catalog.item.published')).find((r) => r.correlation_id === correlationId && r.sent_at));
  const msg = await waitFor(() => cat.outById(row.id));
  await createPublisher(relayNc).publish(msg.data);
}
async function submit(key: string) {
  const ids: { materialCode: string; materialId: string }[] = [];
  for (const m of source.materials) {
    const r = await decl.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${CODE}&materialCode=${m.code}&fileName=a.png`, headers: { authorization: `Bearer ${applicant}`, 'content-type': 'image/png' }, payload: PNG });
    if (r.statusCode !== 201) return r;
    ids.push({ materialCode: m.code, materialId: r.json().materialId });
  }
  const form = { applicantName: '李残联', idNumber: '34062119800101123X', disabilityType: '肢体残疾', phone: '13900001111' };
  return decl.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${applicant}`, 'idempotency-key': key }, payload: { itemCode: CODE, form, materials: ids } });
}

describe('publication to the portal replica', () => {
  let applicationId: string;

  it('makes a published version visible in declaration: search, guide, flowchart', async () => {
    expect((await asAdmin('POST', '/v1/items', input)).statusCode).toBe(201);
    expect((await portal(`/v1/items/${CODE}`)).statusCode).toBe(404);
    expect((await asAdmin('POST', `/v1/items/${CODE}/versions/1/publish`)).json()).toEqual({ result: 'published' });
    await relay(`${CODE}@1`);

    const found = await waitFor(async () => { const r = (await portal('/v1/items?q=残疾证')).json(); return r.items.some((i: { code: string }) => i.code === CODE) ? r : null; });
    expect(found.items.find((i: { code: string }) => i.code === CODE)).toMatchObject({ version: 1, name: '残疾人证办理', departmentName: '涡阳县残疾人联合会', kind: 'promised', visits: 1 });
    const guide = await portal(`/v1/items/${CODE}`);
    expect(guide.statusCode).toBe(200);
    expect(guide.headers['content-type']).toContain('application/json');
    expect(guide.json()).toMatchObject({ code: CODE, version: 1, status: 'published', guide: { legalBasis: source.guide.legalBasis, fees: '不收费' }, workflow: { steps: expect.any(Array) } });
    const svg = await portal(`/v1/items/${CODE}/flowchart.svg`);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body).toContain('残疾人证办理运行流程图');
  });

  it('cannot edit a published version (API and database), only start a new draft', async () => {
    const r = await asAdmin('PUT', `/v1/items/${CODE}/versions/1`, { ...input, name: '改名' });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'item_immutable', title: '已发布或已废止的版本不能修改' });
    await expect(cat.svc.ctx.prisma.$executeRawUnsafe("UPDATE item SET name = '改名' WHERE code = $1", CODE)).rejects.toThrow(/immutable/);
    expect((await cat.svc.ctx.prisma.item.findFirstOrThrow({ where: { code: CODE } })).name).toBe('残疾人证办理');
  });

  it('retiring hides the item from new applications only', async () => {
    const accepted = await submit(`k-${randomUUID()}`);
    expect(accepted.statusCode).toBe(202);
    applicationId = accepted.json().applicationId;

    expect((await asAdmin('POST', `/v1/items/${CODE}/versions/1/retire`)).json()).toEqual({ result: 'retired' });
    expect((await asAdmin('POST', `/v1/items/${CODE}/versions/1/retire`)).json()).toEqual({ result: 'already' });
    await relay(`${CODE}@1:retired`);

    await waitFor(async () => ((await portal('/v1/items?q=残疾证')).json().items.some((i: { code: string }) => i.code === CODE) ? null : true));
    expect((await portal(`/v1/items/${CODE}`)).json()).toMatchObject({ status: 'retired', retiredAt: expect.any(String) });
    const refused = await submit(`k-${randomUUID()}`);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().code).toBe('item_not_found');

    // The application filed before keeps its item version.
    const mine = await decl.svc.app.inject({ method: 'GET', url: `/v1/applications/${applicationId}`, headers: { authorization: `Bearer ${applicant}` } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ itemCode: CODE, itemVersion: 1, status: 'submitted' });
    // A late copy of the original publication does not bring the retired version back.
    const first = (await cat.outbox('catalog.item.published')).find((r) => r.correlation_id === `${CODE}@1`)!;
    await decl.svc.ctx.prisma.$executeRawUnsafe('DELETE FROM inbox WHERE message_id = $1', first.id);
    const lateCopy = { ...first.payload, id: randomUUID() };
    await createPublisher(relayNc).publish(lateCopy);
    // Once declaration has handled the copy (its inbox row commits with whatever the copy changed):
    await waitFor(async () => (await decl.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'declaration' AND message_id = $1", lateCopy.id)).length > 0, { what: 'declaration to handle the late copy' });
    expect((await decl.svc.ctx.prisma.itemReplica.findUniqueOrThrow({ where: { code: CODE } })).status).toBe('retired');
  });
});
