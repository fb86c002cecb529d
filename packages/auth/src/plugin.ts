/**
 * authPlugin: verifies access tokens on a service and exposes the caller as request.principal.
 * Verify-only: services get public keys, never the signing key. Each zone configures its own
 * issuer and audience, so a token minted for the internet zone is refused in the extranet zone
 * (and the other way round) even if someone configured both zones to trust the same key.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt';
import { Value } from '@sinclair/typebox/value';
import { Problems, type ProblemError } from '@hall/http';
import { algOfKey, loadPublicKey, SIGNING_ALGS, type SigningAlg } from './keys.js';
import { createJwksKeySource, JwksUnavailableError, type JwksKeySourceOptions, type KeySource, type VerificationKey } from './jwks.js';
import { pickPrincipal, PrincipalSchema, type Principal, type Realm } from './principal.js';

export interface AuthOptions {
  /** Fixed keys (tests, offline setups): every key the zone's identity may currently sign with. */
  publicKeys?: { kid: string; pem: string }[];
  /** The zone identity's JWKS endpoint: keys are fetched, cached and refreshed on rotation. */
  jwksUrl?: string;
  /** Keys from elsewhere (the identity service verifies from its own keystore). */
  keySource?: KeySource;
  /** Tuning of the JWKS cache (tests). */
  jwks?: Omit<JwksKeySourceOptions, 'url' | 'algorithms'>;
  issuer: string;
  /** The zone's audience; a list where a service also takes another audience (the exchange takes client tokens). */
  audience: string | string[];
  /** Accepted algorithms; default both. Narrow it to refuse a key type outright. */
  algorithms?: SigningAlg[];
  /** Seconds of clock skew tolerated on exp/iat; default 30. */
  clockToleranceSeconds?: number;
}

export type AuthHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a valid token for this zone. */
    authenticate: AuthHandler;
  }
  interface FastifyRequest {
    /** The verified caller; reading it on a route without `app.authenticate` is a programming error. */
    readonly principal: Principal;
  }
}

export const UNAUTHENTICATED_TITLE = '未登录或登录已过期';
export const FORBIDDEN_TITLE = '无权执行此操作';

const principals = new WeakMap<FastifyRequest, Principal>();

