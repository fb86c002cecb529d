/**
 * Sign-in and sessions, both realms: JWKS, login with lockout and rate limits, refresh-token
 * rotation, logout, password change and reset (code through the notification sender), and in the
 * staff realm the client-credentials grant for data-exchange clients.
 */
import { Type } from '@sinclair/typebox';
import { Problems, ProblemError, ProblemSchema, StrictObject, type HttpPlugin } from '@hall/http';
import { createHash, timingSafeEqual, type JsonWebKey } from 'node:crypto';
import { exchangeAudience } from '@hall/auth';
import { hashPassword, verifyPassword, DUMMY_HASH } from './passwords.js';
import { createUnknownUserLockout } from './ratelimit.js';
import { activeAccount, passwordProblem, Password, PrincipalView, toPrincipal, Username, type IdentityDeps } from './deps.js';
import type { AccountRow } from './accounts.js';

const TokenResponse = Type.Object({
  accessToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer(),
  refreshToken: Type.String(), refreshExpiresIn: Type.Integer(), principal: PrincipalView,
});
const Problem4xx = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 423: ProblemSchema, 429: ProblemSchema };
const RefreshBody = StrictObject({ refreshToken: Type.String({ minLength: 16, maxLength: 128 }) });

export async function sessionRoutes(d: IdentityDeps): Promise<void> {
  const { app, config, accounts, refreshTokens, keystore } = d;

  const tokensFor = async (account: AccountRow) => {
    const principal = toPrincipal(account);
    const signer = await keystore.signer();
    return {
      accessToken: signer.sign(principal), tokenType: 'Bearer' as const, expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: await refreshTokens.issue(account.id), refreshExpiresIn: config.REFRESH_TOKEN_TTL_SECONDS, principal,
    };
  };

  app.get('/.well-known/jwks.json', { schema: { response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) } } }, async (_req, reply) => {
    // Short cache: verifiers refetch on an unknown kid anyway, and a retired key must disappear.
    reply.header('cache-control', 'public, max-age=60');
    return keystore.jwks() as Promise<{ keys: (JsonWebKey & Record<string, unknown>)[] }>;
  });

  const unknownLockout = createUnknownUserLockout({ threshold: config.LOGIN_LOCK_THRESHOLD, lockMinutes: config.LOGIN_LOCK_MINUTES });
  app.post('/v1/auth/login', { schema: { body: StrictObject({ username: Username, password: Password }), response: { 200: TokenResponse, ...Problem4xx } } }, async (req) => {
    const { username, password } = req.body;
    d.limits.loginIp.hit(req.ip);
    d.limits.loginUser.hit(username.toLowerCase());
    const account = await accounts.findByUsername(config.REALM, username);
    // The password is checked whatever happens, so that the answer takes as long for a missing,
    // locked or disabled account as for a wrong password.
    const passwordOk = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    const now = d.clock.now();
    const locked = (until: Date) => new ProblemError(423, 'account_locked', '账号已锁定，请稍后再试', { extra: { lockedUntil: until.toISOString() } });
    if (!account) {
      // An unknown name fails and locks exactly like a real account, so lockout tells nothing about which names exist.
      const until = unknownLockout.lockedUntil(username, now);
      if (until) throw locked(until);
      unknownLockout.fail(username, now);
      throw Problems.unauthorized('invalid_credentials', '用户名或密码错误');
    }
    // Locked stays locked until the cool-down ends, even for the right password.
    if (account.lockedUntil && account.lockedUntil > now) throw locked(account.lockedUntil);
    if (!passwordOk) {
      const { locked } = await accounts.recordFailure(account.id, config.LOGIN_LOCK_THRESHOLD, config.LOGIN_LOCK_MINUTES, now);
      req.log.warn({ accountId: account.id, locked }, 'login failed');
      throw Problems.unauthorized('invalid_credentials', '用户名或密码错误');
    }
    // Only after the password: told to anyone, "disabled" would confirm that the username exists.
    if (account.disabled) throw Problems.forbidden('account_disabled', '账号已停用，请联系管理员');
    await accounts.recordSuccess(account.id);
    return tokensFor(account);
  });

  app.post('/v1/auth/refresh', { schema: { body: RefreshBody, response: { 200: TokenResponse, ...Problem4xx } } }, async (req) => {
    const outcome = await refreshTokens.rotate(req.body.refreshToken, async (id) => {
      const a = await accounts.findById(id);
      return !!a && !a.disabled;
    });
    if (!outcome.ok) {
      if (outcome.reason === 'reused') {
        req.log.warn('refresh token reused: family revoked');
        throw Problems.unauthorized('refresh_token_reused', '登录凭证已失效，请重新登录', '该刷新令牌已被使用过，为安全起见本次登录的所有令牌均已作废');
      }
      throw Problems.unauthorized('refresh_token_invalid', '登录凭证已失效，请重新登录');
    }
    const account = (await accounts.findById(outcome.accountId))!;
    const signer = await keystore.signer();
    const principal = toPrincipal(account);
    return {
      accessToken: signer.sign(principal), tokenType: 'Bearer' as const, expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: outcome.token, refreshExpiresIn: config.REFRESH_TOKEN_TTL_SECONDS, principal,
    };
  });

  app.post('/v1/auth/logout', { schema: { body: RefreshBody, response: { 204: Type.Null(), 400: ProblemSchema } } }, async (req, reply) => {
    const accountId = await refreshTokens.revokeFamilyOf(req.body.refreshToken);
    if (accountId) req.log.info({ accountId }, 'logged out');
    reply.code(204).send(null);
  });

  app.get('/v1/me', { preHandler: app.authenticate, schema: { response: { 200: PrincipalView, 401: ProblemSchema } } }, async (req) => toPrincipal(await activeAccount(d, req)));

  app.post('/v1/auth/password', {
    preHandler: app.authenticate,
    schema: { body: StrictObject({ currentPassword: Password, newPassword: Password }), response: { 204: Type.Null(), 400: ProblemSchema, 401: ProblemSchema } },
  }, async (req, reply) => {
    const account = await activeAccount(d, req);
    if (!(await verifyPassword(req.body.currentPassword, account.passwordHash))) throw Problems.badRequest('password_incorrect', '当前密码不正确');
    const weak = passwordProblem(req.body.newPassword, account.username);
    if (weak) throw Problems.badRequest('password_too_weak', '新密码不符合要求', weak);
    const passwordHash = await hashPassword(req.body.newPassword);
    // Every other session ends: a changed password must shut out whoever knew the old one.
    await accounts.update(account.id, { passwordHash }, { actor: account.id, action: 'password.changed' }, async (tx) => { await refreshTokens.revokeAll(tx, account.id, 'password_changed'); });
    reply.code(204).send(null);
  });

  app.post('/v1/auth/password-reset', { schema: { body: StrictObject({ username: Username }), response: { 202: Type.Object({ sent: Type.Boolean() }), 400: ProblemSchema, 429: ProblemSchema } } }, async (req, reply) => {
    d.limits.resetIp.hit(req.ip);
    d.limits.reset.hit(req.body.username.toLowerCase());
    const account = await accounts.findByUsername(config.REALM, req.body.username);
    if (account && !account.disabled && account.phone) {
      await d.resets.request({ id: account.id, phone: account.phone });
      d.notifications.notify();
    }
    // The same answer whether or not the account exists.
    reply.code(202);
    return { sent: true };
  });

  app.post('/v1/auth/password-reset/confirm', {
    schema: { body: StrictObject({ username: Username, code: Type.String({ pattern: '^\\d{6}$' }), newPassword: Password }), response: { 204: Type.Null(), 400: ProblemSchema, 429: ProblemSchema } },
  }, async (req, reply) => {
    d.limits.resetIp.hit(req.ip);
    const account = await accounts.findByUsername(config.REALM, req.body.username);
    const invalid = () => Problems.badRequest('reset_code_invalid', '验证码错误或已过期');
    if (!account || account.disabled) throw invalid();
    const weak = passwordProblem(req.body.newPassword, account.username);
    if (weak) throw Problems.badRequest('password_too_weak', '新密码不符合要求', weak);
    const passwordHash = await hashPassword(req.body.newPassword);
    const ok = await d.resets.confirm(account.id, req.body.code, async (tx) => {
      await tx.account.update({ where: { id: account.id }, data: { passwordHash, updatedAt: new Date() } });
      await refreshTokens.revokeAll(tx, account.id, 'password_reset');
    });
    if (!ok) throw invalid();
    reply.code(204).send(null);
  });

  if (config.REALM === 'staff') await app.register(oauthRoutes(d));
}

