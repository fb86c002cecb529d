/**
 * Who is calling: the principal carried in an access token. An applicant (办事群众/企业) signs in
 * through the internet zone as realm 'public'; a civil servant (工作人员) signs in through the
 * government extranet as realm 'staff'. The same shape serves both so that shared code (audit,
 * logging) need not care which zone it runs in.
 */
import { Type, type Static } from '@sinclair/typebox';

/** 'client': another department's system calling the data-exchange API with client credentials. */
export const RealmSchema = Type.Union([Type.Literal('public'), Type.Literal('staff'), Type.Literal('client')]);
export type Realm = Static<typeof RealmSchema>;

const NonEmpty = Type.String({ minLength: 1, maxLength: 256 });

export const PrincipalSchema = Type.Object({
  /** Stable subject id: the user id in the zone's identity service, never an ID card number. */
  sub: NonEmpty,
  realm: RealmSchema,
  /** Display name for receipts and audit lines. */
  name: Type.String({ maxLength: 256 }),
  roles: Type.Array(NonEmpty, { maxItems: 64 }),
  /** Staff only: the department (部门) code the civil servant belongs to. */
  department: Type.Optional(NonEmpty),
  /** Staff only: positions (岗位) held, e.g. 受理岗, 审核岗, 审批岗; case steps are assigned to positions. */
  positions: Type.Optional(Type.Array(NonEmpty, { maxItems: 64 })),
  /** Administrative division code (行政区划代码) whose cases the principal may act on. */
  region: Type.Optional(NonEmpty),
  /** API clients only: the data-exchange scopes granted to the client (e.g. certificate:verify). */
  scopes: Type.Optional(Type.Array(NonEmpty, { maxItems: 64 })),
});

export interface Principal {
  sub: string;
  realm: Realm;
  name: string;
  roles: string[];
  department?: string;
  positions?: string[];
  region?: string;
  scopes?: string[];
}

/** Copies only the principal's own fields, so that token claims (iss, aud, exp…) never leak into it. */
export function pickPrincipal(claims: Principal): Principal {
  return {
    sub: claims.sub,
    realm: claims.realm,
    name: claims.name,
    roles: [...claims.roles],
    ...(claims.department !== undefined ? { department: claims.department } : {}),
    ...(claims.positions !== undefined ? { positions: [...claims.positions] } : {}),
    ...(claims.region !== undefined ? { region: claims.region } : {}),
    ...(claims.scopes !== undefined ? { scopes: [...claims.scopes] } : {}),
  };
}

/**
 * The audience of data-exchange client tokens: derived from the zone's audience, so that identity
 * (which signs them) and the exchange (the one service that accepts them) agree without another
 * setting, and no other service of the zone (which accepts only the zone's audience) takes them.
 * A client therefore reaches approval, certificate and catalog only through the exchange, with its
 * rate limit and audit; the exchange calls them with a service token of its own.
 */
export const exchangeAudience = (zoneAudience: string): string => `${zoneAudience}:exchange`;