function unauthenticated(detail: string): ProblemError {
  // RFC 6750 §3: tell the client which scheme to use and that the token (if any) was the problem.
  return Problems.unauthorized('unauthenticated', UNAUTHENTICATED_TITLE, detail, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
}

function forbidden(detail: string): ProblemError {
  return Problems.forbidden('forbidden', FORBIDDEN_TITLE, detail);
}

interface JwtError { code?: string; message?: string }


/** Maps @fastify/jwt's failures to the applicant-facing detail; the reason itself goes to the log. */
function detailFor(err: JwtError): string {
  switch (err.code) {
    case 'FST_JWT_NO_AUTHORIZATION_IN_HEADER': return '请求未携带访问令牌';
    case 'FST_JWT_BAD_REQUEST': return '访问令牌格式不正确，应为 Authorization: Bearer <令牌>';
    case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED': return '访问令牌已过期，请重新登录';
    default: return '访问令牌无效';
  }
}

const plugin: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  const algorithms = opts.algorithms ?? [...SIGNING_ALGS];
  let source: KeySource;
  if (opts.keySource) {
    source = opts.keySource;
  } else if (opts.jwksUrl) {
    source = createJwksKeySource({ ...opts.jwks, url: opts.jwksUrl, algorithms });
  } else {
    if (!opts.publicKeys?.length) throw new Error('authPlugin: jwksUrl or at least one public key is required');
    const keys = new Map<string, VerificationKey>();
    for (const { kid, pem } of opts.publicKeys) {
      if (keys.has(kid)) throw new Error(`authPlugin: duplicate kid ${kid}`);
      const alg = algOfKey(loadPublicKey(pem));
      if (!algorithms.includes(alg)) throw new Error(`authPlugin: key ${kid} is ${alg}, which is not among the accepted algorithms`);
      keys.set(kid, { pem, alg });
    }
    source = { get: async (kid) => keys.get(kid) };
  }

  await app.register(fastifyJwt, {
    secret: {
      // Key selection by kid. The header's alg must be the key's own algorithm: this is what stops
      // alg-confusion (e.g. HS256 with the public key as the HMAC secret) before fast-jwt sees it.
      public: async (_request: FastifyRequest, token: TokenOrHeader): Promise<string> => {
        const header = 'header' in token ? token.header : token;
        const entry = typeof header.kid === 'string' && header.kid.length <= 256 ? await source.get(header.kid) : undefined;
        // kid and alg are attacker-chosen; only a bounded prefix goes into the log message.
        if (!entry) throw Object.assign(new Error(`unknown kid ${String(header.kid).slice(0, 64)}`), { code: 'HALL_UNKNOWN_KID' });
        if (header.alg !== entry.alg) throw Object.assign(new Error(`alg ${String(header.alg).slice(0, 16)} does not match key ${header.kid}`), { code: 'HALL_ALG_MISMATCH' });
        return entry.pem;
      },
    },
    // complete:true so the key callback sees the header (kid, alg), not just the payload.
    decode: { complete: true },
    verify: {
      algorithms,
      allowedIss: opts.issuer,
      allowedAud: opts.audience,
      requiredClaims: ['sub', 'iss', 'aud', 'exp', 'iat'],
      clockTolerance: (opts.clockToleranceSeconds ?? 30) * 1000,
    },
  });

  app.decorateRequest('principal', {
    getter(this: FastifyRequest): Principal {
      const principal = principals.get(this);
      if (!principal) throw new Error('request.principal read on a route that does not run app.authenticate');
      return principal;
    },
  });

  app.decorate('authenticate', authenticate);
  // Authentication before validation: a route guarded by app.authenticate (first in its
  // preHandler list) runs it, and the principal-only guards right after it, in onRequest instead,
  // so an anonymous or unauthorised caller gets 401/403 before the body is parsed or validated and
  // never learns a protected route's schema from field-level 400s. Guards that read params or the
  // body stay in preHandler, after validation.
  // Anywhere later (in preParsing, preValidation, or after another preHandler) authentication would
  // run after validation again, quietly: such a route is refused when it is registered.
  app.addHook('onRoute', (route) => {
    const list = asList(route.preHandler);
    const late = (['preParsing', 'preValidation', 'preHandler'] as const).filter((stage) => asList(route[stage]).some((h, i) => h === authenticate && !(stage === 'preHandler' && i === 0)));
    if (late.length) throw new Error(`${[route.method].flat().join(',')} ${route.url}: app.authenticate must be the first preHandler (or in onRequest), not in ${late.join(', ')} after other checks, so that it runs before validation`);
    if (list[0] === authenticate) {
      let n = 1;
      while (n < list.length && principalGuards.has(list[n]!)) n++;
      route.preHandler = list.slice(n) as typeof route.preHandler;
      route.onRequest = [...list.slice(0, n), ...asList(route.onRequest)] as typeof route.onRequest;
    }
    // A guard without authentication before it would answer 401 too, but after validation.
    const guarded = [...asList(route.preParsing), ...asList(route.preValidation), ...asList(route.preHandler)].some((h) => principalGuards.has(h));
    if (guarded && !asList(route.onRequest).includes(authenticate)) throw new Error(`${[route.method].flat().join(',')} ${route.url}: a principal guard (requireRealm, requireRole, requireScope, requirePosition) without app.authenticate first`);
  });

  async function authenticate(request: FastifyRequest): Promise<void> {
    let claims: unknown;
    try {
      claims = await request.jwtVerify();
    } catch (err) {
      const e = err as JwtError;
      const original = (err as { originalError?: unknown }).originalError;
      if (err instanceof JwksUnavailableError || original instanceof JwksUnavailableError) {
        request.log.error({ reason: 'jwks_unavailable', message: e.message }, 'access token not verifiable');
        throw Problems.unavailable('auth_unavailable', '身份认证服务暂不可用，请稍后再试');
      }
      request.log.info({ reason: e.code ?? 'unknown', message: e.message }, 'access token rejected');
      throw unauthenticated(detailFor(e));
    }
    // A correctly signed token is still refused if it does not describe a principal; anything
    // else would surface later as undefined roles in an access check.
    if (!Value.Check(PrincipalSchema, claims)) {
      request.log.warn({ reason: 'claims', path: Value.Errors(PrincipalSchema, claims).First()?.path }, 'access token rejected');
      throw unauthenticated('访问令牌无效');
    }
    principals.set(request, pickPrincipal(claims));
  }
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const asList = (hooks: unknown): Function[] => (Array.isArray(hooks) ? [...hooks] : typeof hooks === 'function' ? [hooks] : []);

/** Guards that read nothing but request.principal, and so may run before validation (see onRoute above). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const principalGuards = new WeakSet<Function>();
const principalGuard = (guard: AuthHandler): AuthHandler => { principalGuards.add(guard); return guard; };

// Depends on @hall/http's problem handlers: the ProblemErrors thrown here are only rendered as
// problem+json there, so registering on a bare fastify instance fails at boot rather than quietly.
export const authPlugin = fp(plugin, { name: '@hall/auth', fastify: '5.x', dependencies: ['@hall/http/problems'] });

function current(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  // Guards placed without app.authenticate before them still fail closed.
  if (!principal) throw unauthenticated('请求未通过身份认证');
  return principal;
}

/** preHandler: 403 unless the caller belongs to the realm (public = applicants, staff = civil servants). */
export function requireRealm(realm: Realm): AuthHandler {
  return principalGuard(async (request) => {
    const p = current(request);
    if (p.realm !== realm) throw forbidden(realm === 'staff' ? '仅限工作人员访问' : realm === 'client' ? '仅限数据交换客户端访问' : '仅限办事群众访问');
  });
}

/** preHandler: 403 unless the caller holds at least one of the roles. */
export function requireRole(...roles: string[]): AuthHandler {
  if (roles.length === 0) throw new Error('requireRole needs at least one role');
  return principalGuard(async (request) => {
    if (!current(request).roles.some((r) => roles.includes(r))) throw forbidden('缺少所需角色');
  });
}

/** preHandler: 403 unless the caller (an API client) was granted every one of the scopes. */
export function requireScope(...scopes: string[]): AuthHandler {
  if (scopes.length === 0) throw new Error('requireScope needs at least one scope');
  return principalGuard(async (request) => {
    const granted = current(request).scopes ?? [];
    const missing = scopes.filter((s) => !granted.includes(s));
    if (missing.length) throw forbidden(`缺少数据交换授权范围：${missing.join('、')}`);
  });
}

/** preHandler: 403 unless the caller holds at least one of the positions (岗位). */
export function requirePosition(...positions: string[]): AuthHandler {
  if (positions.length === 0) throw new Error('requirePosition needs at least one position');
  return principalGuard(async (request) => {
    if (!(current(request).positions ?? []).some((p) => positions.includes(p))) throw forbidden('缺少所需岗位');
  });
}
