import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createTokenSigner, generateSigningKey } from '@hall/auth';
import { TEST_AUDIENCE, TEST_ISSUER } from '@hall/testkit/service-env';
import { startIdentity, decodeJwt, DEMO_PASSWORD, type Harness } from './helpers.js';

let staff: Harness;
let pub: Harness;
beforeAll(async () => {
  [staff, pub] = await Promise.all([startIdentity('staff', { SEED_DEMO: 'true' }), startIdentity('public', { SEED_DEMO: 'true' })]);
}, 60_000);
afterAll(async () => { await Promise.all([staff?.close(), pub?.close()]); }, 30_000);

const tokenOf = async (h: Harness, username: string, password = DEMO_PASSWORD) => {
  const r = await h.login(username, password);
  expect(r.statusCode).toBe(200);
  return r.json().accessToken as string;
};

describe('identity access', () => {
  it('should not log a staff username in through the public realm', async () => {
    // The staff realm knows window01, so the refusal below is the realm boundary, not a typo.
    expect((await staff.login('window01', DEMO_PASSWORD)).statusCode).toBe(200);
    const r = await pub.login('window01', DEMO_PASSWORD);
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('invalid_credentials');
  });

  it('should not log a public username in through the staff realm', async () => {
    expect((await pub.login('zhoumengjie', DEMO_PASSWORD)).statusCode).toBe(200);
    const r = await staff.login('zhoumengjie', DEMO_PASSWORD);
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('invalid_credentials');
  });

  it('should not accept on /v1/me a token signed with the other realm\'s key', async () => {
    const staffToken = await tokenOf(staff, 'approver01');
    const publicToken = await tokenOf(pub, 'lisi');
    for (const [h, token] of [[pub, staffToken], [staff, publicToken]] as const) {
      const r = await h.me(token);
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().code).toBe('unauthenticated');
    }
    // A foreign key that claims this zone's issuer and audience, with or without the realm's kid.
    const lisi = await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { realm_username: { realm: 'public', username: 'lisi' } } });
    const k = generateSigningKey('EdDSA');
    const realKid = decodeJwt(publicToken).header.kid as string;
    for (const kid of [k.kid, realKid]) {
      const forged = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid, alg: 'EdDSA', issuer: TEST_ISSUER.internet, audience: TEST_AUDIENCE.internet })
        .sign({ sub: lisi.id, realm: 'public', name: '李四', roles: ['applicant'] });
      expect((await pub.me(forged)).statusCode).toBe(401);
    }
  });

  it('should not answer /v1/me without a token, with an expired one, or for a subject without an account', async () => {
    const none = await pub.me();
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');

    const key = JSON.parse(fs.readFileSync(pub.env.keyFile, 'utf8'));
    const lisi = await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { realm_username: { realm: 'public', username: 'lisi' } } });
    const expired = createTokenSigner({ ...key, issuer: TEST_ISSUER.internet, audience: TEST_AUDIENCE.internet, ttlSeconds: 60, now: () => Date.now() - 3_600_000 })
      .sign({ sub: lisi.id, realm: 'public', name: '李四', roles: ['applicant'] });
    expect((await pub.me(expired)).statusCode).toBe(401);

    // Correctly signed by the realm's key, but nobody has that id.
    expect((await pub.me(pub.env.token({ sub: randomUUID() }))).statusCode).toBe(401);
    expect((await pub.me(pub.env.token({ sub: lisi.id }))).statusCode).toBe(200);
  });

  it('should not issue a token to a disabled account, nor honour one issued before it was disabled', async () => {
    const id = await pub.addAccount('soon-disabled', 'Right#Pass1');
    const token = await tokenOf(pub, 'soon-disabled', 'Right#Pass1');
    expect((await pub.me(token)).statusCode).toBe(200);
    await pub.svc.ctx.prisma.account.update({ where: { id }, data: { disabled: true } });

    expect((await pub.me(token)).statusCode).toBe(401);
    const right = await pub.login('soon-disabled', 'Right#Pass1');
    expect(right.statusCode).toBe(403);
    expect(right.json().code).toBe('account_disabled');
    expect(right.json()).not.toHaveProperty('accessToken');
  });

  it('should not reveal that a disabled account exists to someone without its password', async () => {
    await pub.addAccount('disabled-probe', 'Right#Pass1', { disabled: true });
    const probe = await pub.login('disabled-probe', 'a-guess');
    const unknown = await pub.login('no-such-user', 'a-guess');
    expect(probe.statusCode).toBe(401);
    expect(probe.json()).toMatchObject({ code: unknown.json().code, title: unknown.json().title });
  });
});
