/**
 * 政务公开 end to end without the relay: the real catalog (extranet) authors and publishes, the real
 * declaration (internet) shows. The test carries catalog's OUT messages into the internet zone as
 * the outbound lane's receiver would. Scheduled publication runs on `opennessClock`, moved by the test.
 * 结果公示 is built from real messages on the extranet server: application.submitted on IN (as the
 * inbound lane's receiver) and case.transitioned on X (as approval).
 */
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { buildMessage } from '@hall/contracts';
import { connectNats, createPublisher, type NatsConnection } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, type Harness as DeclarationHarness } from '../../declaration/test/helpers.js';
import { startCatalog, waitFor, type Harness } from './helpers.js';
import { DEMO_CATALOG } from '../src/demo-catalog.js';
import { opennessClock } from '../src/openness.js';
import { startS3, type S3Server } from '@hall/testkit';
import { createObjectStore, type ObjectStore } from '@hall/storage';

let cat: Harness, decl: DeclarationHarness, relayNc: NatsConnection, extranet: NatsConnection[] = [];
let editor: string, clerk: string;
let s3x: S3Server, storeX: ObjectStore, storeI: ObjectStore;
const quiet = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  s3x = await startS3({ buckets: ['hall-materials'] });
  [cat, decl] = await Promise.all([
    // The scheduler looks every 100 ms (500 ms by default): the scheduled test waits for its ticks.
    startCatalog({ S3_ENDPOINT: s3x.endpoint, S3_ACCESS_KEY: s3x.accessKey, S3_SECRET_KEY: s3x.secretKey, S3_BUCKET: 'hall-materials', OPENNESS_SCHEDULE_INTERVAL_MS: '100' }),
    startDeclaration(),
  ]);
  storeX = createObjectStore({ endpoint: s3x.endpoint, accessKey: s3x.accessKey, secretKey: s3x.secretKey, bucket: 'hall-materials' });
  const i = decl.env.s3!;
  storeI = createObjectStore({ endpoint: i.endpoint, accessKey: i.accessKey, secretKey: i.secretKey, bucket: decl.env.env.S3_BUCKET! });
  editor = cat.env.token({ sub: randomUUID(), name: '公开编辑', roles: ['staff', 'openness_editor'] });
  clerk = cat.env.token({ sub: randomUUID(), name: '窗口人员', roles: ['staff'] });
  const creds = decl.env.nats.users['relay-out-receiver']!;
  relayNc = await connectNats({ servers: decl.env.nats.url, user: creds.user, pass: creds.pass, name: 'test-relay-out', logger: quiet });
  for (const user of ['relay-in-receiver', 'approval']) {
    const c = cat.env.nats.users[user]!;
    extranet.push(await connectNats({ servers: cat.env.nats.url, user: c.user, pass: c.pass, name: `test-${user}`, logger: quiet }));
  }
}, 90_000);
afterAll(async () => {
  opennessClock.set(null);
  await Promise.all([relayNc?.close(), ...extranet.map((n) => n.close())]);
  await Promise.all([cat?.close(), decl?.close()]);
  await s3x?.stop();
}, 30_000);

const call = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: object, token = editor) =>
  cat.svc.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
const portal = (url: string) => decl.svc.app.inject({ method: 'GET', url });
const visible = async (id: string) => (await portal(`/v1/openness/articles/${id}`)).statusCode === 200;
/** Carries every openness message of the article that the outbox has sent and the portal has not seen yet. */
const carried = new Set<string>();
async function relay(articleId: string, count: number): Promise<void> {
  const rows = await waitFor(async () => {
    const r = (await cat.svc.ctx.prisma.$queryRawUnsafe<{ id: string; payload: any; sent_at: Date | null }[]>(
      "SELECT id::text AS id, payload, sent_at FROM outbox WHERE correlation_id = $1 AND type LIKE 'openness.%' ORDER BY created_at, seq", `article:${articleId}`));
    return r.length >= count && r.every((x) => x.sent_at) ? r : null;
  });
  for (const row of rows) {
    if (carried.has(row.id)) continue;
    const msg = await waitFor(() => cat.outById(row.id));
    // As the lane does: each attachment's bytes go X → I under the same key before the message.
    for (const f of msg.data.attachments ?? []) await storeI.put(f.key, await storeX.getBuffer(f.key), { contentType: f.contentType });
    await createPublisher(relayNc).publish(msg.data);
    carried.add(row.id);
  }
}
/**
 * Resolves once the scheduler has ticked with `opennessClock` at `at` (later than the clock now): a
 * marker article scheduled for exactly `at` is published by that tick, which selected every article
 * due at `at` in the same query. A deterministic stand-in for sleeping through scheduler intervals.
 */
