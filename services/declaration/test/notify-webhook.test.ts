/**
 * A real SMS/e-mail provider plugs in by config (NOTIFY_SENDER=webhook): status notifications go to
 * the gateway over HTTP from the notification outbox, a refused delivery is retried, and each
 * message carries its id as Idempotency-Key. A webhook sender without its URL stops the start.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { senderFromConfig } from '../src/notifications.js';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

interface Delivery { status: number; key: string | undefined; body: { id: string; channel: string; recipient: string; subject: string; body: string } }
const deliveries: Delivery[] = [];
let refuseNext = 1;
const gateway = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', () => {
    const status = refuseNext-- > 0 ? 503 : 200;
    deliveries.push({ status, key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(data) });
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
});
let h: Harness;
beforeAll(async () => {
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  const port = (gateway.address() as { port: number }).port;
  h = await startDeclaration({ NOTIFY_SENDER: 'webhook', NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${port}/sms`, NOTIFY_WEBHOOK_TOKEN: 'gateway-secret', PORTAL_PUBLIC_URL: 'https://zwfw.example.gov.cn' });
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); await new Promise((r) => gateway.close(r)); }, 30_000);

describe('notifications through a provider gateway', () => {
  it('delivers the submission notice to the gateway, retrying after a refusal', async () => {
    const token = h.env.token({ sub: randomUUID(), name: '周梦婕' });
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, payload: PNG });
    const r = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${token}`, 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000007' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] } });
    expect(r.statusCode).toBe(202);
    const ok = await waitFor(async () => deliveries.find((d) => d.status === 200), 20_000);
    expect(deliveries[0]!.status).toBe(503);
    expect(deliveries[0]!.body.id).toBe(ok.body.id);
    expect(ok.key).toBe(ok.body.id);
    expect(ok.body).toMatchObject({ channel: 'sms', recipient: '13800000007', subject: '申报已提交：测试事项' });
    expect(ok.body.body).toContain(r.json().receiptNo);
    // The link leads to the portal's public address (PORTAL_PUBLIC_URL), never a service's own port.
    expect(ok.body.body).toContain(`详情：https://zwfw.example.gov.cn/#/app/${r.json().applicationId}`);
    // The gateway has answered 200; the dispatcher records the delivery right after that answer.
    const row = await waitFor(async () => {
      const [n] = await h.svc.ctx.prisma.$queryRawUnsafe<{ attempts: number; sent_at: Date | null }[]>('SELECT attempts, sent_at FROM notification WHERE id = $1::uuid', ok.body.id);
      return n?.sent_at ? n : undefined;
    }, { what: 'the notification recorded as sent after the gateway accepted it' });
    expect(row).toMatchObject({ attempts: 2, sent_at: expect.any(Date) });
    // The demo page is not written when a real provider is configured.
    expect(await h.svc.ctx.prisma.portalMessage.count()).toBe(0);
  });

  it('refuses the webhook sender without NOTIFY_WEBHOOK_URL (the service does not start)', async () => {
    expect(() => senderFromConfig({ NOTIFY_SENDER: 'webhook' }, h.svc.ctx.prisma)).toThrow(/NOTIFY_WEBHOOK_URL/);
    expect(() => senderFromConfig({ NOTIFY_SENDER: 'webhook', NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/sms' }, h.svc.ctx.prisma)).not.toThrow();
  });
});
