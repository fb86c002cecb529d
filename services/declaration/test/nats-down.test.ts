/**
 * No application is lost or duplicated when the zone's NATS server is down at submission time:
 * the submission is accepted (202, receipt number), waits in the outbox, and is published once
 * when NATS is back — including a client retry with the same Idempotency-Key during the outage.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  // This test stops the server. The outbox gives up on an unacknowledged publish after 500 ms
  // (5 s by default), so the test sees failed attempts quickly instead of sleeping through them.
  h = await startDeclaration({ OUTBOX_PUBLISH_TIMEOUT_MS: '500' }, { own: true });
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

describe('submission while NATS is down', () => {
  it('accepts, keeps the message in the outbox, and publishes it exactly once when NATS is back', async () => {
    const token = h.env.token({ sub: randomUUID(), name: '周梦婕' });
    const headers = { authorization: `Bearer ${token}` };
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { ...headers, 'content-type': 'image/png' }, payload: PNG });
    expect(up.statusCode).toBe(201);

    await h.env.nats.kill();
    const key = `k-${randomUUID()}`;
    const body = { itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] };
    const first = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { ...headers, 'idempotency-key': key }, payload: body });
    expect(first.statusCode).toBe(202);
    expect(first.json().receiptNo).toMatch(/^SB\d{16}$/);
    const id = first.json().applicationId;
    // The client did not see the answer and retries: same application, no second message.
    const retry = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { ...headers, 'idempotency-key': key }, payload: body });
    expect(retry.json().applicationId).toBe(id);

    const row = () => h.svc.ctx.prisma.$queryRawUnsafe<{ sent_at: Date | null; attempts: number; last_error: string | null }[]>('SELECT sent_at, attempts, last_error FROM outbox WHERE id = $1::uuid', id);
    // While NATS is away the row stays unsent (the publisher keeps trying in the background):
    // shown by two failed attempts recorded on the row, rather than by a sleep.
    const tried = await waitFor(async () => { const r = (await row())[0]!; return r.attempts >= 2 && r; }, { what: 'two failed publish attempts of the outbox row while NATS is down' });
    expect(tried.last_error).toBeTruthy();
    expect((await row())[0]!.sent_at).toBeNull();
    expect(await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM outbox WHERE type = 'application.submitted' AND correlation_id = $1", id)).toHaveLength(1);

    await h.env.nats.restart();
    await waitFor(async () => (await row())[0]?.sent_at, 30_000);

    const creds = h.env.nats.users['provisioner']!;
    const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 't', logger: createLogger({ service: 't', level: 'silent' }) });
    try {
      const jsm = await jetstreamManager(nc);
      const msg = await jsm.streams.getMessage('IN', { last_by_subj: 'hall.in.application.submitted' });
      expect(msg?.header?.get('Nats-Msg-Id')).toBe(id);
      expect(JSON.parse(new TextDecoder().decode(msg!.data)).payload.receiptNo).toBe(first.json().receiptNo);
      const info = await jsm.streams.info('IN');
      const perSubject = await jsm.streams.info('IN', { subjects_filter: 'hall.in.application.submitted' });
      expect(perSubject.state.subjects?.['hall.in.application.submitted']).toBe(1);
      expect(info.state.messages).toBeGreaterThanOrEqual(1);
    } finally { await nc.close(); }
  }, 90_000);
});