async function tickAt(at: Date): Promise<void> {
  const marker = (await call('POST', '/v1/openness/articles', { ...notice, title: `调度标记 ${at.toISOString()}` })).json().id;
  expect((await call('POST', `/v1/openness/articles/${marker}/publish`, { publishAt: at.toISOString() })).json()).toMatchObject({ status: 'scheduled' });
  opennessClock.set(at);
  await waitFor(async () => ((await call('GET', `/v1/openness/articles/${marker}`)).json().status === 'published' ? true : null), { what: `the scheduler tick at ${at.toISOString()} (its marker article published)` });
}
const notice = { category: 'notice', title: '关于调整婚姻登记预约时间的通知', summary: '即日起婚姻登记实行网上预约', body: '即日起，婚姻登记实行网上预约，请通过网上办事大厅预约后到场办理。', departmentName: '涡阳县民政局', tags: ['婚姻登记'] };

describe('政务公开 authoring → portal', () => {
  it('publishes a notice and the portal shows it; withdrawing removes it', async () => {
    const created = await call('POST', '/v1/openness/articles', notice);
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ status: 'draft', revision: 0 });
    expect(await visible(id)).toBe(false);

    const published = await call('POST', `/v1/openness/articles/${id}/publish`, {});
    expect(published.json()).toMatchObject({ status: 'published', revision: 1 });
    await relay(id, 1);
    await waitFor(() => visible(id).then((v) => v || null));
    expect((await portal(`/v1/openness/articles?q=${encodeURIComponent('网上预约')}`)).json().items[0]).toMatchObject({ id, title: notice.title, categoryText: '通知公告' });

    const withdrawn = await call('POST', `/v1/openness/articles/${id}/withdraw`, { reason: '通知内容已过期' });
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn' });
    await relay(id, 2);
    await waitFor(async () => ((await visible(id)) ? null : true));
    expect((await portal('/v1/openness/articles')).json().items.some((i: { id: string }) => i.id === id)).toBe(false);
    const audit = await cat.svc.ctx.prisma.auditEntry.findMany({ where: { target: `article:${id}` }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['openness.create', 'openness.publish', 'openness.withdraw']);
  });

  it('publishes a scheduled article at its time and withdraws it at the end of its period', async () => {
    const t0 = new Date('2026-12-01T00:00:00Z');
    opennessClock.set(t0);
    const id = (await call('POST', '/v1/openness/articles', { ...notice, category: 'policy', title: '涡阳县政务服务事项收费目录（2027年版）', docNumber: '涡政办〔2026〕18号' })).json().id;
    const publishAt = new Date(t0.getTime() + 3600_000).toISOString();
    const withdrawAt = new Date(t0.getTime() + 48 * 3600_000).toISOString();
    const scheduled = await call('POST', `/v1/openness/articles/${id}/publish`, { publishAt, withdrawAt });
    expect(scheduled.json()).toMatchObject({ status: 'scheduled', publishAt, withdrawAt, revision: 0 });

    // Several scheduler ticks pass before the time: nothing is published.
    await tickAt(new Date(t0.getTime() + 20 * 60_000));
    await tickAt(new Date(t0.getTime() + 40 * 60_000));
    expect((await call('GET', `/v1/openness/articles/${id}`)).json().status).toBe('scheduled');
    expect(await cat.svc.ctx.prisma.$queryRawUnsafe<unknown[]>('SELECT 1 FROM outbox WHERE correlation_id = $1', `article:${id}`)).toHaveLength(0);

    opennessClock.set(new Date(t0.getTime() + 3600_000 + 1000));
    await waitFor(async () => ((await call('GET', `/v1/openness/articles/${id}`)).json().status === 'published' ? true : null));
    await relay(id, 1);
    await waitFor(() => visible(id).then((v) => v || null));
    expect((await portal(`/v1/openness/articles/${id}`)).json()).toMatchObject({ docNumber: '涡政办〔2026〕18号', categoryText: '政策法规' });

    opennessClock.set(new Date(t0.getTime() + 48 * 3600_000 + 1000));
    await waitFor(async () => ((await call('GET', `/v1/openness/articles/${id}`)).json().status === 'withdrawn' ? true : null));
    await relay(id, 2);
    await waitFor(async () => ((await visible(id)) ? null : true));
    opennessClock.set(null);
  });

  it('refuses authoring without the editor role and bad schedules', async () => {
    const r = await call('POST', '/v1/openness/articles', notice, clerk);
    expect(r.statusCode).toBe(403);
    const id = (await call('POST', '/v1/openness/articles', notice)).json().id;
    const bad = await call('POST', `/v1/openness/articles/${id}/publish`, { withdrawAt: new Date(Date.now() - 1000).toISOString() });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'withdraw_before_publish', title: '撤回时间必须晚于发布时间' });
    expect((await call('POST', '/v1/openness/articles', { ...notice, category: 'result' })).json().code).toBe('result_is_generated');
  });
});

