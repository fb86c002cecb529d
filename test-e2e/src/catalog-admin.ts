/**
 * The catalog administrator (目录管理员) of 卫健委 that scenarios on the shared platform act as: the
 * demo data has none, so the system administrator creates one on first use; a later scenario on the
 * same platform signs in as the same account.
 */
import type { Platform } from '@hall/platform';
import { call, login } from './client.js';

const USERNAME = 'catadmin01';
const PASSWORD = 'Catalog#2026-admin';

/** A token of 卫健委's catalog administrator (role `catalog_admin`), created by `admin01` if absent. */
export async function catalogAdminToken(platform: Platform): Promise<string> {
  const identity = platform.url('identity-staff');
  const admin = await login(identity, 'admin01');
  const created = await call('POST', `${identity}/v1/admin/staff`, { token: admin, json: { username: USERNAME, name: '目录管理员', password: PASSWORD, department: 'gy-wjw', region: '341621', positions: [], roles: ['catalog_admin'] } });
  if (created.status !== 201 && created.body?.code !== 'username_taken') throw new Error(`catalog admin not created: ${created.status} ${JSON.stringify(created.body)}`);
  return login(identity, USERNAME, PASSWORD);
}

export const CATALOG_ADMIN = { username: USERNAME, password: PASSWORD, displayName: '目录管理员' };
