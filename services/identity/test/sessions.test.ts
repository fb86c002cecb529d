import fs from 'node:fs';
import path from 'node:path';
import { DEMO_CLIENT } from '../src/seed.js';
import { startIdentity, decodeJwt, DEMO_PASSWORD, waitFor, type Harness } from './helpers.js';

const EXCHANGE_SECRET = 'exchange-service-secret-for-tests';

let pub: Harness;
let staff: Harness;
beforeAll(async () => {
  [pub, staff] = await Promise.all([
    startIdentity('public', { SEED_DEMO: 'true', LOGIN_LOCK_THRESHOLD: '3', LOGIN_LOCK_MINUTES: '15', LOGIN_RATE_PER_USER: '8', RESET_RATE_PER_USER: '3' }),
    startIdentity('staff', { SEED_DEMO: 'true', EXCHANGE_CLIENT_SECRET: EXCHANGE_SECRET }),
  ]);
}, 60_000);
afterAll(async () => { await Promise.all([pub?.close(), staff?.close()]); }, 30_000);

const post = (h: Harness, url: string, payload: object, headers: Record<string, string> = {}) => h.svc.app.inject({ method: 'POST', url, payload, headers });
const refresh = (h: Harness, refreshToken: string) => post(h, '/v1/auth/refresh', { refreshToken });

