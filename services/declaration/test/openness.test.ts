/**
 * Issue 13 on the portal side, against the real declaration service (Postgres, NATS internet zone,
 * S3): the 政务公开 replica and its public API, complaints filed and answered, and online payment
 * through the demo provider (signed asynchronous callbacks over real HTTP, refunds, reconciliation).
 * The test acts as the OUTBOUND lane's receiver (the only writer of hall.out.* in this zone).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { buildMessage, type MessageType } from '@hall/contracts';
import { connectNats, createPublisher, type NatsConnection } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';
import { paymentsOf } from '../src/payments.js';
import { signBody, SIGNATURE_HEADER } from '../src/payments-provider.js';

let h: Harness, relay: NatsConnection, providerKey: KeyObject, keyDir: string;
let applicant: string, other: string;
const applicantId = randomUUID();

beforeAll(async () => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pay-key-'));
  const pair = generateKeyPairSync('ed25519');
  providerKey = pair.privateKey;
  const keyFile = path.join(keyDir, 'provider.pem');
  fs.writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  h = await startDeclaration({ PAYMENT_DEMO_PRIVATE_KEY_FILE: keyFile });
  const creds = h.env.nats.users['relay-out-receiver']!;
  relay = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 'test-relay-13', logger: createLogger({ service: 'test', level: 'silent' }) });
  applicant = h.env.token({ sub: applicantId, name: '张三明', roles: ['applicant'] });
  other = h.env.token({ sub: randomUUID(), name: '李四', roles: ['applicant'] });
}, 90_000);
afterAll(async () => { await relay?.close(); await h?.close(); fs.rmSync(keyDir, { recursive: true, force: true }); }, 30_000);

const outbound = (type: MessageType, payload: unknown, correlationId = 'test') =>
  createPublisher(relay).publish(buildMessage(type, { zone: 'extranet', correlationId, payload: payload as never }));
const get = (url: string, token?: string) => h.svc.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
const outboxOf = (type: string) => h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>('SELECT payload FROM outbox WHERE type = $1 ORDER BY created_at, seq', type);

describe('政务公开 replica and public API', () => {
  const id = randomUUID();
  const article = { articleId: id, revision: 1, category: 'notice', title: '关于春节期间网上办事大厅服务安排的通知', summary: '春节期间网上申报照常受理', body: '各位办事群众：春节期间网上申报照常受理，窗口服务时间另行通知。', departmentName: '涡阳县政务服务管理局', publishedAt: new Date().toISOString() };

  it('shows a published article in the list, search, detail and Atom feed', async () => {
    await outbound('openness.article.published', article);
    const list = await waitFor(async () => { const r = (await get('/v1/openness/articles?category=notice')).json(); return r.items.some((i: { id: string }) => i.id === id) ? r : null; });
    expect(list.items.find((i: { id: string }) => i.id === id)).toMatchObject({ title: article.title, categoryText: '通知公告', departmentName: '涡阳县政务服务管理局' });
    expect((await get(`/v1/openness/articles?q=${encodeURIComponent('春节期间')}`)).json().total).toBe(1);
    expect((await get(`/v1/openness/articles?q=${encodeURIComponent('不存在的词')}`)).json().total).toBe(0);
    expect((await get(`/v1/openness/articles/${id}`)).json()).toMatchObject({ body: article.body, revision: 1 });
    const feed = await get('/v1/openness/feed.atom');
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain(`<id>urn:uuid:${id}</id>`);
    expect(feed.body).toContain(article.title);
  });

  it('removes a withdrawn article everywhere, and an older publication cannot bring it back', async () => {
    await outbound('openness.article.withdrawn', { articleId: id, revision: 1, withdrawnAt: new Date().toISOString(), reason: '信息有误' });
    await waitFor(async () => ((await get(`/v1/openness/articles/${id}`)).statusCode === 404 ? true : null));
    const r = await get(`/v1/openness/articles/${id}`);
    expect(r.json()).toMatchObject({ code: 'article_not_found', title: '公开信息不存在或已撤回' });
    expect((await get('/v1/openness/articles')).json().items.some((i: { id: string }) => i.id === id)).toBe(false);
    expect((await get('/v1/openness/feed.atom')).body).not.toContain(id);
    await outbound('openness.article.published', article); // a redelivered revision 1
    const marker = randomUUID();
    await outbound('openness.article.published', { ...article, articleId: marker, title: '另一条通知' });
    await waitFor(async () => ((await get(`/v1/openness/articles/${marker}`)).statusCode === 200 ? true : null));
    expect((await get(`/v1/openness/articles/${id}`)).statusCode).toBe(404);
  });
});

describe('投诉 on the portal', () => {
  const body = { targetKind: 'department', department: 'gy-wjw', category: 'attitude', content: '窗口工作人员态度生硬，未一次性告知所需材料。', anonymous: true };

  it('takes an anonymous complaint without login, idempotently, and sends no personal data inbound', async () => {
    const key = `c-${randomUUID()}`;
    const r = await h.svc.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'idempotency-key': key }, payload: body });
    expect(r.statusCode).toBe(202);
    const { trackingCode, complaintId } = r.json();
    expect(trackingCode).toMatch(/^TS[0-9A-Z]{12}$/);
    const again = await h.svc.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'idempotency-key': key }, payload: body });
    expect(again.json()).toEqual({ complaintId, trackingCode, status: 'filed' });
    const filed = (await outboxOf('complaint.filed')).filter((m) => m.payload.payload.complaintId === complaintId);
    expect(filed).toHaveLength(1);
    expect(filed[0]!.payload.payload).toMatchObject({ anonymous: true, trackingCode, target: { kind: 'department', department: 'gy-wjw' } });
    expect(filed[0]!.payload.payload.complainant).toBeUndefined();

    await outbound('complaint.answered', { complaintId, trackingCode, outcome: 'substantiated', answer: '经核查情况属实，已对相关人员批评教育并整改。', department: 'gy-wjw', answeredAt: new Date().toISOString() });
    const tracked = await waitFor(async () => { const t = (await get(`/v1/complaints/track/${trackingCode}`)).json(); return t.status === 'answered' ? t : null; });
    expect(tracked).toMatchObject({ statusText: '已答复', outcomeText: '投诉属实', answer: '经核查情况属实，已对相关人员批评教育并整改。' });
  });

  it('needs a login for a real-name complaint and the details of the target', async () => {
    const noLogin = await h.svc.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'idempotency-key': `c-${randomUUID()}` }, payload: { ...body, anonymous: false } });
    expect(noLogin.statusCode).toBe(401);
    expect(noLogin.json().code).toBe('login_required');
    const noCase = await h.svc.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'idempotency-key': `c-${randomUUID()}`, authorization: `Bearer ${applicant}` }, payload: { ...body, targetKind: 'case', anonymous: false } });
    expect(noCase.statusCode).toBe(400);
    expect(noCase.json()).toMatchObject({ code: 'complaint_case_required', title: '投诉办件时请填写办件编号' });
    const named = await h.svc.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'idempotency-key': `c-${randomUUID()}`, authorization: `Bearer ${applicant}` }, payload: { ...body, anonymous: false } });
    expect(named.statusCode).toBe(202);
    expect((await get('/v1/complaints', applicant)).json().items.map((c: { trackingCode: string }) => c.trackingCode)).toContain(named.json().trackingCode);
    expect((await get('/v1/complaints', other)).json().total).toBe(0);
  });
});

describe('网上缴费 with the demo provider', () => {
  const orderId = randomUUID();
  let applicationId: string, tradeNo: string;

  beforeAll(async () => {
    await outbound('catalog.item.published', ITEM, 'catalog');
    await waitFor(async () => ((await get(`/v1/items/${ITEM.code}`)).statusCode === 200 ? true : null));
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=id.png`, headers: { authorization: `Bearer ${applicant}`, 'content-type': 'image/png' }, payload: PNG });
    const sub = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${applicant}`, 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: ITEM.code, form: { name: '张三明', phone: '13900001111' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] } });
    expect(sub.statusCode).toBe(202);
    applicationId = sub.json().applicationId;
    await outbound('payment.ordered', {
      orderId, applicationId, caseNumber: 'GY-WJW-20261127-000001', itemCode: ITEM.code, itemName: ITEM.name, department: 'gy-wjw', departmentName: ITEM.departmentName,
      lines: [{ code: 'fee-1', name: '工本费 60元', amountFen: 6000 }, { code: 'fee-2', name: '签注费 15元', amountFen: 1500 }], amountFen: 7500, orderedAt: new Date().toISOString(),
    }, applicationId);
  }, 60_000);

  const notify = (body: string, key: KeyObject) => h.svc.app.inject({ method: 'POST', url: '/v1/payments/notify/demo', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, key) }, payload: body });
  const order = () => h.svc.ctx.prisma.paymentOrder.findUniqueOrThrow({ where: { id: orderId } });

  it('lists the order for its applicant only and opens a trade', async () => {
    const mine = await waitFor(async () => { const r = (await get('/v1/payments', applicant)).json(); return r.items.length ? r : null; });
    expect(mine.items[0]).toMatchObject({ orderId, amountText: '¥75.00', status: 'pending', statusText: '待缴费' });
    expect((await get(`/v1/payments/${orderId}`, other)).statusCode).toBe(404);
    const pay = await h.svc.app.inject({ method: 'POST', url: `/v1/payments/${orderId}/pay`, headers: { authorization: `Bearer ${applicant}` } });
    expect(pay.statusCode).toBe(200);
    tradeNo = pay.json().tradeNo;
    expect(pay.json().payUrl).toBe(`/demo-pay/cashier/${tradeNo}`);
    expect((await get(pay.json().payUrl)).body).toContain('¥75.00');
  });

  it('refuses a callback with a forged signature', async () => {
    const forger = generateKeyPairSync('ed25519').privateKey;
    const body = JSON.stringify({ notifyId: 'NFORGED1', kind: 'trade.paid', tradeNo, merchantOrderId: orderId, amountFen: 7500, at: new Date().toISOString() });
    const r = await notify(body, forger);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'signature_invalid', title: '支付通知签名无效' });
    const unsigned = await h.svc.app.inject({ method: 'POST', url: '/v1/payments/notify/demo', headers: { 'content-type': 'application/json' }, payload: body });
    expect(unsigned.statusCode).toBe(400);
    expect((await order()).status).toBe('pending');
    expect(await outboxOf('payment.settled')).toHaveLength(0);
  });

  it('pays once although the provider notifies asynchronously and repeatedly', async () => {
    const cashier = await h.svc.app.inject({ method: 'POST', url: `/demo-pay/cashier/${tradeNo}/pay`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' }); // as the cashier's form posts
    expect(cashier.body).toContain('支付成功');
    await waitFor(async () => ((await order()).status === 'paid' ? true : null), 15_000);
    const notice = await h.svc.ctx.prisma.demoPayNotice.findFirstOrThrow({ where: { tradeNo, kind: 'trade.paid' } });
    const body = JSON.stringify(notice.body);
    // The same notification twice at once, and the same event under a new notification id.
    const [a, b] = await Promise.all([notify(body, providerKey), notify(body, providerKey)]);
    expect([a.body, b.body]).toEqual(['success', 'success']);
    const again = await notify(JSON.stringify({ ...(notice.body as object), notifyId: 'NRESENT1' }), providerKey);
    expect(again.body).toBe('success');
    const settled = (await outboxOf('payment.settled')).filter((m) => m.payload.payload.orderId === orderId);
    expect(settled).toHaveLength(1);
    expect(settled[0]!.payload.payload).toMatchObject({ amountFen: 7500, providerTradeNo: tradeNo, applicationId });
    const o = await order();
    expect(o.receiptNo).toMatch(/^PJ\d{8}[0-9A-F]{10}$/);
    const pdf = await get(`/v1/payments/${orderId}/receipt.pdf`, applicant);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await h.svc.app.inject({ method: 'POST', url: `/v1/payments/${orderId}/pay`, headers: { authorization: `Bearer ${applicant}` } })).json().code).toBe('payment_not_pending');
  }, 30_000);

  it('refunds a withdrawn case once, however often the refund is asked for', async () => {
    await outbound('case.status.changed', { applicationId, caseNumber: 'GY-WJW-20261127-000001', status: 'withdrawn', reason: '不再需要', at: new Date().toISOString() }, applicationId);
    await waitFor(async () => ((await order()).status === 'refunded' ? true : null), 20_000);
    const p = paymentsOf(h.svc.app);
    const o = await order();
    await p.provider.refund({ tradeNo, refundNo: o.refundNo!, amountFen: 7500, reason: '重复请求' });
    await p.refundDue();
    await p.provider.deliverDue();
    const notice = await h.svc.ctx.prisma.demoPayNotice.findFirstOrThrow({ where: { tradeNo, kind: 'trade.refunded' } });
    expect((await notify(JSON.stringify(notice.body), providerKey)).body).toBe('success');
    expect(await h.svc.ctx.prisma.demoPayNotice.count({ where: { tradeNo, kind: 'trade.refunded' } })).toBe(1);
    const refunded = (await outboxOf('payment.refunded')).filter((m) => m.payload.payload.orderId === orderId);
    expect(refunded).toHaveLength(1);
    expect(refunded[0]!.payload.payload).toMatchObject({ amountFen: 7500, reason: '申请已撤回，退还已缴费用' });
  }, 40_000);

  it('reconciles the day against the provider statement and flags a mismatch', async () => {
    const p = paymentsOf(h.svc.app);
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const clean = await p.reconcile(day);
    expect(clean).toEqual({ matched: 2, mismatches: [] });
    // The provider's books say another amount (e.g. a partial capture): flagged, never silently accepted.
    await h.svc.ctx.prisma.demoPayTrade.update({ where: { tradeNo }, data: { amountFen: 7000 } });
    // And a trade the provider took money for, whose notification never reached the hall.
    await h.svc.ctx.prisma.demoPayTrade.create({ data: { tradeNo: 'DP99999999999000001', merchantOrderId: randomUUID(), amountFen: 1500, subject: '未通知的交易', notifyUrl: 'http://127.0.0.1:9/none', status: 'paid', paidAt: new Date() } });
    const r = await p.reconcile(day);
    expect(r.mismatches).toEqual(expect.arrayContaining([
      { kind: 'amount_mismatch', tradeNo, type: 'pay', provider: 7000, hall: 7500 },
      { kind: 'amount_mismatch', tradeNo, type: 'refund', provider: 7000, hall: 7500 },
      { kind: 'missing_in_hall', tradeNo: 'DP99999999999000001', type: 'pay', provider: 1500 },
    ]));
    expect(await h.svc.ctx.prisma.paymentReconciliation.count({ where: { day } })).toBe(2);
  });
});
