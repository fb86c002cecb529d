/**
 * Applicants see and touch only their own drafts, applications, consultations, appointments and
 * messages: another account's id answers 404 (never 403 with details), and nothing changes.
 */
import { randomUUID } from 'node:crypto';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

const VISIT_ITEM = { ...ITEM, code: 'T-VISIT-ACC', name: '需到场事项', visits: 1 };
let h: Harness;
beforeAll(async () => {
  h = await startDeclaration();
  await h.publishOutbound('catalog.item.published', ITEM);
  await h.publishOutbound('catalog.item.published', VISIT_ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${VISIT_ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const as = (t: string) => ({ authorization: `Bearer ${t}` });
const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, t: string, payload?: unknown) =>
  h.svc.app.inject({ method, url, headers: as(t), ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('portal access', () => {
  const owner = () => h.env.token({ sub: ownerId, name: '周梦婕' });
  const ownerId = randomUUID();
  const other = () => h.env.token({ sub: randomUUID(), name: '李四' });

  it('should not show, change or delete another user\'s draft', async () => {
    const d = (await req('POST', '/v1/drafts', owner(), { itemCode: ITEM.code, form: { name: '周梦婕' }, materials: [] })).json();
    const t = other();
    for (const r of [
      await req('GET', `/v1/drafts/${d.draftId}`, t),
      await req('PUT', `/v1/drafts/${d.draftId}`, t, { form: { name: '篡改' }, materials: [] }),
      await req('DELETE', `/v1/drafts/${d.draftId}`, t),
    ]) {
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ type: expect.any(String), status: 404, code: 'draft_not_found', title: '草稿不存在', instance: expect.any(String), requestId: expect.any(String) });
    }
    expect((await req('GET', '/v1/drafts', t)).json().total).toBe(0);
    expect((await req('GET', `/v1/drafts/${d.draftId}`, owner())).json().form).toEqual({ name: '周梦婕' });
  });

  it('should not let another user supplement, withdraw, evaluate, consult on or upload to an application', async () => {
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { ...as(owner()), 'content-type': 'image/png' }, payload: PNG });
    const id = (await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { ...as(owner()), 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] } })).json().applicationId;
    const t = other();
    expect((await req('POST', `/v1/applications/${id}/supplements`, t, { form: { phone: '13900000000' }, materials: [] })).statusCode).toBe(404);
    expect((await req('POST', `/v1/applications/${id}/withdrawal`, t, { reason: '别人替我撤回' })).statusCode).toBe(404);
    expect((await req('POST', `/v1/applications/${id}/evaluation`, t, { level: 5 })).statusCode).toBe(404);
    expect((await req('POST', '/v1/consultations', t, { applicationId: id, question: '这件怎么样了？' })).statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'POST', url: `/v1/materials?applicationId=${id}&materialCode=id-card&fileName=a.png`, headers: { ...as(t), 'content-type': 'image/png' }, payload: PNG })).statusCode).toBe(404);
    expect((await h.svc.ctx.prisma.application.findUniqueOrThrow({ where: { id } })).status).toBe('submitted');
    expect(await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM outbox WHERE type IN ('application.withdrawn', 'application.supplemented') AND correlation_id = $1", id)).toHaveLength(0);
  });

  it('should not show another user\'s consultation, appointment or message, nor let them cancel or read it', async () => {
    const c = (await req('POST', '/v1/consultations', owner(), { itemCode: ITEM.code, question: '请问需要多久？' })).json();
    const slot = (await req('GET', `/v1/items/${VISIT_ITEM.code}/slots`, owner())).json().items[0];
    const a = (await req('POST', '/v1/appointments', owner(), { slotId: slot.slotId })).json();
    const m = await waitFor(async () => (await req('GET', '/v1/messages', owner())).json().items[0]);
    const t = other();
    expect((await req('GET', `/v1/consultations/${c.consultationId}`, t)).statusCode).toBe(404);
    expect((await req('GET', '/v1/consultations', t)).json().total).toBe(0);
    expect((await req('POST', `/v1/appointments/${a.appointmentId}/cancel`, t, {})).statusCode).toBe(404);
    expect((await req('GET', '/v1/appointments', t)).json().items).toEqual([]);
    expect((await req('POST', `/v1/messages/${m.messageId}/read`, t, {})).statusCode).toBe(404);
    expect((await req('GET', '/v1/messages', t)).json().total).toBe(0);
    expect((await req('GET', '/v1/appointments', owner())).json().items[0].status).toBe('booked');
  });

  it('refuses every personal endpoint without a login, and tokens of the staff realm', async () => {
    const staff = h.env.token({ sub: randomUUID(), name: '王受理', realm: 'staff' as never });
    for (const url of ['/v1/drafts', '/v1/consultations', '/v1/appointments', '/v1/messages', '/v1/me/contact']) {
      expect((await h.svc.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect((await req('GET', url, staff)).statusCode).toBe(403);
    }
  });
});
