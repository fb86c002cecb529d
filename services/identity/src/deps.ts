/** What the identity routes share: config, repositories, keystore, limiters, and the account → principal mapping. */
import type { Principal } from '@hall/auth';
import type { HttpApp } from '@hall/http';
import { Problems } from '@hall/http';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { accountRepository, AccountRow } from './accounts.js';
import type { refreshTokenRepository } from './tokens.js';
import type { partyRepository } from './parties.js';
import type { clientRepository } from './clients.js';
import type { resetRepository } from './resets.js';
import type { Keystore } from './keystore.js';
import type { RateLimiter } from './ratelimit.js';
import type { DataKey } from './secrets.js';
import type { IdentityConfigType } from './app.js';
import type { Db } from './db.js';
import type { NotificationDispatcher } from '@hall/notify';
import type { Clock } from '@hall/service';

export interface IdentityDeps {
  app: HttpApp;
  config: IdentityConfigType;
  db: Db;
  accounts: ReturnType<typeof accountRepository>;
  refreshTokens: ReturnType<typeof refreshTokenRepository>;
  parties: ReturnType<typeof partyRepository>;
  clients: ReturnType<typeof clientRepository>;
  resets: ReturnType<typeof resetRepository>;
  keystore: Keystore;
  dataKey: DataKey;
  notifications: NotificationDispatcher;
  limits: { loginUser: RateLimiter; loginIp: RateLimiter; reset: RateLimiter; resetIp: RateLimiter; client: RateLimiter };
  /** The service's clock (ServiceContext.clock): the login lock's cool-down is measured on it. */
  clock: Clock;
}

export const PrincipalView = Type.Object({
  sub: Type.String(), realm: Type.String(), name: Type.String(), roles: Type.Array(Type.String()),
  department: Type.Optional(Type.String()), positions: Type.Optional(Type.Array(Type.String())), region: Type.Optional(Type.String()),
});

export function toPrincipal(a: Pick<AccountRow, 'id' | 'realm' | 'name' | 'roles' | 'department' | 'positions' | 'region'>): Principal {
  return {
    sub: a.id, realm: a.realm as Principal['realm'], name: a.name, roles: a.roles,
    ...(a.department ? { department: a.department } : {}),
    ...(a.positions.length ? { positions: a.positions } : {}),
    ...(a.region ? { region: a.region } : {}),
  };
}

/**
 * The caller's account, re-read on every identity request: a disabled account's token is refused
 * here at once even though other services honour it until it expires.
 */
export async function activeAccount(d: IdentityDeps, request: FastifyRequest): Promise<AccountRow> {
  const account = await d.accounts.findById(request.principal.sub);
  if (!account || account.disabled || account.realm !== d.config.REALM) throw Problems.unauthorized('unauthenticated', '未登录或登录已过期', '账号不存在或已停用');
  return account;
}

/** Password rules (密码强度): 8–128 characters, at least two of letters, digits and symbols, not the username. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < 8) return '密码至少 8 位';
  const kinds = [/[A-Za-z]/, /\d/, /[^A-Za-z\d]/].filter((r) => r.test(password)).length;
  if (kinds < 2) return '密码须包含字母、数字、符号中的至少两类';
  if (password.toLowerCase().includes(username.toLowerCase())) return '密码不能包含用户名';
  return null;
}

export const Password = Type.String({ minLength: 1, maxLength: 128 });
export const Username = Type.String({ minLength: 1, maxLength: 64 });
/** Names of people and companies: CJK, letters, the middle dot, parentheses, spaces — nothing a query could mistake for syntax. */
export const PersonName = Type.String({ minLength: 1, maxLength: 32, pattern: '^[\\u4e00-\\u9fa5A-Za-z][\\u4e00-\\u9fa5A-Za-z·. ]*$' });
export const CompanyName = Type.String({ minLength: 2, maxLength: 100, pattern: '^[\\u4e00-\\u9fa5A-Za-z0-9（）()·&. -]+$' });
