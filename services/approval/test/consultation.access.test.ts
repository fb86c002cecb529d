/**
 * 在线咨询 in the extranet: an inbound question is kept once; staff of the item's department list
 * and answer it, the answer leaves through the outbox as consultation.answered (once); staff of
 * another department never see it (404), and a clerk without a department is refused.
 */
import { randomUUID } from 'node:crypto';
import { startApproval, ITEM, waitFor, staffToken, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startApproval();
  await h.publish('catalog', 'catalog.item.published', ITEM);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const question = (id = randomUUID()) => ({
  consultationId: id, itemCode: ITEM.code, itemName: ITEM.name, department: 'gy-wjw', askerName: '周梦婕', question: '外地户籍可以办理吗？', askedAt: new Date().toISOString(),
});

describe('consultations in the console', () => {
  it('keeps a question once, lets its department answer it once, and sends the answer outbound', async () => {
    const q = question();
    // The INBOUND lane's receiver is the writer of hall.in.* here; a re-sent message is a duplicate.
    await h.publish('relay-in-receiver', 'consultation.asked', q, 'internet', q.consultationId);
    const resent = randomUUID();
    await h.publish('relay-in-receiver', 'consultation.asked', q, 'internet', resent);
    const clerk = staffToken(h, '王受理', 'gy-wjw', ['acceptance']);
    const auth = { authorization: `Bearer ${clerk}` };
    const open = await waitFor(async () => {
      const r = (await h.svc.app.inject({ method: 'GET', url: '/v1/consultations', headers: auth })).json();
      return r.items.length >= 1 ? r : null;
    });
    // Once the re-sent copy is handled too, still one question.
    await h.handled('approval-consultations', resent);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/consultations', headers: auth })).json().total).toBe(1);
    expect(open.items[0]).toMatchObject({ consultationId: q.consultationId, askerName: '周梦婕', question: '外地户籍可以办理吗？', answer: null });

    const short = await h.svc.app.inject({ method: 'POST', url: `/v1/consultations/${q.consultationId}/answer`, headers: auth, payload: { answer: ' ' } });
    expect(short.statusCode).toBe(400);
    const answered = await h.svc.app.inject({ method: 'POST', url: `/v1/consultations/${q.consultationId}/answer`, headers: auth, payload: { answer: '夫妻一方户籍在本县即可办理。' } });
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({ answer: '夫妻一方户籍在本县即可办理。', answeredByName: '王受理' });
    const again = await h.svc.app.inject({ method: 'POST', url: `/v1/consultations/${q.consultationId}/answer`, headers: auth, payload: { answer: '再答一次' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_answered');

    const out = await h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>("SELECT payload FROM outbox WHERE type = 'consultation.answered'");
    expect(out).toHaveLength(1);
    expect(out[0]!.payload.payload).toMatchObject({ consultationId: q.consultationId, department: 'gy-wjw', answer: '夫妻一方户籍在本县即可办理。', answeredBy: '涡阳县卫生健康委员会' });
    expect(await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM audit_entry WHERE action = 'consultation.answer' AND target = $1", q.consultationId)).toHaveLength(1);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/consultations?state=answered', headers: auth })).json().total).toBe(1);
  });

  it('should not show or let answer a question of another department', async () => {
    const q = question();
    await h.publish('relay-in-receiver', 'consultation.asked', q, 'internet', q.consultationId);
    const own = { authorization: `Bearer ${staffToken(h, '王受理', 'gy-wjw', ['acceptance'])}` };
    await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/consultations/${q.consultationId}`, headers: own })).statusCode === 200);
    const other = { authorization: `Bearer ${staffToken(h, '民政窗口', 'gy-mzj', ['acceptance'])}` };
    expect((await h.svc.app.inject({ method: 'GET', url: `/v1/consultations/${q.consultationId}`, headers: other })).statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/consultations?state=all', headers: other })).json().items.some((c: { consultationId: string }) => c.consultationId === q.consultationId)).toBe(false);
    const r = await h.svc.app.inject({ method: 'POST', url: `/v1/consultations/${q.consultationId}/answer`, headers: other, payload: { answer: '越权答复' } });
    expect(r.statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'GET', url: `/v1/consultations/${q.consultationId}`, headers: own })).json().answer).toBeNull();
    const noDept = { authorization: `Bearer ${h.env.token({ sub: randomUUID(), name: '无部门', roles: ['staff'] })}` };
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/consultations', headers: noDept })).statusCode).toBe(403);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/consultations', headers: {} })).statusCode).toBe(401);
  });
});
