/**
 * Unified identity (统一身份认证), one codebase deployed as two realms: `public` in the internet
 * zone (citizens, companies, agents) and `staff` in the extranet (department staff with positions,
 * supervisors, admins). Each realm signs its own tokens with its own key; other services verify
 * them with the realm's public keys (issuer and audience are per zone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemError, StrictObject, ProblemSchema } from '@hall/http';
import { createTokenSigner, type Principal } from '@hall/auth';
import { extendConfig, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { accountRepository } from './accounts.js';
import { hashPassword, verifyPassword, DUMMY_HASH } from './passwords.js';
import { demoAccounts } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const IdentityConfig = extendConfig({
  REALM: Type.Union([Type.Literal('public'), Type.Literal('staff')]),
  /** JSON file: { kid, alg, privateKeyPem, publicKeyPem } — this realm's signing key. */
  AUTH_SIGNING_KEY_FILE: Type.String({ minLength: 1 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 900 }),
  LOGIN_LOCK_THRESHOLD: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_LOCK_MINUTES: Type.Integer({ minimum: 1, default: 15 }),
});

const LoginBody = StrictObject({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 128 }) });
const PrincipalSchema = Type.Object({
  sub: Type.String(), realm: Type.String(), name: Type.String(), roles: Type.Array(Type.String()),
  department: Type.Optional(Type.String()), positions: Type.Optional(Type.Array(Type.String())), region: Type.Optional(Type.String()),
});

function toPrincipal(a: { id: string; realm: string; name: string; roles: string[]; department: string | null; positions: string[]; region: string | null }): Principal {
  return {
    sub: a.id, realm: a.realm as Principal['realm'], name: a.name, roles: a.roles,
    ...(a.department ? { department: a.department } : {}),
    ...(a.positions.length ? { positions: a.positions } : {}),
    ...(a.region ? { region: a.region } : {}),
  };
}

export const definition: ServiceDefinition<typeof IdentityConfig, Db> = {
  name: 'identity',
  configSchema: IdentityConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const { config } = ctx;
    const key = JSON.parse(fs.readFileSync(config.AUTH_SIGNING_KEY_FILE, 'utf8')) as { kid: string; alg: 'EdDSA' | 'ES256'; privateKeyPem: string };
    const signer = createTokenSigner({ ...key, issuer: config.AUTH_ISSUER!, audience: config.AUTH_AUDIENCE!, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
    const accounts = accountRepository(ctx.prisma);

    app.get('/.well-known/jwks.json', { schema: { response: { 200: Type.Object({ keys: Type.Array(Type.Any()) }) } } }, async () => signer.jwks());

    app.post('/v1/auth/login', {
      schema: {
        body: LoginBody,
        response: { 200: Type.Object({ accessToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer(), principal: PrincipalSchema }), 401: ProblemSchema, 403: ProblemSchema, 423: ProblemSchema },
      },
    }, async (req) => {
      const { username, password } = req.body;
      const account = await accounts.findByUsername(config.REALM, username);
      if (!account) {
        await verifyPassword(password, DUMMY_HASH);
        throw Problems.unauthorized('invalid_credentials', '用户名或密码错误');
      }
      if (account.lockedUntil && account.lockedUntil > new Date()) {
        throw new ProblemError(423, 'account_locked', '账号已锁定，请稍后再试', { extra: { lockedUntil: account.lockedUntil.toISOString() } });
      }
      if (!(await verifyPassword(password, account.passwordHash))) {
        const { locked } = await accounts.recordFailure(account.id, config.LOGIN_LOCK_THRESHOLD, config.LOGIN_LOCK_MINUTES);
        req.log.warn({ accountId: account.id, locked }, 'login failed');
        throw Problems.unauthorized('invalid_credentials', '用户名或密码错误');
      }
      // Only after the password: told to anyone, "disabled" would confirm that the username exists.
      if (account.disabled) throw Problems.forbidden('account_disabled', '账号已停用，请联系管理员');
      await accounts.recordSuccess(account.id);
      const principal = toPrincipal(account);
      return { accessToken: signer.sign(principal), tokenType: 'Bearer' as const, expiresIn: config.ACCESS_TOKEN_TTL_SECONDS, principal };
    });

    app.get('/v1/me', { preHandler: app.authenticate, schema: { response: { 200: PrincipalSchema, 401: ProblemSchema } } }, async (req) => {
      const account = await accounts.findById(req.principal.sub);
      if (!account || account.disabled) throw Problems.unauthorized('unauthenticated', '未登录或登录已过期');
      return toPrincipal(account);
    });
  },
  async seed(ctx) {
    const accounts = accountRepository(ctx.prisma);
    let created = 0;
    for (const a of demoAccounts(ctx.config.REALM)) {
      const { password, ...rest } = a;
      if (await accounts.ensure({ ...rest, passwordHash: await hashPassword(password) }, 'seed')) created++;
    }
    ctx.logger.info({ created }, 'demo accounts seeded');
  },
};
