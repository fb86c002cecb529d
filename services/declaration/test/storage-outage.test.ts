/**
 * An upload while the object store is down answers 503 storage_unavailable with Retry-After (the
 * portal says 请稍后再试), records no material, and works again once the store is back.
 */
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';
import { randomUUID } from 'node:crypto';

let h: Harness;
let token: string;
const accountId = randomUUID();

beforeAll(async () => {
  h = await startDeclaration({}, { own: true }); // this test stops the server
  token = h.env.token({ sub: accountId, name: '周梦婕', roles: ['applicant'] });
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const upload = () => h.svc.app.inject({
  method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=${encodeURIComponent('身份证.png')}`,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, payload: PNG,
});

it('answers 503 storage_unavailable while the store is down, stores nothing, and recovers', async () => {
  expect((await upload()).statusCode).toBe(201);
  const before = await h.svc.ctx.prisma.material.count({ where: { accountId } });
  const s3 = h.env.s3!;
  await s3.kill();
  try {
    const down = await upload();
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('2');
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.json()).toMatchObject({ code: 'storage_unavailable', title: '文件存储服务暂不可用，请稍后再试' });
    expect(await h.svc.ctx.prisma.material.count({ where: { accountId } })).toBe(before);
  } finally {
    await s3.restart();
  }
  // The breaker may have opened; it half-opens and probes by itself, then uploads work again.
  await waitFor(async () => (await upload()).statusCode === 201, 30_000);
  expect(await h.svc.ctx.prisma.material.count({ where: { accountId } })).toBe(before + 1);
}, 60_000);
