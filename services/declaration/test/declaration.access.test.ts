import { randomUUID } from 'node:crypto';
import { generateSigningKey, createTokenSigner } from '@hall/auth';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startDeclaration();
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

describe('declaration access', () => {
  it('should not show an application to another applicant', async () => {
    const owner = h.env.token({ sub: randomUUID(), name: '周梦婕' });
    const other = h.env.token({ sub: randomUUID(), name: '李四' });
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { authorization: `Bearer ${owner}`, 'content-type': 'image/png' }, payload: PNG });
    const r = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${owner}`, 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] } });
    const id = r.json().applicationId;
    expect((await h.svc.app.inject({ method: 'GET', url: `/v1/applications/${id}`, headers: { authorization: `Bearer ${owner}` } })).statusCode).toBe(200);
    const peek = await h.svc.app.inject({ method: 'GET', url: `/v1/applications/${id}`, headers: { authorization: `Bearer ${other}` } });
    expect(peek.statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: `Bearer ${other}` } })).json().total).toBe(0);
  });

  it('should not let an applicant attach another applicant\'s material', async () => {
    const owner = h.env.token({ sub: randomUUID(), name: '甲' });
    const thief = h.env.token({ sub: randomUUID(), name: '乙' });
    const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { authorization: `Bearer ${owner}`, 'content-type': 'image/png' }, payload: PNG });
    const r = await h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${thief}`, 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: ITEM.code, form: { name: '乙乙', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('material_not_found');
  });

  it('should refuse requests without a token, with a staff (extranet) token, or with a token from a foreign key', async () => {
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/applications' })).statusCode).toBe(401);
    const k = generateSigningKey('EdDSA');
    const extranet = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: 'hall-identity-extranet', audience: 'hall-extranet' }).sign({ sub: 'x', realm: 'staff', name: '职员', roles: ['staff'] });
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: `Bearer ${extranet}` } })).statusCode).toBe(401);
    const forged = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, issuer: 'hall-identity-internet', audience: 'hall-internet' }).sign({ sub: 'x', realm: 'public', name: '伪造', roles: [] });
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: `Bearer ${forged}` } })).statusCode).toBe(401);
  });
});