/** RFC 6749 §4.4 client-credentials grant, form-encoded (or JSON), credentials in the body or HTTP Basic. */
function oauthRoutes(d: IdentityDeps): HttpPlugin {
  return async (oauth) => {
    oauth.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const TokenBody = StrictObject({
      grant_type: Type.String({ maxLength: 64 }),
      client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      scope: Type.Optional(Type.String({ maxLength: 1024 })),
    });
    oauth.post('/v1/oauth/token', {
      schema: {
        body: TokenBody,
        response: { 200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String() }), 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      },
    }, async (req, reply) => {
      const oauthError = (status: 400 | 401, error: string, title: string) =>
        new ProblemError(status, error, title, { extra: { error }, ...(status === 401 ? { headers: { 'www-authenticate': 'Basic realm="hall"' } } : {}) });
      if (req.body.grant_type !== 'client_credentials') throw oauthError(400, 'unsupported_grant_type', '不支持的授权类型');
      let clientId = req.body.client_id, secret = req.body.client_secret;
      const basic = /^Basic ([A-Za-z0-9+/=]{1,512})$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const [id, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
        clientId = decodeURIComponent(id ?? ''); secret = decodeURIComponent(rest.join(':'));
      }
      if (!clientId || !secret) throw oauthError(401, 'invalid_client', '客户端认证失败');
      d.limits.client.hit(clientId);
      const requestedScopes = req.body.scope ? req.body.scope.split(' ').filter(Boolean) : [];
      if (clientId === d.config.EXCHANGE_CLIENT_ID) {
        // The exchange's service identity: configured, not stored, and the only client whose token
        // the zone's other services accept. It names the scopes it needs downstream.
        const expected = d.config.EXCHANGE_CLIENT_SECRET;
        if (!expected || !sameSecret(secret, expected)) throw oauthError(401, 'invalid_client', '客户端认证失败');
        if (requestedScopes.length === 0) throw oauthError(400, 'invalid_scope', '申请的授权范围超出该客户端的授权');
        const signer = await d.keystore.signer(d.config.CLIENT_TOKEN_TTL_SECONDS);
        const token = signer.sign({ sub: clientId, realm: 'client', name: '数据交换平台', roles: ['exchange_service'], scopes: requestedScopes });
        reply.header('cache-control', 'no-store');
        return { access_token: token, token_type: 'Bearer' as const, expires_in: d.config.CLIENT_TOKEN_TTL_SECONDS, scope: requestedScopes.join(' ') };
      }
      const client = await d.clients.findByClientId(clientId);
      const ok = await verifyPassword(secret, client?.secretHash ?? DUMMY_HASH);
      if (!client || !ok || client.disabled) throw oauthError(401, 'invalid_client', '客户端认证失败');
      const requested = requestedScopes.length ? requestedScopes : client.scopes;
      const outside = requested.filter((s) => !client.scopes.includes(s));
      if (outside.length || requested.length === 0) throw oauthError(400, 'invalid_scope', '申请的授权范围超出该客户端的授权');
      const signer = await d.keystore.signer(d.config.CLIENT_TOKEN_TTL_SECONDS);
      const token = signer.sign({ sub: client.clientId, realm: 'client', name: client.name, roles: ['api_client'], department: client.department, scopes: requested }, { audience: exchangeAudience(d.config.AUTH_AUDIENCE!) });
      reply.header('cache-control', 'no-store');
      return { access_token: token, token_type: 'Bearer' as const, expires_in: d.config.CLIENT_TOKEN_TTL_SECONDS, scope: requested.join(' ') };
    });
  };
}

/** Constant-time comparison of a presented secret with the configured one (hashed first: equal lengths). */
function sameSecret(presented: string, expected: string): boolean {
  const h = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(h(presented), h(expected));
}