describe('sessions', () => {
  it('logs in with an access token and a refresh token, and refresh rotates both', async () => {
    const login = await pub.login('zhoumengjie', DEMO_PASSWORD);
    expect(login.statusCode).toBe(200);
    const first = login.json();
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 604800, principal: { realm: 'public', name: '周梦婕' } });
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const r = await refresh(pub, first.refreshToken);
    expect(r.statusCode).toBe(200);
    const second = r.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).claims.sub).toBe(first.principal.sub);
    expect((await pub.me(second.accessToken)).statusCode).toBe(200);
    // Only hashes are stored.
    const rows = await pub.svc.ctx.prisma.refreshToken.findMany({ where: { accountId: first.principal.sub } });
    expect(JSON.stringify(rows)).not.toContain(first.refreshToken);
    expect(new Set(rows.map((x) => x.familyId)).size).toBe(1);
  });

  it('revokes the whole family when a used refresh token is presented again', async () => {
    const first = (await pub.login('lisi', DEMO_PASSWORD)).json();
    const second = (await refresh(pub, first.refreshToken)).json();
    const third = (await refresh(pub, second.refreshToken)).json();

    // The first token is replayed (stolen copy): refused, and every token of the family dies with it.
    const replay = await refresh(pub, first.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    const latest = await refresh(pub, third.refreshToken);
    expect(latest.statusCode).toBe(401);
    expect(latest.json().code).toBe('refresh_token_invalid');
    const family = await pub.svc.ctx.prisma.refreshToken.findMany({ where: { accountId: first.principal.sub } });
    expect(family.filter((t) => t.familyId === family.find((x) => x.revokedReason === 'reuse')!.familyId).every((t) => t.revokedAt)).toBe(true);
    expect(await pub.svc.ctx.prisma.auditEntry.count({ where: { action: 'refresh_token.reuse_detected', target: first.principal.sub } })).toBe(1);

    // Another sign-in of the same person (another family) is untouched.
    const other = (await pub.login('lisi', DEMO_PASSWORD)).json();
    expect((await refresh(pub, other.refreshToken)).statusCode).toBe(200);
  });

  it('lets exactly one of two concurrent uses of a refresh token win', async () => {
    const t = (await pub.login('wangjun', DEMO_PASSWORD)).json().refreshToken;
    const answers = await Promise.all([refresh(pub, t), refresh(pub, t)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401]);
  });

  it('ends the session on logout and refuses an unknown refresh token', async () => {
    const s = (await pub.login('chenjing', DEMO_PASSWORD)).json();
    const out = await post(pub, '/v1/auth/logout', { refreshToken: s.refreshToken });
    expect(out.statusCode).toBe(204);
    expect((await refresh(pub, s.refreshToken)).json().code).toBe('refresh_token_invalid');
    expect((await refresh(pub, 'A'.repeat(43))).statusCode).toBe(401);
    expect((await post(pub, '/v1/auth/logout', { refreshToken: 'B'.repeat(43) })).statusCode).toBe(204);
  });

  it('keeps a locked account locked through the whole cool-down, then lets it in', async () => {
    const id = await pub.addAccount('cooldown', 'Right#Pass1');
    for (let i = 0; i < 3; i++) expect((await pub.login('cooldown', `wrong-${i}`)).statusCode).toBe(401);
    const lockedUntil = (await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { id } })).lockedUntil!;
    // Right password, repeatedly, during the cool-down: still 423, and the lock does not move.
    for (let i = 0; i < 3; i++) {
      const r = await pub.login('cooldown', 'Right#Pass1');
      expect(r.statusCode).toBe(423);
      expect(r.json().code).toBe('account_locked');
    }
    // The service's clock moves instead of the test waiting out the cool-down (15 minutes here).
    try {
      // One second before the end of the cool-down it is still locked.
      pub.svc.ctx.clock.set(new Date(lockedUntil.getTime() - 1000));
      expect((await pub.login('cooldown', 'Right#Pass1')).statusCode).toBe(423);
      expect((await pub.svc.ctx.prisma.account.findUniqueOrThrow({ where: { id } })).lockedUntil!.getTime()).toBeLessThanOrEqual(lockedUntil.getTime());
      pub.svc.ctx.clock.advance(1100);
      expect((await pub.login('cooldown', 'Right#Pass1')).statusCode).toBe(200);
    } finally {
      pub.svc.ctx.clock.set(null);
    }
  });

  it('rate-limits login attempts per username with 429 and Retry-After', async () => {
    await pub.addAccount('hammered', 'Right#Pass1');
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await pub.login('Hammered', 'x'));
    expect(answers.slice(0, 8).every((a) => a.statusCode !== 429)).toBe(true);
    expect(answers[8]!.statusCode).toBe(429);
    expect(answers[8]!.json().code).toBe('too_many_requests');
    expect(Number(answers[8]!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('changes the password: the old one stops working and other sessions end', async () => {
    await pub.addAccount('changer', 'Right#Pass1');
    const a = (await pub.login('changer', 'Right#Pass1')).json();
    const b = (await pub.login('changer', 'Right#Pass1')).json();
    const auth = { authorization: `Bearer ${a.accessToken}` };
    expect((await post(pub, '/v1/auth/password', { currentPassword: 'wrong', newPassword: 'New#Pass22' }, auth)).json().code).toBe('password_incorrect');
    expect((await post(pub, '/v1/auth/password', { currentPassword: 'Right#Pass1', newPassword: 'abcdefgh' }, auth)).json().code).toBe('password_too_weak');
    expect((await post(pub, '/v1/auth/password', { currentPassword: 'Right#Pass1', newPassword: 'New#Pass22' }, auth)).statusCode).toBe(204);
    expect((await pub.login('changer', 'Right#Pass1')).statusCode).toBe(401);
    expect((await pub.login('changer', 'New#Pass22')).statusCode).toBe(200);
    expect((await refresh(pub, b.refreshToken)).statusCode).toBe(401);
    expect(await pub.svc.ctx.prisma.auditEntry.count({ where: { action: 'password.changed' } })).toBe(1);
  });

  it('resets a password with the code sent through the notification sender, with the same answer for unknown users', async () => {
    const unknown = await post(pub, '/v1/auth/password-reset', { username: 'nobody-at-all' });
    const known = await post(pub, '/v1/auth/password-reset', { username: 'zhoumengjie' });
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.json()).toEqual(unknown.json());

    const box = path.join(pub.mailbox, '13800000001.txt');
    await waitFor(async () => fs.existsSync(box) && /验证码 \d{6}/.test(fs.readFileSync(box, 'utf8')));
    const code = /验证码 (\d{6})/.exec(fs.readFileSync(box, 'utf8'))![1]!;
    // Once sent, the code no longer sits in the outbox.
    await waitFor(async () => (await pub.svc.ctx.prisma.$queryRawUnsafe<{ body: string }[]>("SELECT body FROM notification WHERE recipient = '13800000001'")).every((n) => n.body === '[sent]'));

    const wrong = code === '000000' ? '000001' : '000000';
    const bad = await post(pub, '/v1/auth/password-reset/confirm', { username: 'zhoumengjie', code: wrong, newPassword: 'Reset#Pass3' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('reset_code_invalid');
    expect((await post(pub, '/v1/auth/password-reset/confirm', { username: 'zhoumengjie', code, newPassword: 'Reset#Pass3' })).statusCode).toBe(204);
    // A code works once.
    expect((await post(pub, '/v1/auth/password-reset/confirm', { username: 'zhoumengjie', code, newPassword: 'Other#Pass4' })).statusCode).toBe(400);
    expect((await pub.login('zhoumengjie', 'Reset#Pass3')).statusCode).toBe(200);
    // Put the demo password back for the other tests.
    await pub.svc.ctx.prisma.account.update({ where: { realm_username: { realm: 'public', username: 'zhoumengjie' } }, data: { passwordHash: (await pub.svc.ctx.prisma.account.findFirstOrThrow({ where: { username: 'lisi' } })).passwordHash } });
  });

  it('rate-limits reset requests per username', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await post(pub, '/v1/auth/password-reset', { username: 'wangjun' })).statusCode);
    expect(codes).toEqual([202, 202, 202, 429]);
  });

  it('rotates the signing key without refusing tokens signed with the old one', async () => {
    const admin = (await staff.login('admin01', DEMO_PASSWORD)).json();
    const before = admin.accessToken;
    const oldKid = decodeJwt(before).header.kid;
    const rot = await post(staff, '/v1/admin/keys/rotate', {}, { authorization: `Bearer ${before}` });
    expect(rot.statusCode).toBe(200);
    expect(rot.json()).toMatchObject({ retired: oldKid });
    const jwks = (await staff.svc.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, rot.json().kid].sort());
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
    const after = (await staff.login('window01', DEMO_PASSWORD)).json().accessToken;
    expect(decodeJwt(after).header.kid).toBe(rot.json().kid);
    expect((await staff.me(before)).statusCode).toBe(200);
    expect((await staff.me(after)).statusCode).toBe(200);
    // Private keys are stored encrypted.
    const stored = await staff.svc.ctx.prisma.signingKey.findMany();
    expect(JSON.stringify(stored)).not.toContain('PRIVATE KEY');
    // Once the old key's retirement passes, it leaves the JWKS and its tokens are refused.
    await staff.svc.ctx.prisma.signingKey.update({ where: { kid: oldKid as string }, data: { retiredAt: new Date(Date.now() - 1000) } });
    expect((await staff.svc.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys).toHaveLength(1);
    expect((await staff.me(before)).statusCode).toBe(401);
  });

  it('issues client-credentials tokens with scopes to API clients only', async () => {
    const form = (body: Record<string, string>, headers: Record<string, string> = {}) => staff.svc.app.inject({
      method: 'POST', url: '/v1/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(body).toString(),
    });
    const ok = await form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, scope: 'certificate:verify' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'certificate:verify' });
    expect(decodeJwt(ok.json().access_token).claims).toMatchObject({ realm: 'client', sub: DEMO_CLIENT.clientId, scopes: ['certificate:verify'], department: 'gy-gaj', aud: 'hall-extranet:exchange' });

    const basic = Buffer.from(`${DEMO_CLIENT.clientId}:${DEMO_CLIENT.clientSecret}`).toString('base64');
    const all = await form({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    expect(all.json().scope.split(' ').sort()).toEqual([...DEMO_CLIENT.scopes].sort());
    const json = await post(staff, '/v1/oauth/token', { grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret });
    expect(json.statusCode).toBe(200);

    expect((await form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: 'wrong' })).json()).toMatchObject({ code: 'invalid_client', error: 'invalid_client' });
    expect((await form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' })).statusCode).toBe(401);
    expect((await form({ grant_type: 'password', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })).json().code).toBe('unsupported_grant_type');
    expect((await form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, scope: 'admin:all' })).json().code).toBe('invalid_scope');
    // The internet realm has no API clients.
    expect((await post(pub, '/v1/oauth/token', { grant_type: 'client_credentials' })).statusCode).toBe(404);
  });

  // One door (issue 20): only the exchange's own service token is made for the zone's services.
  it("issues the exchange's service token with the zone audience, and client tokens with the exchange's", async () => {
    const form = (body: Record<string, string>) => staff.svc.app.inject({
      method: 'POST', url: '/v1/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString(),
    });
    const service = await form({ grant_type: 'client_credentials', client_id: 'hall-exchange', client_secret: EXCHANGE_SECRET, scope: 'case:status catalog:read' });
    expect(service.statusCode).toBe(200);
    expect(decodeJwt(service.json().access_token).claims).toMatchObject({ realm: 'client', sub: 'hall-exchange', scopes: ['case:status', 'catalog:read'], aud: 'hall-extranet' });
    expect((await form({ grant_type: 'client_credentials', client_id: 'hall-exchange', client_secret: `${EXCHANGE_SECRET}x`, scope: 'case:status' })).statusCode).toBe(401);
    expect((await form({ grant_type: 'client_credentials', client_id: 'hall-exchange', client_secret: EXCHANGE_SECRET })).json().code).toBe('invalid_scope');
    // A client token is refused by the zone's own services (identity's /v1/me here): it is for the exchange only.
    const client = await form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret });
    expect((await staff.svc.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${client.json().access_token}` } })).statusCode).toBe(401);
  });
});
