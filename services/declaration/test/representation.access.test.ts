/**
 * Acting on someone's behalf (X-On-Behalf-Of) against the real public identity service: a handler
 * for a legal person, an agent for a consenting citizen; revocation takes effect at once.
 */
import { randomUUID } from 'node:crypto';
import { TEST_AUDIENCE, TEST_ISSUER } from '@hall/testkit/service-env';
import { DEMO_COMPANY, DEMO_CONSENT } from '../../identity/src/seed.js';
import { startIdentity, DEMO_PASSWORD, type Harness as IdentityHarness } from '../../identity/test/helpers.js';
import { startDeclaration, ITEM, PNG, waitFor, type Harness } from './helpers.js';

let id: IdentityHarness;
let h: Harness;
beforeAll(async () => {
  id = await startIdentity('public', { SEED_DEMO: 'true' });
  h = await startDeclaration({ AUTH_JWKS_URL: `${id.svc.url}/.well-known/jwks.json`, IDENTITY_URL: id.svc.url, AUTH_ISSUER: TEST_ISSUER.internet, AUTH_AUDIENCE: TEST_AUDIENCE.internet });
  await h.publishOutbound('catalog.item.published', ITEM);
  await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
}, 90_000);
afterAll(async () => { await h?.close(); await id?.close(); }, 30_000);

const login = async (username: string) => (await id.login(username, DEMO_PASSWORD)).json().accessToken as string;
const accountId = async (username: string) => (await id.svc.ctx.prisma.account.findFirstOrThrow({ where: { username } })).id;
const headers = (token: string, onBehalfOf?: string) => ({ authorization: `Bearer ${token}`, ...(onBehalfOf ? { 'x-on-behalf-of': onBehalfOf } : {}) });

