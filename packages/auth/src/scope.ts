/**
 * Department and region scope checks, the same in every service. Staff act only for their own
 * department (部门) and only on cases within their region: a region is an administrative division
 * code (行政区划代码) whose length and trailing zeros give its level — 市 (city, `341600`),
 * 县区 (county/district, `341621`), 镇街 (town/subdistrict, `341621100`), 村社区 (village/community,
 * `341621100201`). A principal's region covers itself and every division below it.
 */
import type { FastifyRequest } from 'fastify';
import { Problems } from '@hall/http';
import type { Principal } from './principal.js';
import { FORBIDDEN_TITLE } from './plugin.js';

export const REGION_LEVELS = ['city', 'county', 'town', 'village'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** The level of a division code, or undefined when the value is not a division code. */
export function regionLevelOf(code: string): RegionLevel | undefined {
  if (/^\d{12}$/.test(code)) return 'village';
  if (/^\d{9}$/.test(code)) return 'town';
  if (/^\d{4}00$/.test(code)) return 'city';
  if (/^\d{6}$/.test(code)) return 'county';
  return undefined;
}

/** True when `scope` is `region` itself or a division above it. Anything that is not a code covers nothing. */
export function regionCovers(scope: string, region: string): boolean {
  const s = regionLevelOf(scope);
  if (!s || !regionLevelOf(region)) return false;
  const prefix = s === 'city' ? scope.slice(0, 4) : scope;
  return region.startsWith(prefix) && region.length >= scope.length;
}

/** A staff member may act for a department only when it is their own. */
export function canActInDepartment(p: Principal, department: string | undefined | null): boolean {
  return p.realm === 'staff' && !!p.department && !!department && p.department === department;
}

/** A staff member may act on a region only when their own region covers it. */
export function canActInRegion(p: Principal, region: string | undefined | null): boolean {
  return p.realm === 'staff' && !!p.region && !!region && regionCovers(p.region, region);
}

type Pick<T> = (request: FastifyRequest) => T | Promise<T>;

function principalOf(request: FastifyRequest): Principal {
  try {
    return request.principal;
  } catch {
    throw Problems.unauthorized('unauthenticated', '未登录或登录已过期', '请求未通过身份认证');
  }
}

/** preHandler: 403 unless the department picked from the request is the caller's own. */
export function requireDepartment(pick: Pick<string | undefined>) {
  return async (request: FastifyRequest): Promise<void> => {
    const p = principalOf(request);
    if (!canActInDepartment(p, await pick(request))) throw Problems.forbidden('forbidden', FORBIDDEN_TITLE, '只能办理本部门的事务');
  };
}

/** preHandler: 403 unless the caller's region covers the region picked from the request. */
export function requireRegion(pick: Pick<string | undefined>) {
  return async (request: FastifyRequest): Promise<void> => {
    const p = principalOf(request);
    if (!canActInRegion(p, await pick(request))) throw Problems.forbidden('forbidden', FORBIDDEN_TITLE, '只能办理本辖区的事务');
  };
}
