/**
 * Staff realm administration (extranet): department administrators manage the staff of their own
 * department; system administrators manage every department, API clients and signing keys. Every
 * change is audited with the acting administrator; disabling or moving an account ends its
 * refresh tokens at once (access tokens already issued run out within ACCESS_TOKEN_TTL_SECONDS).
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { canActInDepartment, regionLevelOf, requireRealm, requireRole, type Principal } from '@hall/auth';
import { PageOf, PageQuery, pageWindow } from '@hall/service';
import { hashPassword } from './passwords.js';
import { activeAccount, Password, passwordProblem, PersonName, type IdentityDeps } from './deps.js';
import type { AccountRow } from './accounts.js';

/** 受理, 审查, 审批/决定, 送达/办结 (the demo workflows' last step). */
export const POSITIONS = ['acceptance', 'review', 'approval', 'delivery'] as const;
export const STAFF_ROLES = ['staff', 'supervisor', 'catalog_admin', 'openness_editor', 'complaint_handler', 'dept_admin', 'sys_admin'] as const;
/** Roles a department administrator may hand out; the rest only a system administrator. */
const DEPT_ADMIN_GRANTS = ['staff', 'catalog_admin', 'openness_editor', 'complaint_handler'];

const Code = Type.String({ minLength: 2, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' });
const Region = Type.String({ pattern: '^(\\d{6}|\\d{9}|\\d{12})$' });
const StaffView = Type.Object({
  id: Type.String(), username: Type.String(), name: Type.String(), kind: Type.String(), roles: Type.Array(Type.String()),
  department: Type.Union([Type.String(), Type.Null()]), positions: Type.Array(Type.String()),
  region: Type.Union([Type.String(), Type.Null()]), regionLevel: Type.Union([Type.String(), Type.Null()]), disabled: Type.Boolean(),
});
const view = (a: AccountRow) => ({ id: a.id, username: a.username, name: a.name, kind: a.kind, roles: a.roles, department: a.department, positions: a.positions, region: a.region, regionLevel: a.regionLevel, disabled: a.disabled });
const isSysAdmin = (p: Principal) => p.roles.includes('sys_admin');

export async function adminRoutes(d: IdentityDeps): Promise<void> {
  const { app, accounts } = d;
  const admin = [app.authenticate, requireRealm('staff'), requireRole('dept_admin', 'sys_admin')];
  const sysAdmin = [app.authenticate, requireRealm('staff'), requireRole('sys_admin')];

  /** The caller (re-read: a disabled admin is refused at once) and the guard for a department. */
  const actor = async (req: Parameters<typeof activeAccount>[1]) => {
    const me = await activeAccount(d, req);
    const p = { ...req.principal, roles: me.roles, ...(me.department ? { department: me.department } : {}) };
    return {
      me,
      mayManage(department: string | null | undefined) {
        if (!isSysAdmin(p) && !canActInDepartment(p, department)) throw Problems.forbidden('forbidden', '无权执行此操作', '部门管理员只能管理本部门的账号');
      },
      mayGrant(roles: string[]) {
        if (!isSysAdmin(p) && roles.some((r) => !DEPT_ADMIN_GRANTS.includes(r))) throw Problems.forbidden('forbidden', '无权执行此操作', '只有系统管理员可以授予管理或监察角色');
      },
    };
  };
  const target = async (id: string) => {
    const a = await accounts.findById(id);
    if (!a || a.realm !== 'staff') throw Problems.notFound('account_not_found', '账号不存在');
    return a;
  };
  const regionLevel = (region: string) => {
    const level = regionLevelOf(region);
    if (!level) throw Problems.badRequest('region_invalid', '行政区划代码不正确');
    return level;
  };

  app.get('/v1/admin/staff', {
    preHandler: admin,
    schema: { querystring: StrictObject({ ...PageQuery, department: Type.Optional(Code) }), response: { 200: PageOf(StaffView), 403: ProblemSchema } },
  }, async (req) => {
    const a = await actor(req);
    const department = isSysAdmin(req.principal) ? req.query.department : a.me.department;
    if (!isSysAdmin(req.principal) && !department) throw Problems.forbidden('forbidden', '无权执行此操作', '部门管理员未归属任何部门');
    const { skip, take } = pageWindow(req.query);
    const [rows, total] = await accounts.list({ realm: 'staff', ...(department ? { department } : {}) }, skip, take);
    return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  app.post('/v1/admin/staff', {
    preHandler: admin,
    schema: {
      body: StrictObject({
        username: Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' }),
        name: PersonName, password: Password, department: Code, region: Region,
        positions: Type.Array(Type.Union(POSITIONS.map((p) => Type.Literal(p))), { maxItems: 4, uniqueItems: true }),
        roles: Type.Optional(Type.Array(Type.Union(STAFF_ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: 5, uniqueItems: true })),
      }),
      response: { 201: StaffView, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
    },
  }, async (req, reply) => {
    const a = await actor(req);
    const b = req.body;
    const roles = b.roles ?? ['staff'];
    a.mayManage(b.department);
    a.mayGrant(roles);
    const weak = passwordProblem(b.password, b.username);
    if (weak) throw Problems.badRequest('password_too_weak', '初始密码不符合要求', weak);
    if (await accounts.findByUsername('staff', b.username)) throw Problems.conflict('username_taken', '用户名已被使用');
    const row = await accounts.create({
      realm: 'staff', username: b.username, name: b.name, passwordHash: await hashPassword(b.password),
      kind: roles.includes('sys_admin') ? 'admin' : roles.includes('supervisor') ? 'supervisor' : 'staff',
      roles, department: b.department, positions: b.positions, region: b.region, regionLevel: regionLevel(b.region),
    }, a.me.id);
    reply.code(201);
    return view(row);
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/v1/admin/staff/:id/${action}`, {
      preHandler: admin,
      schema: { params: StrictObject({ id: Type.String({ format: 'uuid' }) }), response: { 200: StaffView, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema } },
    }, async (req) => {
      const a = await actor(req);
      const t = await target(req.params.id);
      a.mayManage(t.department);
      if (t.id === a.me.id) throw Problems.badRequest('cannot_change_self', '不能停用或启用自己的账号');
      const row = await accounts.update(t.id, { disabled: action === 'disable' }, { actor: a.me.id, action: `account.${action}d` }, async (tx) => {
        if (action === 'disable') await d.refreshTokens.revokeAll(tx, t.id, 'disabled');
      });
      return view(row);
    });
  }

  app.post('/v1/admin/staff/:id/move', {
    preHandler: admin,
    schema: {
      params: StrictObject({ id: Type.String({ format: 'uuid' }) }),
      body: StrictObject({
        department: Type.Optional(Code), region: Type.Optional(Region),
        positions: Type.Optional(Type.Array(Type.Union(POSITIONS.map((p) => Type.Literal(p))), { maxItems: 4, uniqueItems: true })),
      }, { minProperties: 1 }),
      response: { 200: StaffView, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
    },
  }, async (req) => {
    const a = await actor(req);
    const t = await target(req.params.id);
    a.mayManage(t.department);
    if (req.body.department) a.mayManage(req.body.department);
    const data = {
      ...(req.body.department ? { department: req.body.department } : {}),
      ...(req.body.region ? { region: req.body.region, regionLevel: regionLevel(req.body.region) } : {}),
      ...(req.body.positions ? { positions: req.body.positions } : {}),
    };
    const from = { department: t.department, region: t.region, positions: t.positions };
    // The new claims reach services with the next token: refresh tokens end so that happens at once.
    const row = await accounts.update(t.id, data, { actor: a.me.id, action: 'account.moved', detail: { from, to: req.body } }, async (tx) => { await d.refreshTokens.revokeAll(tx, t.id, 'moved'); });
    return view(row);
  });

  app.post('/v1/admin/clients', {
    preHandler: sysAdmin,
    schema: {
      body: StrictObject({
        clientId: Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }), name: Type.String({ minLength: 1, maxLength: 100 }), department: Code,
        scopes: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.:-]*$' }), { minItems: 1, maxItems: 32, uniqueItems: true }),
      }),
      response: { 201: Type.Object({ clientId: Type.String(), clientSecret: Type.String(), scopes: Type.Array(Type.String()) }), 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
    },
  }, async (req, reply) => {
    const a = await actor(req);
    // Shown once; only its scrypt hash is kept.
    const clientSecret = randomBytes(32).toString('base64url');
    const created = await d.clients.ensure({ ...req.body, secretHash: await hashPassword(clientSecret) }, a.me.id);
    if (!created) throw Problems.conflict('client_exists', '该客户端标识已存在');
    reply.code(201);
    return { clientId: req.body.clientId, clientSecret, scopes: req.body.scopes };
  });

  app.post('/v1/admin/clients/:clientId/disable', {
    preHandler: sysAdmin,
    schema: { params: StrictObject({ clientId: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), 404: ProblemSchema } },
  }, async (req, reply) => {
    const a = await actor(req);
    if (!(await d.clients.setDisabled(req.params.clientId, true, a.me.id))) throw Problems.notFound('client_not_found', '客户端不存在');
    reply.code(204).send(null);
  });

  app.post('/v1/admin/keys/rotate', {
    preHandler: sysAdmin,
    schema: { response: { 200: Type.Object({ kid: Type.String(), retired: Type.Union([Type.String(), Type.Null()]) }), 403: ProblemSchema } },
  }, async (req) => {
    const a = await actor(req);
    return d.keystore.rotate(a.me.id);
  });
}
