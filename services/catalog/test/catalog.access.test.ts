import { randomUUID } from 'node:crypto';
import { createTokenSigner, generateSigningKey } from '@hall/auth';
import { TEST_AUDIENCE, TEST_ISSUER } from '@hall/testkit/service-env';
import { startCatalog, itemRepository, seedCertificateDefinitions, BIRTH_REGISTRATION, type Harness } from './helpers.js';

const CODE = 'T-ACCESS-001';
let h: Harness;
beforeAll(async () => {
  h = await startCatalog();
  await itemRepository(h.svc.ctx.prisma).ensureDraft({ ...BIRTH_REGISTRATION, code: CODE }, 'test');
  await seedCertificateDefinitions(h.svc.ctx.prisma); // its 生育服务证 must be issuable by 卫健委 to publish
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const publish = (token?: string) =>
  h.svc.app.inject({ method: 'POST', url: `/v1/items/${CODE}/versions/1/publish`, headers: token ? { authorization: `Bearer ${token}` } : {} });
/** A refused publication leaves no trace: still a draft, nothing in the outbox, no audit line. */
async function expectUnpublished() {
  expect((await h.svc.ctx.prisma.item.findUniqueOrThrow({ where: { code_version: { code: CODE, version: 1 } } })).status).toBe('draft');
  expect(await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>('SELECT id FROM outbox WHERE correlation_id = $1', `${CODE}@1`)).toHaveLength(0);
  expect(await h.svc.ctx.prisma.auditEntry.count({ where: { action: 'item.published', target: `${CODE}@1` } })).toBe(0);
}

describe('catalog access', () => {
  it('should not publish without a token', async () => {
    const r = await publish();
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().code).toBe('unauthenticated');
    await expectUnpublished();
  });

  it('should not publish for staff without the catalog_admin role', async () => {
    const clerk = h.env.token({ sub: randomUUID(), name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance', 'approval'] });
    const r = await publish(clerk);
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().code).toBe('forbidden');
    await expectUnpublished();
  });

  it('should not publish for a public-realm token, even one claiming catalog_admin', async () => {
    const citizen = h.env.token({ sub: randomUUID(), realm: 'public', name: '周梦婕', roles: ['applicant', 'catalog_admin'] });
    const r = await publish(citizen);
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('forbidden');
    await expectUnpublished();
  });

  it('should not accept a token from the internet zone or from a foreign key', async () => {
    const k = generateSigningKey('EdDSA');
    const claims = { sub: randomUUID(), realm: 'staff' as const, name: '伪造', roles: ['staff', 'catalog_admin'] };
    const internet = createTokenSigner({ ...k, issuer: TEST_ISSUER.internet, audience: TEST_AUDIENCE.internet }).sign(claims);
    const forged = createTokenSigner({ ...k, issuer: TEST_ISSUER.extranet, audience: TEST_AUDIENCE.extranet }).sign(claims);
    for (const t of [internet, forged]) expect((await publish(t)).statusCode).toBe(401);
    await expectUnpublished();
  });

  it('should not list or show items to anyone but staff', async () => {
    const citizen = h.env.token({ sub: randomUUID(), realm: 'public', name: '周梦婕', roles: ['applicant'] });
    for (const url of ['/v1/items', `/v1/items/${CODE}/versions/1`]) {
      expect((await h.svc.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect((await h.svc.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${citizen}` } })).statusCode).toBe(403);
    }
  });

  it('should publish for staff holding catalog_admin', async () => {
    const sub = randomUUID();
    const admin = h.env.token({ sub, name: '目录管理员', roles: ['staff', 'catalog_admin'] });
    const r = await publish(admin);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ result: 'published' });
    expect(await h.svc.ctx.prisma.auditEntry.findFirst({ where: { action: 'item.published', target: `${CODE}@1` } })).toMatchObject({ actor: sub });
  });
});

describe('catalog for data-exchange clients', () => {
  it('should list only published items to a client with catalog:read, and refuse other clients and drafts', async () => {
    const client = (scopes: string[]) => ({ authorization: `Bearer ${h.env.token({ sub: 'client-x', realm: 'client', name: '外部系统', roles: [], scopes })}` });
    const ok = await h.svc.app.inject({ method: 'GET', url: '/v1/items', headers: client(['catalog:read']) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items.every((i: { status: string }) => i.status === 'published')).toBe(true);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/items?status=draft', headers: client(['catalog:read']) })).statusCode).toBe(403);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/items', headers: client(['case:status']) })).statusCode).toBe(403);
  });
});