describe('attachments (附件)', () => {
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

  it('publishes a PDF with the article: checked type, travels as an envelope attachment, downloadable on the portal', async () => {
    const id = (await call('POST', '/v1/openness/articles', { ...notice, title: '关于公布2027年度收费项目的公告' })).json().id;
    const upload = (body: Buffer, fileName: string) => cat.svc.app.inject({ method: 'POST', url: `/v1/openness/articles/${id}/attachments?fileName=${encodeURIComponent(fileName)}`, headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/octet-stream' }, payload: body });
    const refused = await upload(Buffer.from('MZ not a document at all'), '附件.pdf');
    expect(refused.statusCode).toBe(415);
    expect(refused.json()).toMatchObject({ code: 'attachment_type_not_allowed', title: '附件类型不符合要求' });
    const ok = await upload(PDF, '收费项目清单.pdf');
    expect(ok.statusCode).toBe(201);
    expect(ok.json().attachments).toEqual([{ fileName: '收费项目清单.pdf', contentType: 'application/pdf', size: PDF.length }]);

    await call('POST', `/v1/openness/articles/${id}/publish`, {});
    const row = (await cat.svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>("SELECT payload FROM outbox WHERE correlation_id = $1 AND type = 'openness.article.published'", `article:${id}`))[0]!;
    expect(row.payload.attachments).toEqual([expect.objectContaining({ size: PDF.length, contentType: 'application/pdf', key: expect.stringMatching(new RegExp(`^openness/${id}/`)) })]);
    await relay(id, 1);
    const detail: any = await waitFor(async () => { const r = await portal(`/v1/openness/articles/${id}`); return r.statusCode === 200 ? r.json() : null; });
    expect(detail.attachments).toEqual([{ index: 0, fileName: '收费项目清单.pdf', contentType: 'application/pdf', size: PDF.length, url: `/v1/openness/articles/${id}/attachments/0` }]);
    const file = await portal(detail.attachments[0].url);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.rawPayload.equals(PDF)).toBe(true);
    expect((await portal(`/v1/openness/articles/${id}/attachments/1`)).statusCode).toBe(404);
  });

  // Issue 20: a 40000×40000 PNG (a few bytes declaring a 6.4 GB canvas) was accepted and then decoded in browsers.
  it('refuses an image attachment whose header declares 40000×40000 pixels, with a Chinese detail, and attaches nothing', async () => {
    const id = (await call('POST', '/v1/openness/articles', { ...notice, title: '关于公布2027年度城区规划图的公告' })).json().id;
    const ihdr = Buffer.concat([Buffer.from('IHDR'), Buffer.from('00009c4000009c400802000000', 'hex')]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(ihdr));
    const bomb = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d', 'hex'), ihdr, crc, Buffer.from('0000000049454e44ae426082', 'hex')]);
    const r = await cat.svc.app.inject({ method: 'POST', url: `/v1/openness/articles/${id}/attachments?fileName=${encodeURIComponent('规划图.png')}`, headers: { authorization: `Bearer ${editor}`, 'content-type': 'image/png' }, payload: bomb });
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ code: 'image_too_large', detail: expect.stringMatching(/[\u4e00-\u9fff].*40000/) });
    expect((await cat.svc.ctx.prisma.opennessArticle.findUniqueOrThrow({ where: { id } })).attachments).toEqual([]);
  });
});

