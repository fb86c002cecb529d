import { randomUUID, createHash } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

let h: Harness;
let token: string;
const accountId = randomUUID();

beforeAll(async () => {
  h = await startDeclaration({ UPLOAD_MAX_BYTES: '8192' });
  token = h.env.token({ sub: accountId, name: '周梦婕', roles: ['applicant'] });
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const upload = (body: Buffer, contentType = 'image/png', materialCode = 'id-card') =>
  h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=${materialCode}&fileName=${encodeURIComponent('身份证.png')}`, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: body });
const submit = (body: unknown, key: string | undefined, t = token) =>
  h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${t}`, ...(key ? { 'idempotency-key': key } : {}) }, payload: body as object });

describe('declaration', () => {
  it('serves the portal page with the full helmet headers (CSP for scripts) and JSON with the API set', async () => {
    const page = await h.svc.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    // A reload revalidates: the 304 must not carry a CSP, since the browser would merge it into the cached page.
    const again = await h.svc.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.headers['content-security-policy']).toBeUndefined();
    expect(again.headers['x-content-type-options']).toBe('nosniff');
    const json = await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` });
    expect(json.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'self'");
    expect(json.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the replica of published items with pagination', async () => {
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/items?page=1&pageSize=10' });
    expect(r.json()).toMatchObject({ total: 1, page: 1, pageSize: 10, items: [{ code: ITEM.code, name: '测试事项' }] });
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/items?pageSize=1000' })).statusCode).toBe(400);
  });

  it('stores an upload in the object store with its SHA-256 and refuses a disguised file', async () => {
    const ok = await upload(PNG);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().sha256).toBe(createHash('sha256').update(PNG).digest('hex'));
    const row = await h.svc.ctx.prisma.material.findUnique({ where: { id: ok.json().materialId } });
    expect(row!.objectKey.startsWith(`materials/${accountId}/`)).toBe(true);
    expect((await h.svc.ctx.store!.stat(row!.objectKey))?.size).toBe(PNG.length);

    const fake = await upload(Buffer.from('this is plain text, not an image'), 'image/png');
    expect(fake.statusCode).toBe(415);
    expect(fake.json()).toMatchObject({ code: 'material_type_not_allowed', title: '文件类型不符合要求' });
    expect((await upload(PNG, 'image/png', 'no-such-material')).json().code).toBe('material_unknown');
    const tooBig = await upload(Buffer.concat([PNG, Buffer.alloc(5000)]));
    expect(tooBig.statusCode).toBe(413);
  });

  it('submits once per Idempotency-Key: same body replays, different body is refused, concurrent retries make one application', async () => {
    const m = (await upload(PNG)).json();
    const body = { itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: m.materialId }] };
    const key = `k-${randomUUID()}`;
    const results = await Promise.all([submit(body, key), submit(body, key), submit(body, key)]);
    const ids = new Set(results.filter((r) => r.statusCode === 202).map((r) => r.json().applicationId));
    expect(ids.size).toBe(1);
    for (const r of results) expect([202, 409]).toContain(r.statusCode);
    const replay = await submit(body, key);
    expect(replay.statusCode).toBe(202);
    expect(replay.json().applicationId).toBe([...ids][0]);
    expect(await h.svc.ctx.prisma.application.count({ where: { idempotencyKey: key } })).toBe(1);

    const changed = await submit({ ...body, form: { name: '周梦婕', phone: '13900000000' } }, key);
    expect(changed.statusCode).toBe(422);
    expect(changed.json().code).toBe('idempotency_key_reused');
    expect((await submit(body, undefined)).statusCode).toBe(400);
  });

  it('publishes the submission through the outbox with its attachment, id as Nats-Msg-Id', async () => {
    const m = (await upload(PNG)).json();
    const r = await submit({ itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000001' }, materials: [{ materialCode: 'id-card', materialId: m.materialId }] }, `k-${randomUUID()}`);
    const id = r.json().applicationId;
    const sent = await waitFor(async () => {
      const rows = await h.svc.ctx.prisma.$queryRawUnsafe<{ sent_at: Date | null; payload: any }[]>('SELECT sent_at, payload FROM outbox WHERE id = $1::uuid', id);
      return rows[0]?.sent_at ? rows[0] : null;
    });
    expect(sent.payload.attachments[0]).toMatchObject({ sha256: m.sha256, size: PNG.length, contentType: 'image/png' });
    const creds = h.env.nats.users['provisioner']!;
    const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 't', logger: createLogger({ service: 't', level: 'silent' }) });
    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage('IN', { last_by_subj: 'hall.in.application.submitted' });
    expect(msg?.header?.get('Nats-Msg-Id')).toBe(id);
    await nc.close();
  });

  it('reports each invalid form field with its Chinese label, and missing required materials', async () => {
    const bad = await submit({ itemCode: ITEM.code, form: { name: '周', phone: '12345' }, materials: [] }, `k-${randomUUID()}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().code).toBe('form_invalid');
    expect(bad.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/phone', message: '联系电话格式不正确' }), expect.objectContaining({ field: '/name', message: '姓名长度过短' })]));
    const noMaterial = await submit({ itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [] }, `k-${randomUUID()}`);
    expect(noMaterial.json()).toMatchObject({ code: 'materials_missing', missing: [{ code: 'id-card', name: '身份证' }] });
  });

  it('answers malformed JSON, unknown properties, wrong types and oversize bodies with 4xx problem+json', async () => {
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': `k-${randomUUID()}`, 'content-type': 'application/json' };
    const cases = [
      { payload: '{"itemCode": ', status: 400 },
      { payload: JSON.stringify({ itemCode: ITEM.code, form: {}, materials: [], extra: 1 }), status: 400 },
      { payload: JSON.stringify({ itemCode: 42, form: {}, materials: [] }), status: 400 },
      { payload: JSON.stringify({ itemCode: ITEM.code, form: { pad: 'x'.repeat(2 * 1024 * 1024) }, materials: [] }), status: 413 },
    ];
    for (const c of cases) {
      const r = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers, payload: c.payload });
      expect(r.statusCode).toBe(c.status);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(typeof r.json().code).toBe('string');
    }
  });

  it('builds the timeline from outbound status messages, once each, never moving backwards', async () => {
    const m = (await upload(PNG)).json();
    const id = (await submit({ itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000002' }, materials: [{ materialCode: 'id-card', materialId: m.materialId }] }, `k-${randomUUID()}`)).json().applicationId;
    const at = () => new Date().toISOString();
    const accepted = randomUUID();
    await h.publishOutbound('case.status.changed', { applicationId: id, caseNumber: 'GY-WJW-20261126-000001', status: 'completed', certificateId: '1.2.156.3005.2.X', at: at() });
    await h.publishOutbound('case.status.changed', { applicationId: id, caseNumber: 'GY-WJW-20261126-000001', status: 'accepted', at: at() }, accepted);
    await h.publishOutbound('case.status.changed', { applicationId: id, caseNumber: 'GY-WJW-20261126-000001', status: 'accepted', at: at() }, accepted);
    const view = await waitFor(async () => {
      const r = (await h.svc.app.inject({ method: 'GET', url: `/v1/applications/${id}`, headers: { authorization: `Bearer ${token}` } })).json();
      return r.timeline?.length === 3 ? r : null;
    });
    expect(view.status).toBe('completed');
    expect(view.statusText).toBe('已办结');
    expect(view.timeline.filter((t: { status: string }) => t.status === 'accepted')).toHaveLength(1);
  });
});
