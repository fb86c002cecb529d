import { randomUUID } from 'node:crypto';
import { startService } from '@hall/service';
import { createServiceEnv } from '@hall/testkit/service-env';
import { startOrCleanup } from '@hall/testkit';
import { definition as approval } from '../../approval/src/app.js';
import { startIdentity, DEMO_PASSWORD, type Harness } from './helpers.js';

let staff: Harness;
beforeAll(async () => { staff = await startIdentity('staff', { SEED_DEMO: 'true' }); }, 60_000);
afterAll(async () => { await staff?.close(); }, 30_000);

const tokenOf = async (username: string) => (await staff.login(username, DEMO_PASSWORD)).json();
const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
  staff.svc.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
const idOf = async (username: string) => (await staff.svc.ctx.prisma.account.findFirstOrThrow({ where: { realm: 'staff', username } })).id;
const newStaff = (over: Record<string, unknown> = {}) => ({ username: `s${randomUUID().slice(0, 8)}`, name: '新职员', password: 'Init#Pass1', department: 'gy-wjw', region: '341621', positions: ['acceptance'], ...over });

describe('staff administration access', () => {
  it('lets a system administrator create staff in any department, audited, with the region level derived', async () => {
    const admin = (await tokenOf('admin01')).accessToken;
    const r = await call('POST', '/v1/admin/staff', admin, newStaff({ department: 'gy-mzj', region: '341621100', positions: ['review'] }));
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ department: 'gy-mzj', region: '341621100', regionLevel: 'town', positions: ['review'], roles: ['staff'] });
    const audit = await staff.svc.ctx.prisma.auditEntry.findFirstOrThrow({ where: { action: 'account.created', target: r.json().id } });
    expect(audit.actor).toBe(await idOf('admin01'));
  });

  it('should not let a department administrator manage another department or grant admin roles', async () => {
    const deptAdmin = (await tokenOf('wjwadmin')).accessToken;
    expect((await call('POST', '/v1/admin/staff', deptAdmin, newStaff())).statusCode).toBe(201);
    expect((await call('POST', '/v1/admin/staff', deptAdmin, newStaff({ department: 'gy-mzj' }))).statusCode).toBe(403);
    expect((await call('POST', '/v1/admin/staff', deptAdmin, newStaff({ roles: ['sys_admin'] }))).statusCode).toBe(403);
    expect((await call('POST', `/v1/admin/staff/${await idOf('window02')}/disable`, deptAdmin)).statusCode).toBe(403);
    expect((await call('POST', `/v1/admin/staff/${await idOf('window01')}/move`, deptAdmin, { department: 'gy-mzj' })).statusCode).toBe(403);
    // The listing is limited to the administrator's own department, whatever the query says.
    const list = await call('GET', '/v1/admin/staff?department=gy-mzj&pageSize=100', deptAdmin);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.every((a: { department: string }) => a.department === 'gy-wjw')).toBe(true);
  });

  it('should not let ordinary staff or supervisors administer accounts or keys', async () => {
    for (const u of ['window01', 'approver01', 'supervisor01']) {
      const t = (await tokenOf(u)).accessToken;
      expect((await call('GET', '/v1/admin/staff', t)).statusCode).toBe(403);
      expect((await call('POST', '/v1/admin/staff', t, newStaff())).statusCode).toBe(403);
      expect((await call('POST', '/v1/admin/keys/rotate', t)).statusCode).toBe(403);
      expect((await call('POST', '/v1/admin/clients', t, { clientId: 'x-client', name: 'x', department: 'gy-wjw', scopes: ['case:status'] })).statusCode).toBe(403);
    }
    const wjw = (await tokenOf('wjwadmin')).accessToken;
    expect((await call('POST', '/v1/admin/clients', wjw, { clientId: 'x-client', name: 'x', department: 'gy-wjw', scopes: ['case:status'] })).statusCode).toBe(403);
  });

  it('refuses bad admin input with 400', async () => {
    const admin = (await tokenOf('admin01')).accessToken;
    for (const body of [newStaff({ region: '34162' }), newStaff({ region: "341621' OR 1=1" }), newStaff({ positions: ['boss'] }), newStaff({ department: 'GY WJW;' }), newStaff({ name: 'x'.repeat(40) })]) {
      expect((await call('POST', '/v1/admin/staff', admin, body)).statusCode).toBe(400);
    }
  });

  it('moves an account (audited) and ends its sessions so the new department reaches every service', async () => {
    const admin = (await tokenOf('admin01')).accessToken;
    const t = await call('POST', '/v1/admin/staff', admin, newStaff());
    const session = (await staff.login(t.json().username, 'Init#Pass1')).json();
    const moved = await call('POST', `/v1/admin/staff/${t.json().id}/move`, admin, { department: 'gy-mzj', positions: ['approval'] });
    expect(moved.json()).toMatchObject({ department: 'gy-mzj', positions: ['approval'] });
    expect((await staff.svc.ctx.prisma.auditEntry.findFirstOrThrow({ where: { action: 'account.moved', target: t.json().id } })).detail).toMatchObject({ from: { department: 'gy-wjw' }, to: { department: 'gy-mzj' } });
    expect((await staff.svc.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    expect((await staff.login(t.json().username, 'Init#Pass1')).json().principal.department).toBe('gy-mzj');
  });

  it('disables a staff account: refresh and identity refuse at once, other services once the access token expires', async () => {
    const admin = (await tokenOf('admin01')).accessToken;
    const t = await call('POST', '/v1/admin/staff', admin, newStaff());
    const session = (await staff.login(t.json().username, 'Init#Pass1')).json();
    expect((await call('POST', `/v1/admin/staff/${t.json().id}/disable`, admin)).json().disabled).toBe(true);
    expect(await staff.svc.ctx.prisma.auditEntry.count({ where: { action: 'account.disabled', target: t.json().id } })).toBe(1);

    expect((await staff.me(session.accessToken)).statusCode).toBe(401);
    expect((await staff.svc.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    expect((await staff.login(t.json().username, 'Init#Pass1')).statusCode).toBe(403);
    // Another service verifies statelessly from identity's JWKS: the token is honoured until its
    // exp (ACCESS_TOKEN_TTL_SECONDS after issue), never beyond. Shown with approval's clock moved on.
    const env = await createServiceEnv({ zone: 'extranet', natsUser: 'approval', objectStore: true, env: { AUTH_JWKS_URL: `${staff.svc.url}/.well-known/jwks.json` } });
    const svc = await startOrCleanup(env, () => startService(approval, env.env));
    try {
      const list = () => svc.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${session.accessToken}` } });
      expect((await list()).statusCode).toBe(200);
      const exp = JSON.parse(Buffer.from(session.accessToken.split('.')[1], 'base64url').toString()).exp as number;
      expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(900_000);
      const realNow = Date.now;
      Date.now = () => (exp + 31) * 1000;
      try { expect((await list()).statusCode).toBe(401); } finally { Date.now = realNow; }
    } finally { await svc.stop(); await env.cleanup(); }
    // Re-enabling does not revive the old sessions.
    expect((await call('POST', `/v1/admin/staff/${t.json().id}/enable`, admin)).json().disabled).toBe(false);
    expect((await staff.svc.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
  });

  it('should not let an administrator disable their own account', async () => {
    const admin = (await tokenOf('admin01')).accessToken;
    expect((await call('POST', `/v1/admin/staff/${await idOf('admin01')}/disable`, admin)).json().code).toBe('cannot_change_self');
  });
});
