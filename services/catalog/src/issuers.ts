/**
 * Issuers (发证机关): the departments that issue certificates, as catalog data like every other
 * definition — the department's name, its GB/T 36904 issuer code (the 18-character unified social
 * credit code, part of every certificate identifier) and how its signing key comes about (created
 * at the first issuance, or only by its admin). Each save is a new version, audited and published
 * (catalog.issuer.published, extranet only) to the certificate service; certificate types name the
 * departments that issue them (certificate-types.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ProblemSchema, Problems, StrictObject, type HttpApp } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { buildMessage } from '@hall/contracts';
import { enqueue, type SqlExecutor } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import type { Db } from './db.js';
import { saveVersioned, announceAll } from './versioned.js';

export const IssuerInput = StrictObject({
  name: Type.String({ minLength: 2, maxLength: 200 }),
  /** 统一社会信用代码 (GB 32100 alphabet: no I, O, S, V, Z). */
  creditCode: Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' }),
  keyPolicy: Type.Optional(Type.Union([Type.Literal('on_first_use'), Type.Literal('admin')])),
});
export type IssuerInput = Static<typeof IssuerInput>;

type Row = { department: string; name: string; creditCode: string; keyPolicy: string; version: number; updatedAt: Date };
const view = (r: Row) => ({ department: r.department, name: r.name, creditCode: r.creditCode, keyPolicy: r.keyPolicy as 'on_first_use' | 'admin', version: r.version, updatedAt: r.updatedAt.toISOString() });

async function announce(tx: SqlExecutor, r: Row): Promise<void> {
  const v = view(r);
  await enqueue(tx, buildMessage('catalog.issuer.published', {
    zone: 'extranet', correlationId: `issuer:${r.department}`,
    payload: { department: v.department, name: v.name, creditCode: v.creditCode, keyPolicy: v.keyPolicy, version: v.version, publishedAt: new Date().toISOString() },
  }));
}

export function issuerRepository(db: Db) {
  return {
    get: async (department: string) => { const r = await db.issuer.findUnique({ where: { department } }); return r ? view(r) : null; },
    list: async () => (await db.issuer.findMany({ orderBy: { department: 'asc' } })).map(view),
    /** Saves (a new version) and publishes in one transaction, audited (versioned.ts). `onlyIfAbsent`: the seed does not overwrite an admin's edit. */
    async save(department: string, d: IssuerInput, actor: string, onlyIfAbsent = false) {
      const row = await saveVersioned(db, {
        key: `issuer:${department}`, actor, action: 'issuer.saved', onlyIfAbsent,
        find: (tx) => tx.issuer.findUnique({ where: { department } }),
        write: (tx, prev, version) => {
          const data = { name: d.name, creditCode: d.creditCode, keyPolicy: d.keyPolicy ?? prev?.keyPolicy ?? 'on_first_use', version, updatedBy: actor, updatedAt: new Date() };
          return tx.issuer.upsert({ where: { department }, create: { department, ...data }, update: data });
        },
        detail: (r) => ({ creditCode: r.creditCode, keyPolicy: r.keyPolicy }),
        announce,
      });
      return row ? view(row) : null;
    },
    /** Publishes every record again at start. */
    announceAll: async (): Promise<number> => announceAll(db, await db.issuer.findMany(), announce),
  };
}

const View = Type.Object({ department: Type.String(), name: Type.String(), creditCode: Type.String(), keyPolicy: Type.String(), version: Type.Integer(), updatedAt: Type.String() });
const DepartmentParams = StrictObject({ department: Type.String({ pattern: '^[a-z0-9-]{2,64}$' }) });

export function registerIssuers<C>(app: HttpApp, ctx: ServiceContext<C, Db>): void {
  const issuers = issuerRepository(ctx.prisma);
  const staff = [app.authenticate, requireRealm('staff')];
  app.get('/v1/issuers', { preHandler: staff, schema: { response: { 200: Type.Object({ items: Type.Array(View) }) } } }, async () => ({ items: await issuers.list() }));
  app.get('/v1/issuers/:department', { preHandler: staff, schema: { params: DepartmentParams, response: { 200: View, 400: ProblemSchema, 404: ProblemSchema } } }, async (req) => {
    const r = await issuers.get(req.params.department);
    if (!r) throw Problems.notFound('issuer_not_found', '该部门没有发证机关记录');
    return r;
  });
  // Defines or changes a department's issuer record; every save is a new version, published to the certificate service.
  app.put('/v1/issuers/:department', {
    preHandler: [...staff, requireRole('catalog_admin')],
    schema: { params: DepartmentParams, body: IssuerInput, response: { 200: View, 400: ProblemSchema, 403: ProblemSchema } },
  }, async (req) => {
    const saved = (await issuers.save(req.params.department, req.body, req.principal.sub))!;
    ctx.outbox.notify();
    return saved;
  });
}
