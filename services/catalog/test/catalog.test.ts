import { randomUUID } from 'node:crypto';
import { definition } from '../src/app.js';
import { startCatalog, waitFor, itemRepository, BIRTH_REGISTRATION, PUBLISHED_SUBJECT, type Harness } from './helpers.js';

const CODE = BIRTH_REGISTRATION.code;
const TYPE = 'catalog.item.published';

let h: Harness;
let admin: string, adminSub: string, clerk: string;
beforeAll(async () => {
  h = await startCatalog({ SEED_DEMO: 'true' });
  adminSub = randomUUID();
  admin = h.env.token({ sub: adminSub, name: '目录管理员', roles: ['staff', 'catalog_admin'], department: 'gy-wjw' });
  clerk = h.env.token({ sub: randomUUID(), name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'] });
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const get = (url: string, token = clerk) => h.svc.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const publish = (code: string, version: number, token = admin) =>
  h.svc.app.inject({ method: 'POST', url: `/v1/items/${code}/versions/${version}/publish`, headers: { authorization: `Bearer ${token}` } });
/** Waits until the outbox row for this item version is sent; returns it. */
const sentRow = (correlationId: string) =>
  waitFor(async () => (await h.outbox(TYPE)).find((r) => r.correlation_id === correlationId && r.sent_at));

describe('catalog', () => {
  it('seeds the 生育登记 item and publishes it through the outbox onto the extranet OUT stream', async () => {
    const item = await h.svc.ctx.prisma.item.findUniqueOrThrow({ where: { code_version: { code: CODE, version: 1 } } });
    expect(item).toMatchObject({ name: '生育登记（生育服务证办理）', department: 'gy-wjw', status: 'published' });
    expect(item.publishedAt).toBeInstanceOf(Date);

    const row = await sentRow(`${CODE}@1`);
    expect(row.subject).toBe(PUBLISHED_SUBJECT);
    expect(row.payload).toMatchObject({ id: row.id, type: TYPE, zone: 'extranet', payload: { code: CODE, version: 1, department: 'gy-wjw', promisedDays: 5, publishedAt: item.publishedAt!.toISOString() } });

    const msg = await h.outById(row.id);
    expect(msg).not.toBeNull();
    expect(msg!.subject).toBe(PUBLISHED_SUBJECT);
    expect(msg!.headers['Nats-Msg-Id']).toBe(row.id);
    expect(msg!.headers['Hall-Type']).toBe(TYPE);
    expect(msg!.data).toEqual(row.payload);
    expect(msg!.data.payload.formSchema.required).toContain('marriageDate');
  });

  it('answers "already" for a published version and emits nothing new', async () => {
    await sentRow(`${CODE}@1`);
    const streamBefore = await h.outCount();
    const r = await publish(CODE, 1);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ result: 'already' });
    // Seeding again is a no-op too.
    await definition.seed!(h.svc.ctx);
    await h.svc.ctx.outbox.flushOnce();
    expect((await h.outbox(TYPE)).filter((x) => x.correlation_id === `${CODE}@1`)).toHaveLength(1);
    expect(await h.outCount()).toBe(streamBefore);
    expect(await h.svc.ctx.prisma.item.count({ where: { code: CODE, version: 1 } })).toBe(1);
    expect(await h.svc.ctx.prisma.auditEntry.count({ where: { action: 'item.published', target: `${CODE}@1` } })).toBe(1);
  });

  it('audits the creation and the publication of the item', async () => {
    const entries = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: `${CODE}@1` }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => [e.action, e.actor])).toEqual([['item.created', 'seed'], ['item.published', 'seed']]);
  });

  it('lists items a page at a time with the total, newest version first within a code', async () => {
    const items = itemRepository(h.svc.ctx.prisma);
    for (const n of [1, 2, 3]) await items.ensureDraft({ ...BIRTH_REGISTRATION, code: `T-LIST-00${n}`, name: `测试事项${n}` }, 'test');
    const total = await h.svc.ctx.prisma.item.count();
    expect(total).toBeGreaterThanOrEqual(4);

    const first = await get('/v1/items?page=1&pageSize=2');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ total, page: 1, pageSize: 2 });
    expect(first.json().items).toHaveLength(2);
    const all = [];
    for (let page = 1; page <= Math.ceil(total / 2); page++) all.push(...(await get(`/v1/items?page=${page}&pageSize=2`)).json().items);
    expect(all).toHaveLength(total);
    const keys = all.map((i: { code: string; version: number }) => `${i.code}@${i.version}`);
    expect(new Set(keys).size).toBe(total);
    const sorted = [...all].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : b.version - a.version));
    expect(all).toEqual(sorted);

    const defaults = (await get('/v1/items')).json();
    expect(defaults).toMatchObject({ page: 1, pageSize: 20, total });
    const drafts = (await get('/v1/items?status=draft')).json();
    expect(drafts.total).toBe(await h.svc.ctx.prisma.item.count({ where: { status: 'draft' } }));
    expect(drafts.items.every((i: { status: string }) => i.status === 'draft')).toBe(true);
  });

  it('refuses a page size over 100, a page below 1 and an unknown status with 400 problem+json', async () => {
    for (const q of ['pageSize=101', 'page=0', 'status=deleted']) {
      const r = await get(`/v1/items?${q}`);
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().code).toBe('validation_failed');
    }
  });

  it('shows one version with its publication, and answers 404 problem+json for an unknown one', async () => {
    const ok = await get(`/v1/items/${CODE}/versions/1`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ code: CODE, version: 1, status: 'published', publication: { code: CODE, materials: expect.arrayContaining([expect.objectContaining({ code: 'marriage-certificate', required: true })]) } });
    for (const url of [`/v1/items/${CODE}/versions/99`, '/v1/items/NO-SUCH-ITEM/versions/1']) {
      const r = await get(url);
      expect(r.statusCode).toBe(404);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ code: 'item_not_found', title: '事项不存在' });
    }
    const unknownPublish = await publish('NO-SUCH-ITEM', 1);
    expect(unknownPublish.statusCode).toBe(404);
    expect(unknownPublish.json().code).toBe('item_not_found');
  });

  it('retires v1 when v2 is published, emits v2 and refuses to publish v1 again', async () => {
    await itemRepository(h.svc.ctx.prisma).ensureDraft({ ...BIRTH_REGISTRATION, version: 2, promisedDays: 3 }, 'test');
    expect((await get(`/v1/items/${CODE}/versions/2`)).json().status).toBe('draft');
    const before = await h.outCount();

    const r = await publish(CODE, 2);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ result: 'published' });
    const statuses = await h.svc.ctx.prisma.item.findMany({ where: { code: CODE }, orderBy: { version: 'asc' }, select: { version: true, status: true } });
    expect(statuses).toEqual([{ version: 1, status: 'retired' }, { version: 2, status: 'published' }]);

    const row = await sentRow(`${CODE}@2`);
    const msg = await waitFor(async () => { const m = await h.lastOut(PUBLISHED_SUBJECT); return m?.data.payload.version === 2 ? m : null; });
    expect(msg.headers['Nats-Msg-Id']).toBe(row.id);
    expect(msg.data.payload).toMatchObject({ code: CODE, version: 2, promisedDays: 3 });
    expect(await h.outCount()).toBe(before + 1);
    const audit = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: `${CODE}@2` }, orderBy: { id: 'asc' } });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['item.created', 'test'], ['item.published', adminSub]]);

    const again = await publish(CODE, 1);
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().code).toBe('item_retired');
    expect(await h.svc.ctx.prisma.item.findUniqueOrThrow({ where: { code_version: { code: CODE, version: 1 } } })).toMatchObject({ status: 'retired' });
  });
});
