/** Authorization header values for fuzzing a zone's service: its real principals plus the JWT attacks. */
import { randomUUID } from 'node:crypto';
import type { ServiceEnv } from '@hall/testkit/service-env';
import { attackAuthorizations } from '../src/fuzz.js';

export const SCOPES = ['certificate:verify', 'certificate:read', 'case:status', 'case:applicant', 'catalog:read'];

export function authorizations(env: ServiceEnv, zone: 'internet' | 'extranet'): string[] {
  const bearer = (t: string) => `Bearer ${t}`;
  const attacks = Object.values(attackAuthorizations(env.keyFile, zone));
  const own = zone === 'internet'
    ? [
      env.token({ sub: randomUUID(), realm: 'public', name: '周梦婕', roles: ['applicant'] }),
      env.token({ sub: randomUUID(), realm: 'public', name: '刘代办', roles: ['applicant', 'agent'], region: '341621100' }),
      // Right key, wrong realm for this zone's applicants.
      env.token({ sub: randomUUID(), realm: 'staff', name: '王受理', roles: ['staff', 'sys_admin'], department: 'gy-wjw', positions: ['acceptance'] }),
    ]
    : [
      env.token({ sub: randomUUID(), realm: 'staff', name: '王受理', roles: ['staff', 'dept_admin', 'sys_admin', 'supervisor', 'catalog_admin'], department: 'gy-wjw', positions: ['acceptance', 'review', 'approval'], region: '341621' }),
      env.token({ sub: randomUUID(), realm: 'staff', name: '郑受理', roles: ['staff'], department: 'gy-mzj', positions: ['acceptance'], region: '341621' }),
      env.token({ sub: randomUUID(), realm: 'client', name: '第三方系统', roles: [], scopes: SCOPES }),
      env.token({ sub: randomUUID(), realm: 'public', name: '周梦婕', roles: ['applicant'] }),
    ];
  // Legitimate callers twice as often as each attack, so handlers are reached as well as refused.
  return ['', ...own.map(bearer), ...own.map(bearer), ...attacks];
}

export const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Declaration tables written by background jobs on their own timers, not by requests (the daily payment reconciliation). */
export const DECLARATION_BACKGROUND_TABLES = ['payment_reconciliation'];