describe('结果公示 from case events', () => {
  const source = DEMO_CATALOG.find((i) => i.code === '340621-CL-GGFW-001')!;
  const CODE = 'T-OPEN-RESULT-001';

  it('publishes a decided case with the applicant name masked, once', async () => {
    const input = { ...source, code: CODE };
    delete (input as { version?: number }).version;
    expect((await cat.svc.app.inject({ method: 'POST', url: '/v1/items', headers: { authorization: `Bearer ${cat.env.token({ sub: 'a', roles: ['staff', 'catalog_admin'] })}` }, payload: input })).statusCode).toBe(201);
    expect((await call('PUT', `/v1/openness/result-items/${CODE}`, { enabled: true, keepDays: 30 })).json()).toEqual({ itemCode: CODE, enabled: true });

    const applicationId = randomUUID(), caseId = randomUUID(), caseNumber = 'GY-CL-20261127-000007';
    await createPublisher(extranet[0]!).publish(buildMessage('application.submitted', {
      zone: 'internet', correlationId: applicationId,
      payload: { applicationId, receiptNo: 'SB202611270001', itemCode: CODE, itemVersion: 1, applicant: { accountId: 'acc-1', name: '张三明', kind: 'person' }, form: {}, materials: [], submittedAt: new Date().toISOString() },
    }));
    const transition = buildMessage('case.transitioned', {
      zone: 'extranet', correlationId: applicationId,
      payload: { caseId, caseNumber, applicationId, itemCode: CODE, department: 'gy-cl', action: 'approve', from: 'under_review', to: 'approved', actor: 'staff-1', at: new Date().toISOString() },
    });
    const approval = createPublisher(extranet[1]!);
    await approval.publish(transition);
    const again = { ...transition, id: randomUUID() };
    await approval.publish(again); // the same decision again under another id

    const row = await waitFor(() => cat.svc.ctx.prisma.opennessArticle.findFirst({ where: { category: 'result', sourceKey: `${caseId}:approved` } }));
    expect(row.status).toBe('published');
    expect(row.result).toMatchObject({ caseNumber, applicantMasked: '张*明', decision: '准予许可', itemName: '残疾人证办理' });
    expect(row.body).not.toContain('张三明');
    expect(row.withdrawAt).not.toBeNull();
    await relay(row.id, 1);
    const shown = await waitFor(async () => { const r = await portal(`/v1/openness/articles/${row.id}`); return r.statusCode === 200 ? r.json() : null; });
    expect(shown).toMatchObject({ category: 'result', categoryText: '结果公示', result: { applicantMasked: '张*明', caseNumber } });
    // Once the repeated decision is handled (its inbox row committed with whatever it did), still one.
    await waitFor(async () => (await cat.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'catalog-openness-results' AND message_id = $1", again.id)).length > 0, { what: 'the repeated decision handled by catalog-openness-results' });
    expect(await cat.svc.ctx.prisma.opennessArticle.count({ where: { category: 'result' } })).toBe(1);
  });
});
