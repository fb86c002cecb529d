/**
 * Drafts (草稿): an application saved before it is complete — partial form, chosen materials — to
 * resume later on any device. Only the owner sees a draft; another account's id answers 404.
 * Submitting with `draftId` deletes the draft in the submission's transaction.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { PageQuery, PageOf, pageWindow } from '@hall/service';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { PortalDeps } from './deps.js';

const DraftMaterial = StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), materialId: Type.String({ format: 'uuid' }) });
const DraftBody = StrictObject({
  itemCode: Type.String({ minLength: 1, maxLength: 64 }),
  form: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 100 }),
  materials: Type.Array(DraftMaterial, { maxItems: 50 }),
});
const DraftUpdate = StrictObject({ form: DraftBody.properties.form, materials: DraftBody.properties.materials });
const DraftView = Type.Object({
  draftId: Type.String(), itemCode: Type.String(), itemName: Type.String(), form: Type.Record(Type.String(), Type.Unknown()),
  materials: Type.Array(Type.Object({ materialCode: Type.String(), materialId: Type.String(), fileName: Type.Optional(Type.String()) })), createdAt: Type.String(), updatedAt: Type.String(),
});
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });

type Row = NonNullable<Awaited<ReturnType<Db['draft']['findFirst']>>>;
type Chosen = { materialCode: string; materialId: string };

export function draftRepository(db: Db) {
  return {
    create: (d: { accountId: string; itemCode: string; itemName: string; form: object; materials: Chosen[] }) => db.draft.create({ data: { id: randomUUID(), ...d } }),
    list: (accountId: string, q: { skip: number; take: number }) =>
      db.$transaction([db.draft.findMany({ where: { accountId }, orderBy: { updatedAt: 'desc' }, skip: q.skip, take: q.take }), db.draft.count({ where: { accountId } })]),
    getOwned: (accountId: string, id: string) => db.draft.findFirst({ where: { id, accountId } }),
    update: async (accountId: string, id: string, d: { form: object; materials: Chosen[] }) =>
      (await db.draft.updateMany({ where: { id, accountId }, data: { ...d, updatedAt: new Date() } })).count > 0,
    delete: (accountId: string, id: string) => db.$transaction(async (tx) => {
      const n = (await tx.draft.deleteMany({ where: { id, accountId } })).count;
      if (n) await audit(tx, { actor: accountId, action: 'draft.delete', target: id });
      return n > 0;
    }),
    /** Materials of the owner that are still unattached (a draft may only point at those). */
    materialNames: async (accountId: string, ids: string[]) =>
      new Map((await db.material.findMany({ where: { accountId, id: { in: ids } }, select: { id: true, fileName: true, itemCode: true, applicationId: true } })).map((m) => [m.id, m])),
  };
}

export async function draftRoutes(d: PortalDeps): Promise<void> {
  const { app, applicant, acting } = d;
  const drafts = draftRepository(d.ctx.prisma);

  const view = async (r: Row) => {
    const chosen = r.materials as Chosen[];
    const names = await drafts.materialNames(r.accountId, chosen.map((m) => m.materialId));
    return {
      draftId: r.id, itemCode: r.itemCode, itemName: r.itemName, form: r.form as Record<string, unknown>,
      materials: chosen.map((m) => ({ ...m, ...(names.get(m.materialId) ? { fileName: names.get(m.materialId)!.fileName } : {}) })),
      createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
    };
  };
  /** A draft may name only the owner's own, unsubmitted materials of that item. */
  const checkMaterials = async (ownerId: string, itemCode: string, chosen: Chosen[]) => {
    const found = await drafts.materialNames(ownerId, chosen.map((m) => m.materialId));
    for (const m of chosen) {
      const f = found.get(m.materialId);
      if (!f || f.itemCode !== itemCode || f.applicationId) throw Problems.badRequest('material_not_found', '所选材料不存在或不属于本事项', `材料 ${m.materialId}`);
    }
  };

  app.post('/v1/drafts', { preHandler: applicant, schema: { body: DraftBody, response: { 201: DraftView, 400: ProblemSchema, 404: ProblemSchema } } }, async (req, reply) => {
    const owner = await acting(req);
    const item = await d.replica.get(req.body.itemCode);
    if (!item) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
    await checkMaterials(owner.ownerId, item.code, req.body.materials);
    const r = await drafts.create({ accountId: owner.ownerId, itemCode: item.code, itemName: item.name, form: req.body.form, materials: req.body.materials });
    reply.code(201);
    return view(r);
  });

  app.get('/v1/drafts', { preHandler: applicant, schema: { querystring: Type.Object(PageQuery), response: { 200: PageOf(DraftView) } } }, async (req) => {
    const [rows, total] = await drafts.list((await acting(req)).ownerId, pageWindow(req.query));
    return { items: await Promise.all(rows.map(view)), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  app.get('/v1/drafts/:id', { preHandler: applicant, schema: { params: Params, response: { 200: DraftView, 404: ProblemSchema } } }, async (req) => {
    const r = await drafts.getOwned((await acting(req)).ownerId, req.params.id);
    if (!r) throw Problems.notFound('draft_not_found', '草稿不存在');
    return view(r);
  });

  app.put('/v1/drafts/:id', { preHandler: applicant, schema: { params: Params, body: DraftUpdate, response: { 200: DraftView, 400: ProblemSchema, 404: ProblemSchema } } }, async (req) => {
    const owner = await acting(req);
    const existing = await drafts.getOwned(owner.ownerId, req.params.id);
    if (!existing) throw Problems.notFound('draft_not_found', '草稿不存在');
    await checkMaterials(owner.ownerId, existing.itemCode, req.body.materials);
    if (!(await drafts.update(owner.ownerId, req.params.id, req.body))) throw Problems.notFound('draft_not_found', '草稿不存在');
    return view((await drafts.getOwned(owner.ownerId, req.params.id))!);
  });

  app.delete('/v1/drafts/:id', { preHandler: applicant, schema: { params: Params, response: { 204: Type.Null(), 404: ProblemSchema } } }, async (req, reply) => {
    if (!(await drafts.delete((await acting(req)).ownerId, req.params.id))) throw Problems.notFound('draft_not_found', '草稿不存在');
    reply.code(204).send(null);
  });
}