async function submit(token: string, onBehalfOf?: string) {
  const up = await h.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${ITEM.code}&materialCode=id-card&fileName=a.png`, headers: { ...headers(token, onBehalfOf), 'content-type': 'image/png' }, payload: PNG });
  if (up.statusCode !== 201) return up;
  return h.svc.app.inject({
    method: 'POST', url: '/v1/applications', headers: { ...headers(token, onBehalfOf), 'idempotency-key': `k-${randomUUID()}` },
    payload: { itemCode: ITEM.code, form: { name: '申请人', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId: up.json().materialId }] },
  });
}
const read = (token: string, appId: string, onBehalfOf?: string) => h.svc.app.inject({ method: 'GET', url: `/v1/applications/${appId}`, headers: headers(token, onBehalfOf) });
const list = (token: string, onBehalfOf?: string) => h.svc.app.inject({ method: 'GET', url: '/v1/applications', headers: headers(token, onBehalfOf) });

describe('declaration on behalf of others', () => {
  it('lets a handler submit and read a company\'s applications, and not a moment after the grant is revoked', async () => {
    const company = (await id.svc.ctx.prisma.legalPerson.findFirstOrThrow({ where: { creditCode: DEMO_COMPANY.creditCode } })).id;
    const rep = await login(DEMO_COMPANY.legalRep);
    const handler = await login(DEMO_COMPANY.handler);

    const byHandler = await submit(handler, company);
    expect(byHandler.statusCode).toBe(202);
    const appId = byHandler.json().applicationId;
    // The company owns it: its legal representative sees it, and so does the handler acting for it.
    expect((await read(rep, appId, company)).statusCode).toBe(200);
    expect((await read(handler, appId, company)).statusCode).toBe(200);
    expect((await list(handler, company)).json().total).toBe(1);
    // Not as the handler's own application.
    expect((await read(handler, appId)).statusCode).toBe(404);

    const handlerId = await accountId(DEMO_COMPANY.handler);
    // The application records who actually submitted it, and in which capacity.
    expect(await h.svc.ctx.prisma.application.findUnique({ where: { id: appId }, select: { accountId: true, submittedBy: true, submittedAs: true } })).toEqual({ accountId: company, submittedBy: handlerId, submittedAs: 'handler' });
    expect((await id.svc.app.inject({ method: 'DELETE', url: `/v1/legal-persons/${company}/handlers/${handlerId}`, headers: headers(rep) })).statusCode).toBe(204);
    // Same (still unexpired) access token, the very next request: refused.
    const after = await read(handler, appId, company);
    expect(after.statusCode).toBe(403);
    expect(after.json().code).toBe('not_represented');
    expect((await list(handler, company)).statusCode).toBe(403);
    expect((await submit(handler, company)).statusCode).toBe(403);
    expect((await read(rep, appId, company)).statusCode).toBe(200);
  });

  it('shows a company\'s payment orders (网上缴费) to whoever acts for it, and to nobody on their own account', async () => {
    const company = (await id.svc.ctx.prisma.legalPerson.findFirstOrThrow({ where: { creditCode: DEMO_COMPANY.creditCode } })).id;
    const rep = await login(DEMO_COMPANY.legalRep);
    const filed = await submit(rep, company);
    expect(filed.statusCode).toBe(202);
    // The order approval's payment.ordered creates, for the company's application (payments.ts).
    const orderId = randomUUID();
    await h.svc.ctx.prisma.paymentOrder.create({ data: {
      id: orderId, applicationId: filed.json().applicationId, accountId: company, caseNumber: 'GY-SCJ-PAY-0001', itemCode: ITEM.code, itemName: '测试事项',
      department: 'gy-scj', departmentName: '涡阳县市场监管局', lines: [{ code: 'fee', name: '工本费', amountFen: 1000 }], amountFen: 1000, orderedAt: new Date(),
    } });
    const payments = (token: string, onBehalfOf?: string) => h.svc.app.inject({ method: 'GET', url: '/v1/payments', headers: headers(token, onBehalfOf) });
    const one = (token: string, onBehalfOf?: string) => h.svc.app.inject({ method: 'GET', url: `/v1/payments/${orderId}`, headers: headers(token, onBehalfOf) });
    // Acting for the company: listed and readable.
    const listed = await payments(rep, company);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.map((o: { orderId: string }) => o.orderId)).toContain(orderId);
    expect((await one(rep, company)).statusCode).toBe(200);
    // On the representative's own account it is not theirs.
    const own = await payments(rep);
    expect(own.statusCode).toBe(200);
    expect(own.json().items.map((o: { orderId: string }) => o.orderId)).not.toContain(orderId);
    expect((await one(rep)).statusCode).toBe(404);
    // Someone who does not represent the company is refused.
    const other = await login('zhoumengjie');
    expect((await payments(other, company)).statusCode).toBe(403);
    expect((await one(other, company)).statusCode).toBe(403);
    expect((await h.svc.app.inject({ method: 'POST', url: `/v1/payments/${orderId}/pay`, headers: headers(other, company) })).statusCode).toBe(403);
  });

  it('lets an agent act only for a citizen who consented', async () => {
    const agent = await login(DEMO_CONSENT.agent);
    const lisi = await accountId(DEMO_CONSENT.citizen);
    const zhou = await accountId('zhoumengjie');
    const forLisi = await submit(agent, lisi);
    expect(forLisi.statusCode).toBe(202);
    expect(await h.svc.ctx.prisma.application.findUnique({ where: { id: forLisi.json().applicationId }, select: { accountId: true, submittedBy: true, submittedAs: true } })).toEqual({ accountId: lisi, submittedBy: await accountId(DEMO_CONSENT.agent), submittedAs: 'agent' });
    // The citizen sees it as their own, marked as filed by the agent.
    const lisiToken = await login('lisi');
    const seen = await read(lisiToken, forLisi.json().applicationId);
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toMatchObject({ submittedAs: 'agent', submittedByName: '刘代办' });
    expect((await list(lisiToken)).json().items.find((a: { applicationId: string }) => a.applicationId === forLisi.json().applicationId)).toMatchObject({ submittedAs: 'agent' });
    // The agent tracks it for the citizen.
    expect((await read(agent, forLisi.json().applicationId, lisi)).json().timeline[0].status).toBe('submitted');
    // Without consent: refused, for submitting and for reading.
    expect((await submit(agent, zhou)).statusCode).toBe(403);
    expect((await list(agent, zhou)).statusCode).toBe(403);
    // Nor can an ordinary applicant act for someone else.
    expect((await list(await login('zhoumengjie'), lisi)).statusCode).toBe(403);

    // The citizen withdraws the consent: the agent is refused from the next request on; the application stays the citizen's.
    const consents = (await id.svc.app.inject({ method: 'GET', url: '/v1/consents', headers: headers(lisiToken) })).json().items;
    for (const c of consents) expect((await id.svc.app.inject({ method: 'DELETE', url: `/v1/consents/${c.id}`, headers: headers(lisiToken) })).statusCode).toBe(204);
    expect((await read(agent, forLisi.json().applicationId, lisi)).statusCode).toBe(403);
    expect((await submit(agent, lisi)).statusCode).toBe(403);
    expect((await read(lisiToken, forLisi.json().applicationId)).statusCode).toBe(200);
  });

  it('should not let an applicant read another applicant\'s application by id', async () => {
    const mine = await submit(await login('zhoumengjie'));
    expect(mine.statusCode).toBe(202);
    expect((await read(await login('wangjun'), mine.json().applicationId)).statusCode).toBe(404);
  });

  it('refuses a malformed X-On-Behalf-Of with 400', async () => {
    const r = await list(await login('zhoumengjie'), "1' OR '1'='1");
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('on_behalf_of_invalid');
  });
});
