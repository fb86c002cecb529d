import { DEMO_COMPANY, DEMO_CONSENT } from '../src/seed.js';
import { startIdentity, DEMO_PASSWORD, type Harness } from './helpers.js';

let pub: Harness;
beforeAll(async () => { pub = await startIdentity('public', { SEED_DEMO: 'true', RESET_RATE_PER_IP: '1000' }); }, 60_000);
afterAll(async () => { await pub?.close(); }, 30_000);

const tokenOf = async (username: string, password = DEMO_PASSWORD) => (await pub.login(username, password)).json().accessToken as string;
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: object) =>
  pub.svc.app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
const register = (over: Record<string, unknown> = {}) => call('POST', '/v1/accounts', undefined, {
  username: `u${Math.random().toString(36).slice(2, 10)}`, password: 'Good#Pass1', name: '测试人', idNumber: '110105198001010016', phone: '13900000000', ...over,
});
const sub = async (username: string) => (await pub.svc.ctx.prisma.account.findFirstOrThrow({ where: { username } })).id;

describe('public realm registration', () => {
  it('registers a natural person, storing the ID number only as a keyed hash and ciphertext', async () => {
    const r = await register({ username: 'newcomer', idNumber: '11010519491231002x' });
    expect(r.statusCode).toBe(201);
    const row = await pub.svc.ctx.prisma.account.findFirstOrThrow({ where: { username: 'newcomer' } });
    expect(row).toMatchObject({ kind: 'person', roles: ['applicant'], phone: '13900000000' });
    expect(JSON.stringify(row)).not.toContain('11010519491231002');
    expect(row.idNumberHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await pub.login('newcomer', 'Good#Pass1')).statusCode).toBe(200);
    // The same ID number, in either case of its X, cannot register twice.
    const again = await register({ idNumber: '11010519491231002X' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('id_number_registered');
    expect((await register({ username: 'newcomer', idNumber: '440301199002020028' })).json().code).toBe('username_taken');
  });

  it.each([
    ['a wrong check digit', { idNumber: '110105194912310021' }, 'id_number_invalid'],
    ['a malformed ID number', { idNumber: '1101051949123100' }, 'id_number_invalid'],
    ['an impossible birth date', { idNumber: '110105194902300026' }, 'id_number_invalid'],
    ['an overlong ID number', { idNumber: '1'.repeat(40) }, 'validation_failed'],
    ['an overlong name', { name: '张'.repeat(33) }, 'validation_failed'],
    ['an injection string as name', { name: "Robert'); DROP TABLE account;--" }, 'validation_failed'],
    ['an injection string as username', { username: "admin' OR '1'='1" }, 'validation_failed'],
    ['markup as name', { name: '<script>alert(1)</script>' }, 'validation_failed'],
    ['a malformed phone', { phone: '12345' }, 'validation_failed'],
    ['an unknown property', { roles: ['sys_admin'] }, 'validation_failed'],
    ['a weak password', { password: 'password' }, 'password_too_weak'],
  ])('should refuse registration with %s (400)', async (_what, over, code) => {
    const r = await register(over);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().code).toBe(code);
  });

  it('should refuse a legal person with a wrong credit-code check character, or a malformed or overlong one', async () => {
    const t = await tokenOf('zhoumengjie');
    for (const [creditCode, code] of [['91350100M000100Y44', 'credit_code_invalid'], ['91350100M000100YI3', 'credit_code_invalid'], ['9'.repeat(40), 'validation_failed']]) {
      const r = await call('POST', '/v1/legal-persons', t, { creditCode, name: '测试公司' });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe(code);
    }
    const ok = await call('POST', '/v1/legal-persons', t, { creditCode: '91350100m000100y43', name: '测试公司' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().creditCode).toBe('91350100M000100Y43');
    expect((await call('POST', '/v1/legal-persons', await tokenOf('lisi'), { creditCode: '91350100M000100Y43', name: '冒名公司' })).json().code).toBe('credit_code_registered');
  });
});

describe('public realm access', () => {
  const company = async () => (await pub.svc.ctx.prisma.legalPerson.findFirstOrThrow({ where: { creditCode: DEMO_COMPANY.creditCode } })).id;

  it('should let only the legal representative grant and revoke handlers', async () => {
    const lp = await company();
    const handler = await tokenOf(DEMO_COMPANY.handler);
    // The handler (and anyone else) cannot grant authority or even list the handlers.
    expect((await call('POST', `/v1/legal-persons/${lp}/handlers`, handler, { username: 'lisi' })).statusCode).toBe(404);
    expect((await call('GET', `/v1/legal-persons/${lp}/handlers`, await tokenOf('lisi'))).statusCode).toBe(404);
    const rep = await tokenOf(DEMO_COMPANY.legalRep);
    const list = await call('GET', `/v1/legal-persons/${lp}/handlers`, rep);
    expect(list.json().items.map((i: { username: string }) => i.username)).toEqual([DEMO_COMPANY.handler]);
  });

  it('should stop answering a handler\'s representation the moment the grant is revoked', async () => {
    const lp = await company();
    const handlerId = await sub(DEMO_COMPANY.handler);
    const handler = await tokenOf(DEMO_COMPANY.handler);
    expect((await call('GET', `/v1/representations/${lp}`, handler)).json()).toMatchObject({ partyId: lp, relation: 'handler', partyKind: 'legal_person' });
    const rep = await tokenOf(DEMO_COMPANY.legalRep);
    expect((await call('DELETE', `/v1/legal-persons/${lp}/handlers/${handlerId}`, rep)).statusCode).toBe(204);
    const after = await call('GET', `/v1/representations/${lp}`, handler);
    expect(after.statusCode).toBe(404);
    expect(after.json().code).toBe('not_represented');
    expect((await call('DELETE', `/v1/legal-persons/${lp}/handlers/${handlerId}`, rep)).statusCode).toBe(404);
    expect(await pub.svc.ctx.prisma.auditEntry.count({ where: { action: 'handler.revoked', target: lp } })).toBe(1);
    // Granted again for the other tests.
    expect((await call('POST', `/v1/legal-persons/${lp}/handlers`, rep, { username: DEMO_COMPANY.handler })).statusCode).toBe(201);
    expect((await call('GET', `/v1/representations/${lp}`, handler)).statusCode).toBe(200);
  });

  it('should let an agent represent only citizens who consented, until they withdraw', async () => {
    const agent = await tokenOf(DEMO_CONSENT.agent);
    const lisi = await sub(DEMO_CONSENT.citizen);
    const zhou = await sub('zhoumengjie');
    expect((await call('GET', `/v1/representations/${lisi}`, agent)).json()).toMatchObject({ relation: 'agent', partyKind: 'person', partyName: '李四' });
    expect((await call('GET', `/v1/representations/${zhou}`, agent)).statusCode).toBe(404);

    const zhouToken = await tokenOf('zhoumengjie');
    // Consent only to agents: a citizen account cannot be made an "agent".
    expect((await call('POST', '/v1/consents', zhouToken, { agentUsername: 'lisi' })).json().code).toBe('agent_not_found');
    const given = await call('POST', '/v1/consents', zhouToken, { agentUsername: DEMO_CONSENT.agent, days: 7 });
    expect(given.statusCode).toBe(201);
    expect((await call('GET', `/v1/representations/${zhou}`, agent)).statusCode).toBe(200);
    // Someone else cannot withdraw it; the citizen can.
    expect((await call('DELETE', `/v1/consents/${given.json().consentId}`, await tokenOf('lisi'))).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/consents/${given.json().consentId}`, zhouToken)).statusCode).toBe(204);
    expect((await call('GET', `/v1/representations/${zhou}`, agent)).statusCode).toBe(404);
  });

  it('does not silently shorten a consent when the citizen authorises the same agent again (issue 21)', async () => {
    const username = `c${Math.random().toString(36).slice(2, 10)}`;
    expect((await register({ username, idNumber: '110105198803070010' })).statusCode).toBe(201);
    const citizen = await tokenOf(username, 'Good#Pass1');
    const days = (iso: string) => Math.round((Date.parse(iso) - Date.now()) / 86_400_000);
    const year = await call('POST', '/v1/consents', citizen, { agentUsername: DEMO_CONSENT.agent, days: 365 });
    expect(days(year.json().expiresAt)).toBe(365);
    // Authorised again without a period (the default is 90 days): the year in force is kept.
    const again = await call('POST', '/v1/consents', citizen, { agentUsername: DEMO_CONSENT.agent });
    expect(again.statusCode).toBe(201);
    expect(days(again.json().expiresAt)).toBe(365);
    // A period the citizen chose holds, shorter or not; one consent stays active.
    const month = await call('POST', '/v1/consents', citizen, { agentUsername: DEMO_CONSENT.agent, days: 30 });
    expect(days(month.json().expiresAt)).toBe(30);
    const listed = (await call('GET', '/v1/consents', citizen)).json().items;
    expect(listed).toHaveLength(1);
    expect(days(listed[0].expiresAt)).toBe(30);
    // A new consent without a period gets the default.
    expect((await call('DELETE', `/v1/consents/${month.json().consentId}`, citizen)).statusCode).toBe(204);
    expect(days((await call('POST', '/v1/consents', citizen, { agentUsername: DEMO_CONSENT.agent })).json().expiresAt)).toBe(90);
  });

  it('should not let an expired consent represent anyone', async () => {
    const agent = await tokenOf(DEMO_CONSENT.agent);
    const lisi = await sub(DEMO_CONSENT.citizen);
    await pub.svc.ctx.prisma.agentConsent.updateMany({ where: { citizenId: lisi, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call('GET', `/v1/representations/${lisi}`, agent)).statusCode).toBe(404);
    await pub.svc.ctx.prisma.agentConsent.updateMany({ where: { citizenId: lisi, revokedAt: null }, data: { expiresAt: new Date(Date.now() + 86_400_000) } });
  });

  it('should not give a public-realm caller any staff administration', async () => {
    const t = await tokenOf('zhoumengjie');
    expect((await call('GET', '/v1/admin/staff', t)).statusCode).toBe(404);
    expect((await call('POST', '/v1/admin/keys/rotate', t)).statusCode).toBe(404);
  });
});
