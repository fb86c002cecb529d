/**
 * The portal API beyond the first submission: drafts, the applicant's timeline with every case
 * status, supplements (补正) and withdrawals travelling inbound, evaluations (好差评), consultations
 * (在线咨询), appointments (网上预约), notifications (我的消息) and the bad inputs of each.
 * Real Postgres, NATS (internet zone) and S3; outbound messages are published as the lane would.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

const VISIT_ITEM = { ...ITEM, code: 'T-VISIT-001', name: '需到场事项', visits: 1, guide: { fees: '不收费', place: '测试政务服务中心1号窗口' } };
const RETIRING = { ...ITEM, code: 'T-RETIRE-001', name: '将废止事项' };

let h: Harness;
const me = randomUUID();
let token: string;
beforeAll(async () => {
  h = await startDeclaration({ APPOINTMENT_SLOT_CAPACITY: '2', APPOINTMENT_DAYS: '2' });
  token = h.env.token({ sub: me, name: '周梦婕', roles: ['applicant'] });
  for (const it of [ITEM, VISIT_ITEM, RETIRING]) await h.publishOutbound('catalog.item.published', it);
  await waitFor(async () => (await Promise.all([ITEM, VISIT_ITEM, RETIRING].map(async (it) => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${it.code}` })).statusCode))).every((s) => s === 200));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const auth = (t = token) => ({ authorization: `Bearer ${t}` });
const get = (url: string, t = token) => h.svc.app.inject({ method: 'GET', url, headers: auth(t) });
const post = (url: string, payload: unknown, t = token, headers: Record<string, string> = {}) => h.svc.app.inject({ method: 'POST', url, headers: { ...auth(t), ...headers }, payload: payload as object });
const upload = (q: string, body: Buffer = PNG, t = token) => h.svc.app.inject({ method: 'POST', url: `/v1/materials?${q}`, headers: { ...auth(t), 'content-type': 'image/png' }, payload: body });
const uploadFor = async (itemCode = ITEM.code, t = token) => (await upload(`itemCode=${itemCode}&materialCode=id-card&fileName=a.png`, PNG, t)).json().materialId as string;
const FORM = { name: '周梦婕', phone: '13800000000' };
async function submitted(t = token, itemCode = ITEM.code): Promise<string> {
  const r = await post('/v1/applications', { itemCode, form: FORM, materials: [{ materialCode: 'id-card', materialId: await uploadFor(itemCode, t) }] }, t, { 'idempotency-key': `k-${randomUUID()}` });
  expect(r.statusCode).toBe(202);
  return r.json().applicationId;
}
const status = (applicationId: string, s: Record<string, unknown>, id?: string) =>
  h.publishOutbound('case.status.changed', { applicationId, caseNumber: 'GY-T-20261127-000001', at: new Date().toISOString(), ...s }, id);
const outboxOf = (type: string, correlationId: string) =>
  h.svc.ctx.prisma.$queryRawUnsafe<{ id: string; payload: any; sent_at: Date | null }[]>('SELECT id::text, payload, sent_at FROM outbox WHERE type = $1 AND correlation_id = $2', type, correlationId);
const detail = async (id: string, t = token) => (await get(`/v1/applications/${id}`, t)).json();
const untilStatus = (id: string, s: string) => waitFor(async () => { const v = await detail(id); return v.status === s ? v : null; });

describe('drafts', () => {
  it('saves, lists, resumes, updates, submits and deletes a draft', async () => {
    const m = await uploadFor();
    const created = await post('/v1/drafts', { itemCode: ITEM.code, form: { name: '周' }, materials: [{ materialCode: 'id-card', materialId: m }] });
    expect(created.statusCode).toBe(201);
    const draft = created.json();
    expect(draft).toMatchObject({ itemCode: ITEM.code, itemName: '测试事项', form: { name: '周' }, materials: [{ materialId: m, fileName: 'a.png' }] });
    expect((await get('/v1/drafts')).json()).toMatchObject({ total: 1, items: [{ draftId: draft.draftId }] });
    const updated = await h.svc.app.inject({ method: 'PUT', url: `/v1/drafts/${draft.draftId}`, headers: auth(), payload: { form: FORM, materials: [{ materialCode: 'id-card', materialId: m }] } });
    expect(updated.statusCode).toBe(200);
    expect((await get(`/v1/drafts/${draft.draftId}`)).json().form).toEqual(FORM);
    // Submitting from the draft removes it with the submission.
    const sub = await post('/v1/applications', { itemCode: ITEM.code, draftId: draft.draftId, form: FORM, materials: [{ materialCode: 'id-card', materialId: m }] }, token, { 'idempotency-key': `k-${randomUUID()}` });
    expect(sub.statusCode).toBe(202);
    expect((await get(`/v1/drafts/${draft.draftId}`)).statusCode).toBe(404);

    const other = (await post('/v1/drafts', { itemCode: ITEM.code, form: {}, materials: [] })).json();
    expect((await h.svc.app.inject({ method: 'DELETE', url: `/v1/drafts/${other.draftId}`, headers: auth() })).statusCode).toBe(204);
    expect((await h.svc.app.inject({ method: 'DELETE', url: `/v1/drafts/${other.draftId}`, headers: auth() })).statusCode).toBe(404);
    expect(await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM audit_entry WHERE action = 'draft.delete' AND target = $1", other.draftId)).toHaveLength(1);
  });

  it('refuses bad drafts: unknown item, a material of another item or already submitted, unknown properties', async () => {
    expect((await post('/v1/drafts', { itemCode: 'NO-SUCH', form: {}, materials: [] })).statusCode).toBe(404);
    const used = await h.svc.ctx.prisma.material.findFirstOrThrow({ where: { accountId: me, applicationId: { not: null } } });
    const r = await post('/v1/drafts', { itemCode: ITEM.code, form: {}, materials: [{ materialCode: 'id-card', materialId: used.id }] });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('material_not_found');
    const extra = await post('/v1/drafts', { itemCode: ITEM.code, form: {}, materials: [], owner: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.headers['content-type']).toContain('application/problem+json');
    expect((await get('/v1/drafts/not-a-uuid')).statusCode).toBe(400);
  });
});

describe('timeline', () => {
  it('shows every case status with reasons, missing materials, due date and notes, and the current status follows the newest event', async () => {
    const id = await submitted();
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const events: Record<string, unknown>[] = [
      { status: 'received', at: at(1), dueAt: '2026-12-04T09:00:00.000Z' },
      { status: 'accepted', at: at(2) },
      { status: 'under_review', at: at(3) },
      { status: 'special_procedure', at: at(4), note: '现场勘验' },
      { status: 'special_procedure_done', at: at(5), dueAt: '2026-12-08T09:00:00.000Z' },
      { status: 'payment_pending', at: at(6), note: '工本费 10 元' },
      { status: 'paid', at: at(7) },
      // approval sends a supplement request's note also as its reason: the timeline shows it once.
      { status: 'supplement_requested', at: at(8), reason: '身份证照片不清晰', note: '身份证照片不清晰', missingMaterials: [{ materialCode: 'id-card', name: '身份证', reason: '照片模糊' }] },
    ];
    // Out of order on purpose: the newest by its own time wins.
    for (const e of [...events].reverse()) await status(id, e);
    const v = await waitFor(async () => { const x = await detail(id); return x.timeline.length === 9 ? x : null; });
    expect(v.status).toBe('supplement_requested');
    expect(v.statusText).toBe('需补正材料');
    expect(v.missingMaterials).toEqual([{ materialCode: 'id-card', name: '身份证', reason: '照片模糊' }]);
    expect(v.dueAt).toBe('2026-12-08T09:00:00.000Z');
    expect(v.can).toEqual({ supplement: true, withdraw: true, evaluate: false });
    const texts = v.timeline.map((t: { statusText: string }) => t.statusText);
    expect(texts).toEqual(['已提交', '已接收（网上受理）', '已受理', '审查中', '特别程序中', '特别程序已结束', '待缴费', '已缴费', '需补正材料']);
    expect(v.timeline.find((t: { status: string }) => t.status === 'special_procedure').note).toBe('现场勘验');
    expect(v.timeline.at(-1)).toMatchObject({ reason: '身份证照片不清晰', note: null, missingMaterials: [{ name: '身份证' }] });
  });
});

describe('supplement and withdrawal', () => {
  it('answers a supplement request with a new material and a corrected field, sent inbound with the file as attachment', async () => {
    const id = await submitted();
    expect((await post(`/v1/applications/${id}/supplements`, { form: { phone: '13900000000' }, materials: [] })).json().code).toBe('supplement_not_requested');
    await status(id, { status: 'supplement_requested', reason: '请补正', missingMaterials: [{ materialCode: 'id-card', name: '身份证' }] });
    await untilStatus(id, 'supplement_requested');

    // Uploading against the application (not the item), then the bad answers.
    const up = await upload(`applicationId=${id}&materialCode=id-card&fileName=${encodeURIComponent('身份证-清晰.png')}`);
    expect(up.statusCode).toBe(201);
    const material = up.json();
    expect((await post(`/v1/applications/${id}/supplements`, { form: {}, materials: [] })).json().code).toBe('supplement_empty');
    expect((await post(`/v1/applications/${id}/supplements`, { form: { phone: '13900000000' }, materials: [] })).json()).toMatchObject({ code: 'materials_missing', missing: [{ code: 'id-card' }] });
    const badField = await post(`/v1/applications/${id}/supplements`, { form: { phone: '123' }, materials: [{ materialCode: 'id-card', materialId: material.materialId }] });
    expect(badField.statusCode).toBe(400);
    expect(badField.json().errors[0]).toMatchObject({ field: '/phone', message: '联系电话格式不正确' });
    const stranger = h.env.token({ sub: randomUUID(), name: '李四' });
    expect((await post(`/v1/applications/${id}/supplements`, { form: {}, materials: [{ materialCode: 'id-card', materialId: material.materialId }] }, stranger)).statusCode).toBe(404);

    const ok = await post(`/v1/applications/${id}/supplements`, { form: { phone: '13900000000' }, materials: [{ materialCode: 'id-card', materialId: material.materialId }], comment: '已重新拍摄' });
    expect(ok.statusCode).toBe(202);
    const v = await detail(id);
    expect(v).toMatchObject({ status: 'supplemented', missingMaterials: null, can: { supplement: false } });
    expect(v.timeline.at(-1)).toMatchObject({ status: 'supplemented', reason: '已重新拍摄' });
    const [row] = await outboxOf('application.supplemented', id);
    expect(row!.id).toBe(ok.json().supplementId);
    expect(row!.payload.payload).toMatchObject({ applicationId: id, caseNumber: 'GY-T-20261127-000001', itemCode: ITEM.code, itemVersion: 1, form: { phone: '13900000000' }, comment: '已重新拍摄' });
    expect(row!.payload.attachments).toEqual([{ key: expect.stringMatching(/^materials\//), sha256: material.sha256, size: PNG.length, contentType: 'image/png' }]);
    expect((await h.svc.ctx.prisma.application.findUniqueOrThrow({ where: { id } })).form).toEqual({ ...FORM, phone: '13900000000' });
    // Twice is refused: the request was answered.
    expect((await post(`/v1/applications/${id}/supplements`, { form: { phone: '13700000000' }, materials: [] })).statusCode).toBe(409);
    // And it reaches NATS with the supplement id as Nats-Msg-Id.
    await waitFor(async () => (await outboxOf('application.supplemented', id))[0]?.sent_at);
    const creds = h.env.nats.users['provisioner']!;
    const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 't', logger: createLogger({ service: 't', level: 'silent' }) });
    const msg = await (await jetstreamManager(nc)).streams.getMessage('IN', { last_by_subj: 'hall.in.application.supplemented' });
    expect(msg?.header?.get('Nats-Msg-Id')).toBe(row!.id);
    await nc.close();
  });

  it('replays a supplement retried with the same Idempotency-Key, refuses the key with another body, and makes one supplement of concurrent retries', async () => {
    const id = await submitted();
    await status(id, { status: 'supplement_requested', reason: '请补正联系电话', missingMaterials: [] });
    await untilStatus(id, 'supplement_requested');
    const body = { form: { phone: '13900000001' }, materials: [], comment: '电话已更正' };
    const key = `sup-${randomUUID()}`;
    const results = await Promise.all([1, 2, 3].map(() => post(`/v1/applications/${id}/supplements`, body, token, { 'idempotency-key': key })));
    for (const r of results) expect([202, 409]).toContain(r.statusCode);
    const ids = new Set(results.filter((r) => r.statusCode === 202).map((r) => r.json().supplementId));
    expect(ids.size).toBe(1);
    // A retry after the answer was lost: the same answer, marked as replayed, not a 409.
    const replay = await post(`/v1/applications/${id}/supplements`, body, token, { 'idempotency-key': key });
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().supplementId).toBe([...ids][0]);
    expect(await h.svc.ctx.prisma.supplement.count({ where: { applicationId: id } })).toBe(1);
    expect(await outboxOf('application.supplemented', id)).toHaveLength(1);
    const other = await post(`/v1/applications/${id}/supplements`, { ...body, comment: '另一份' }, token, { 'idempotency-key': key });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    // Without a key the answered request stays refused; a malformed key is a 400.
    expect((await post(`/v1/applications/${id}/supplements`, body)).statusCode).toBe(409);
    expect((await post(`/v1/applications/${id}/supplements`, body, token, { 'idempotency-key': 'bad key!' })).statusCode).toBe(400);
  });

  it('withdraws before a decision and refuses after one', async () => {
    const id = await submitted();
    expect((await post(`/v1/applications/${id}/withdrawal`, { reason: '' })).statusCode).toBe(400);
    const r = await post(`/v1/applications/${id}/withdrawal`, { reason: '信息填写错误，重新申报' });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ status: 'withdrawal_requested', statusText: '撤回申请已提交' });
    const [msg] = await outboxOf('application.withdrawn', id);
    expect(msg!.payload.payload).toMatchObject({ applicationId: id, reason: '信息填写错误，重新申报' });
    expect((await post(`/v1/applications/${id}/withdrawal`, { reason: '再次撤回' })).json().code).toBe('withdrawal_too_late');
    await status(id, { status: 'withdrawn' });
    expect((await untilStatus(id, 'withdrawn')).statusText).toBe('已撤回');

    const decided = await submitted();
    await status(decided, { status: 'approved' });
    await untilStatus(decided, 'approved');
    const late = await post(`/v1/applications/${decided}/withdrawal`, { reason: '不想办了' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('withdrawal_too_late');
    expect(await outboxOf('application.withdrawn', decided)).toHaveLength(0);
  });
});

describe('evaluation', () => {
  it('takes one evaluation per case, only after completion, and sends it inbound', async () => {
    const id = await submitted();
    expect((await post(`/v1/applications/${id}/evaluation`, { level: 5 })).json().code).toBe('not_completed');
    await status(id, { status: 'completed' });
    await untilStatus(id, 'completed');
    expect((await post(`/v1/applications/${id}/evaluation`, { level: 6 })).statusCode).toBe(400);
    expect((await post(`/v1/applications/${id}/evaluation`, { level: 1 })).json().code).toBe('comment_required');
    const ok = await post(`/v1/applications/${id}/evaluation`, { level: 2, comment: '窗口等待时间过长' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ level: 2, levelText: '不满意' });
    const again = await post(`/v1/applications/${id}/evaluation`, { level: 5 });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_evaluated');
    const [msg] = await outboxOf('evaluation.submitted', id);
    expect(msg!.payload.payload).toMatchObject({ applicationId: id, caseNumber: 'GY-T-20261127-000001', itemCode: ITEM.code, department: 'gy-wjw', level: 2, comment: '窗口等待时间过长' });
    expect((await detail(id))).toMatchObject({ evaluation: { level: 2, levelText: '不满意' }, can: { evaluate: false } });
  });
});

describe('consultation', () => {
  it('asks about an item and about an own case, sends the question inbound and shows the answer that comes back', async () => {
    const q = await post('/v1/consultations', { itemCode: ITEM.code, question: '外地户籍可以办理吗？' });
    expect(q.statusCode).toBe(201);
    const c = q.json();
    const [msg] = await outboxOf('consultation.asked', c.consultationId);
    expect(msg!.payload.payload).toMatchObject({ consultationId: c.consultationId, itemCode: ITEM.code, department: 'gy-wjw', askerName: '周梦婕', question: '外地户籍可以办理吗？' });

    await h.publishOutbound('consultation.answered', { consultationId: c.consultationId, department: 'gy-wjw', answer: '夫妻一方户籍在本县即可办理。', answeredBy: '涡阳县卫生健康委员会', answeredAt: new Date().toISOString() });
    const answered = await waitFor(async () => { const r = (await get(`/v1/consultations/${c.consultationId}`)).json(); return r.answered ? r : null; });
    expect(answered).toMatchObject({ answer: '夫妻一方户籍在本县即可办理。', answeredBy: '涡阳县卫生健康委员会' });

    const appId = await submitted();
    const onCase = await post('/v1/consultations', { applicationId: appId, question: '什么时候可以办结？' });
    expect(onCase.statusCode).toBe(201);
    expect((await outboxOf('consultation.asked', appId))[0]!.payload.payload).toMatchObject({ applicationId: appId, itemCode: ITEM.code });
    expect((await get('/v1/consultations')).json().total).toBe(2);
  });

  it('refuses a question without subject, too short, about an unknown item or about another applicant\'s case', async () => {
    expect((await post('/v1/consultations', { question: '请问？' })).json().code).toBe('consultation_subject_missing');
    expect((await post('/v1/consultations', { itemCode: ITEM.code, question: '？' })).statusCode).toBe(400);
    expect((await post('/v1/consultations', { itemCode: 'NO-SUCH', question: '请问怎么办？' })).statusCode).toBe(404);
    const theirs = await submitted(h.env.token({ sub: randomUUID(), name: '王军' }));
    expect((await post('/v1/consultations', { applicationId: theirs, question: '这件办得怎样？' })).statusCode).toBe(404);
  });
});

describe('appointments', () => {
  it('offers slots only for items that need a visit, books, refuses double booking and a full slot, cancels', async () => {
    expect((await get(`/v1/items/${ITEM.code}/slots`)).json().code).toBe('appointment_not_needed');
    expect((await get('/v1/items/NO-SUCH/slots')).statusCode).toBe(404);
    const slots = (await get(`/v1/items/${VISIT_ITEM.code}/slots`)).json().items;
    expect(slots).toHaveLength(8);
    expect(slots[0]).toMatchObject({ capacity: 2, remaining: 2 });
    const slotId = slots[0].slotId;

    const booked = await post('/v1/appointments', { slotId });
    expect(booked.statusCode).toBe(201);
    expect(booked.json()).toMatchObject({ status: 'booked', statusText: '已预约', itemName: '需到场事项', place: '测试政务服务中心1号窗口', code: expect.stringMatching(/^YY\d{8}[0-9A-F]{6}$/) });
    // The same person, the same item, another slot: one active booking per item.
    const twice = await post('/v1/appointments', { slotId: slots[1].slotId });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('already_booked');
    expect((await get(`/v1/items/${VISIT_ITEM.code}/slots`)).json().items[1].remaining).toBe(2);

    const cancelled = await post(`/v1/appointments/${booked.json().appointmentId}/cancel`, {});
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', statusText: '已取消' });
    expect((await post(`/v1/appointments/${booked.json().appointmentId}/cancel`, {})).json().code).toBe('appointment_cancelled');
    expect((await post(`/v1/appointments/${booked.json().appointmentId}/cancel`, {}, h.env.token({ sub: randomUUID() }))).statusCode).toBe(404);
    expect((await get(`/v1/items/${VISIT_ITEM.code}/slots`)).json().items[0].remaining).toBe(2);
    expect((await post('/v1/appointments', { slotId: randomUUID() })).json().code).toBe('slot_not_found');
  });

  it('never books more people into a slot than it holds, however many try at once', async () => {
    const slots = (await get(`/v1/items/${VISIT_ITEM.code}/slots`)).json().items;
    const slotId = slots.at(-1).slotId;
    const people = Array.from({ length: 8 }, () => h.env.token({ sub: randomUUID(), name: '并发' }));
    const results = await Promise.all(people.map((t) => post('/v1/appointments', { slotId }, t)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(2);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'slot_full')).toBe(true);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(6);
    const slot = await h.svc.ctx.prisma.appointmentSlot.findUniqueOrThrow({ where: { id: slotId } });
    expect(slot.booked).toBe(2);
    expect(await h.svc.ctx.prisma.appointment.count({ where: { slotId, status: 'booked' } })).toBe(2);
    // Mine are listed under 我的预约, others' are not.
    expect((await get('/v1/appointments', people[0])).json().items.length).toBeLessThanOrEqual(1);
  });
});

describe('notifications', () => {
  it('writes a message at each status change through the outbox, to the contact set or the form\'s phone, and shows it under 我的消息', async () => {
    const who = randomUUID();
    const t = h.env.token({ sub: who, name: '陈静' });
    const id = await submitted(t);
    await status(id, { status: 'accepted' });
    const msgs = await waitFor(async () => { const r = (await get('/v1/messages', t)).json(); return r.items.length >= 2 && r.unread >= 2 ? r : null; });
    expect(msgs.unread).toBe(2);
    expect(msgs.items.map((m: { subject: string }) => m.subject)).toEqual(expect.arrayContaining(['办件进度：已受理', '申报已提交：测试事项']));
    expect(msgs.items[0]).toMatchObject({ channel: 'sms', recipient: FORM.phone, applicationId: id });
    expect(msgs.items.find((m: { subject: string }) => m.subject === '办件进度：已受理').body).toContain('已受理');

    expect((await h.svc.app.inject({ method: 'PUT', url: '/v1/me/contact', headers: auth(t), payload: { phone: '12', email: null } })).statusCode).toBe(400);
    expect((await h.svc.app.inject({ method: 'PUT', url: '/v1/me/contact', headers: auth(t), payload: { phone: null, email: 'chenjing@example.cn' } })).statusCode).toBe(200);
    await status(id, { status: 'supplement_requested', missingMaterials: [{ materialCode: 'id-card', name: '身份证' }] });
    const mail = await waitFor(async () => (await get('/v1/messages', t)).json().items.find((m: { channel: string }) => m.channel === 'email'));
    expect(mail).toMatchObject({ recipient: 'chenjing@example.cn', subject: '办件进度：需补正材料' });
    expect(mail.body).toContain('需补正：身份证');

    expect((await post(`/v1/messages/${mail.messageId}/read`, {}, t)).statusCode).toBe(204);
    expect((await post(`/v1/messages/${mail.messageId}/read`, {})).statusCode).toBe(404);
    expect((await get('/v1/messages')).json().items.some((m: { messageId: string }) => m.messageId === mail.messageId)).toBe(false);
  });
});

describe('home and contact', () => {
  it('lists the most applied-for items first as popular items, filled up from the catalogue', async () => {
    await submitted();
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/popular-items?limit=3' });
    expect(r.statusCode).toBe(200);
    expect(r.json().items[0].code).toBe(ITEM.code);
    expect(r.json().items.map((i: { code: string }) => i.code)).toContain(VISIT_ITEM.code);
    expect(new Set(r.json().items.map((i: { code: string }) => i.code)).size).toBe(r.json().items.length);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/popular-items?limit=0' })).statusCode).toBe(400);
  });

  it('keeps the notification contact of the account', async () => {
    const t = h.env.token({ sub: randomUUID(), name: '王军' });
    expect((await get('/v1/me/contact', t)).json()).toEqual({ phone: null, email: null });
    const put = (payload: unknown) => h.svc.app.inject({ method: 'PUT', url: '/v1/me/contact', headers: auth(t), payload: payload as object });
    expect((await put({ phone: '13800000003', email: 'wangjun@example.cn' })).statusCode).toBe(200);
    expect((await get('/v1/me/contact', t)).json()).toEqual({ phone: '13800000003', email: 'wangjun@example.cn' });
    for (const bad of [{ phone: '1380000', email: null }, { phone: null, email: 'not-an-email' }, { phone: null }, { phone: null, email: null, fax: '1' }]) {
      const r = await put(bad);
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('bad input at upload and submission', () => {
  it('refuses an executable renamed to .pdf, an oversize file and a path-traversal file name', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(126, 0x90), Buffer.from('PE\0\0')]);
    const disguised = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=scan.pdf`, headers: { ...auth(), 'content-type': 'application/pdf' }, payload: exe });
    expect(disguised.statusCode).toBe(415);
    expect(disguised.json().code).toBe('material_type_not_allowed');
    const big = await upload(`itemCode=${ITEM.code}&materialCode=id-card&fileName=big.png`, Buffer.concat([PNG, Buffer.alloc(ITEM.materials[0]!.maxSizeBytes)]));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('material_too_large');
    for (const name of ['../../etc/passwd', '..\\..\\boot.ini', '/etc/shadow', 'a/../b.png', '..']) {
      const r = await upload(`itemCode=${ITEM.code}&materialCode=id-card&fileName=${encodeURIComponent(name)}`);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'file_name_invalid', title: '文件名不合法' });
    }
    expect((await upload(`materialCode=id-card&fileName=a.png`)).json().code).toBe('material_target_invalid');
    // Issue 21: a non-empty .txt (and .json) was reported as "上传的文件为空" (fastify parsed it as text);
    // it is a file of a type the item does not take, named as a citizen names types, with the limit.
    for (const [type, name, body] of [['text/plain', 'note.txt', '身份证号码见附件\n'], ['application/json', 'data.json', '{"a":1}']] as const) {
      const r = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=${name}`, headers: { ...auth(), 'content-type': type }, payload: Buffer.from(body) });
      expect(r.statusCode).toBe(415);
      expect(r.json()).toMatchObject({ code: 'material_type_not_allowed', detail: '请上传图片（PNG）、PDF格式的文件，不超过 4 KB' });
    }
    const empty = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=empty.txt`, headers: { ...auth(), 'content-type': 'text/plain' }, payload: Buffer.alloc(0) });
    expect(empty.json().code).toBe('material_empty');
    expect((await upload(`applicationId=${randomUUID()}&materialCode=id-card&fileName=a.png`)).statusCode).toBe(404);
  });

  it('refuses a submission for a retired item version, and answers a missing required field per field', async () => {
    const m = await uploadFor(RETIRING.code);
    await h.publishOutbound('catalog.item.published', { ...RETIRING, status: 'retired', retiredAt: new Date().toISOString() });
    await waitFor(async () => (await get(`/v1/items/${RETIRING.code}`)).json().status === 'retired');
    const r = await post('/v1/applications', { itemCode: RETIRING.code, form: FORM, materials: [{ materialCode: 'id-card', materialId: m }] }, token, { 'idempotency-key': `k-${randomUUID()}` });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'item_not_found' });
    const missing = await post('/v1/applications', { itemCode: ITEM.code, form: { name: '周梦婕' }, materials: [] }, token, { 'idempotency-key': `k-${randomUUID()}` });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([expect.objectContaining({ field: '/phone', message: '联系电话为必填项' })]);
  });
});
