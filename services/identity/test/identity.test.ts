import fs from 'node:fs';
import { createPublicKey, verify } from 'node:crypto';
import { definition } from '../src/app.js';
import { demoAccounts } from '../src/seed.js';
import { startIdentity, decodeJwt, DEMO_PASSWORD, type Harness } from './helpers.js';

let staff: Harness;
let pub: Harness;
beforeAll(async () => {
  [staff, pub] = await Promise.all([
    startIdentity('staff', { SEED_DEMO: 'true', LOGIN_LOCK_THRESHOLD: '3' }),
    startIdentity('public', { SEED_DEMO: 'true', LOGIN_LOCK_THRESHOLD: '3' }),
  ]);
}, 60_000);
afterAll(async () => { await Promise.all([staff?.close(), pub?.close()]); }, 30_000);

const signingKey = (h: Harness) => JSON.parse(fs.readFileSync(h.env.keyFile, 'utf8')) as { kid: string; publicKeyPem: string };
/** The problem body without the per-request members, to compare two answers. */
const stable = ({ instance: _i, requestId: _r, ...rest }: Record<string, unknown>) => rest;

describe('identity', () => {
  it('signs an EdDSA token for a staff login with realm, department and positions, and /v1/me accepts it', async () => {
    const r = await staff.login('window01', DEMO_PASSWORD);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const account = await staff.svc.ctx.prisma.account.findUniqueOrThrow({ where: { realm_username: { realm: 'staff', username: 'window01' } } });

    const { header, claims } = decodeJwt(body.accessToken);
    const key = signingKey(staff);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
    expect(claims).toMatchObject({
      iss: 'hall-identity-extranet', aud: 'hall-extranet', sub: account.id, realm: 'staff', name: '王受理',
      roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'], region: '341621',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    // The signature verifies with the realm's public key, and only over this exact header.payload.
    const [h, c, s] = body.accessToken.split('.');
    expect(verify(null, Buffer.from(`${h}.${c}`), createPublicKey(key.publicKeyPem), Buffer.from(s, 'base64url'))).toBe(true);
    expect(body.principal).toEqual({ sub: account.id, realm: 'staff', name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'], region: '341621' });

    const me = await staff.me(body.accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body.principal);
  });

  it('signs a public-realm token with the internet issuer and audience and no staff claims', async () => {
    const r = await pub.login('zhoumengjie', DEMO_PASSWORD);
    expect(r.statusCode).toBe(200);
    const { header, claims } = decodeJwt(r.json().accessToken);
    expect(header.alg).toBe('EdDSA');
    expect(claims).toMatchObject({ iss: 'hall-identity-internet', aud: 'hall-internet', realm: 'public', name: '周梦婕', roles: ['applicant'] });
    expect(claims).not.toHaveProperty('department');
    expect(claims).not.toHaveProperty('positions');
    const me = await pub.me(r.json().accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ realm: 'public', name: '周梦婕' });
  });

  it('publishes the public signing key in its JWKS under the kid of the token header, and nothing private', async () => {
    const token = (await staff.login('approver01', DEMO_PASSWORD)).json().accessToken;
    const r = await staff.svc.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(r.statusCode).toBe(200);
    const { keys } = r.json();
    expect(keys).toHaveLength(1);
    const expected = createPublicKey(signingKey(staff).publicKeyPem).export({ format: 'jwk' });
    expect(keys[0]).toMatchObject({ kid: decodeJwt(token).header.kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: expected.x });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers a wrong password and an unknown user with the same 401 invalid_credentials', async () => {
    await pub.addAccount('wrongpw', 'Right#Pass1');
    const wrong = await pub.login('wrongpw', 'not-the-password');
    const unknown = await pub.login('nobody-here', 'not-the-password');
    for (const r of [wrong, unknown]) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ status: 401, code: 'invalid_credentials', title: '用户名或密码错误' });
      expect(r.json()).not.toHaveProperty('accessToken');
    }
    expect(stable(unknown.json())).toEqual(stable(wrong.json()));
  });

  it('locks the account after LOGIN_LOCK_THRESHOLD failures, refuses even the right password with 423, and audits the lock', async () => {
    const id = await pub.addAccount('lockme', 'Right#Pass1');
    for (let i = 0; i < 3; i++) expect((await pub.login('lockme', `wrong-${i}`)).statusCode).toBe(401);

    const locked = await pub.login('lockme', 'Right#Pass1');
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.json()).toMatchObject({ code: 'account_locked', title: '账号已锁定，请稍后再试' });
    const until = new Date(locked.json().lockedUntil).getTime();
    expect(until).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 15 * 60_000);

    const audit = await pub.svc.ctx.prisma.auditEntry.findMany({ where: { action: 'account.locked', target: id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'system', detail: { reason: 'failed_logins', threshold: 3 } });

    // Once the lock has run out, the right password works again.
    await pub.svc.ctx.prisma.account.update({ where: { id }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect((await pub.login('lockme', 'Right#Pass1')).statusCode).toBe(200);
    expect(await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { id } })).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  // Issue 20: only existing usernames answered 423, so lockout enumerated the accounts.
  it('should lock an unknown username after the same number of failures with the same 423 answer as a real account', async () => {
    await pub.addAccount('realname', 'Right#Pass1');
    const answers = async (username: string) => {
      const out: Array<[number, string, number]> = [];
      for (let i = 0; i < 5; i++) {
        const r = await pub.login(username, `wrong-${i}`);
        out.push([r.statusCode, r.json().code, Object.keys(r.json()).length]);
      }
      return out;
    };
    const real = await answers('realname');
    const ghost = await answers('nobody-by-this-name');
    expect(ghost).toEqual(real);
    expect(real.map(([status]) => status)).toEqual([401, 401, 401, 423, 423]);
    const r = await pub.login('nobody-by-this-name', 'Right#Pass1');
    expect(r.json()).toMatchObject({ code: 'account_locked', title: '账号已锁定，请稍后再试' });
    expect(new Date(r.json().lockedUntil).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('counts only consecutive failures: a successful login in between resets the count', async () => {
    const id = await pub.addAccount('resetme', 'Right#Pass1');
    for (let i = 0; i < 2; i++) await pub.login('resetme', 'wrong');
    expect((await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { id } })).failedLogins).toBe(2);
    expect((await pub.login('resetme', 'Right#Pass1')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) await pub.login('resetme', 'wrong');
    expect((await pub.login('resetme', 'Right#Pass1')).statusCode).toBe(200);
    expect(await pub.svc.ctx.prisma.auditEntry.count({ where: { action: 'account.locked', target: id } })).toBe(0);
  });

  it('stores a salted scrypt hash, never the password itself', async () => {
    const rows = await pub.svc.ctx.prisma.account.findMany({ where: { username: { in: ['zhoumengjie', 'lisi'] } } });
    expect(rows).toHaveLength(2);
    // The demo accounts' password is published (README): their hashes use scrypt's lower cost.
    for (const a of rows) expect(a.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    // A password somebody chose gets the standard cost (hashPassword's default: registration, the admin API, password changes).
    await pub.addAccount('ownpassword', 'Own#Secret-7');
    const own = await pub.svc.ctx.prisma.account.findFirstOrThrow({ where: { username: 'ownpassword' } });
    expect(own.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(own.passwordHash).not.toContain('Own#Secret-7');
    // Same password, different salt: different hashes.
    expect(rows[0]!.passwordHash).not.toBe(rows[1]!.passwordHash);
    const everything = JSON.stringify(await pub.svc.ctx.prisma.$queryRawUnsafe<unknown[]>('SELECT * FROM account'));
    expect(everything).not.toContain(DEMO_PASSWORD);
  });

  it('refuses a login body with an unknown property with 400 problem+json', async () => {
    const r = await pub.svc.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'zhoumengjie', password: DEMO_PASSWORD, remember: true } });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: '/body/remember' })] });
    expect(r.json()).not.toHaveProperty('accessToken');
  });

  it('seeds the demo accounts idempotently', async () => {
    const count = () => staff.svc.ctx.prisma.account.count({ where: { realm: 'staff' } });
    const created = () => staff.svc.ctx.prisma.auditEntry.count({ where: { action: 'account.created', actor: 'seed' } });
    const demo = demoAccounts('staff');
    expect(await created()).toBe(demo.length);
    const before = await count();
    await definition.seed!(staff.svc.ctx);
    await definition.seed!(staff.svc.ctx);
    expect(await count()).toBe(before);
    expect(await created()).toBe(demo.length);
    const names = (await staff.svc.ctx.prisma.account.findMany({ where: { username: { in: demo.map((a) => a.username) } } })).map((a) => a.username).sort();
    expect(names).toEqual(demo.map((a) => a.username).sort());
  });
});
