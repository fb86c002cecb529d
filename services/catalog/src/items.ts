/**
 * Item repository: versions (draft → published → retired), publication and retirement (each with
 * its outbox message in the same transaction), audit. A version leaves the draft state only through
 * publish and then never changes again (the `item_guard` trigger holds that for every writer).
 */
import { randomUUID } from 'node:crypto';
import { buildMessage, type ItemPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import type { ItemInput } from './item-input.js';
import { renderFlowchart } from './workflow.js';

type Tx = Prisma.TransactionClient;
export type ItemRow = NonNullable<Awaited<ReturnType<Db['item']['findFirst']>>>;
export type BundleMember = { code: string; version: number; name: string };

/** The publication of a version, as declaration's replica and approval store it. */
export function toPublication(item: ItemRow): ItemPublished['payload'] {
  const workflow = item.workflow as NonNullable<ItemPublished['payload']['workflow']>;
  return {
    code: item.code, version: item.version, name: item.name, powerType: item.powerType,
    department: item.department, departmentName: item.departmentName, hall: item.hall, level: item.level,
    promisedDays: item.promisedDays, statutoryDays: item.statutoryDays,
    ...(item.certificateType ? { certificateType: item.certificateType } : {}),
    guide: item.guide as Record<string, string>, formSchema: item.formSchema as Record<string, unknown>,
    materials: item.materials as ItemPublished['payload']['materials'],
    publishedAt: (item.publishedAt ?? new Date()).toISOString(),
    status: item.status === 'retired' ? 'retired' : 'published',
    ...(item.retiredAt ? { retiredAt: item.retiredAt.toISOString() } : {}),
    ...(item.implementationCode ? { implementationCode: item.implementationCode } : {}),
    kind: item.kind as 'immediate' | 'promised', online: item.online, visits: item.visits,
    ...(item.keywords.length ? { keywords: item.keywords } : {}),
    ...(workflow?.steps?.length ? { workflow, flowchartSvg: renderFlowchart(workflow, item, item.name) } : {}),
    ...(item.bundle ? { bundle: item.bundle as BundleMember[] } : {}),
  };
}

const dataOf = (d: ItemInput & { bundle?: BundleMember[] }) => ({
  name: d.name, powerType: d.powerType, department: d.department, departmentName: d.departmentName, hall: d.hall, level: d.level,
  promisedDays: d.promisedDays, statutoryDays: d.statutoryDays, certificateType: d.certificateType ?? null, implementationCode: d.implementationCode ?? null,
  kind: d.kind, online: d.online, visits: d.visits, keywords: d.keywords ?? [], guide: d.guide, formSchema: d.formSchema as object,
  materials: d.materials as object, workflow: d.workflow as object, ...(d.bundle ? { bundle: d.bundle as object } : {}),
});

/** The version's status, its row locked for the rest of the transaction; null when there is no such version. */
async function lockedStatus(tx: Tx, code: string, version: number): Promise<string | null> {
  const rows = await tx.$queryRawUnsafe<{ status: string }[]>('SELECT status FROM item WHERE code = $1 AND version = $2 FOR UPDATE', code, version);
  return rows[0]?.status ?? null;
}

export type SaveResult = { result: 'created' | 'updated'; version: number } | { result: 'exists' | 'not_found' | 'immutable' | 'draft_exists'; version?: number };

export function itemRepository(db: Db) {
  const lock = (tx: Tx, code: string) => tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `item:${code}`);
  return {
    list: (opts: { status?: string; q?: string; department?: string; hall?: string; skip: number; take: number }) => {
      const where: Prisma.ItemWhereInput = {
        ...(opts.status ? { status: opts.status } : {}), ...(opts.department ? { department: opts.department } : {}), ...(opts.hall ? { hall: opts.hall } : {}),
        ...(opts.q ? { OR: [{ name: { contains: opts.q } }, { code: { contains: opts.q } }, { departmentName: { contains: opts.q } }, { keywords: { has: opts.q } }] } : {}),
      };
      return db.$transaction([
        db.item.findMany({ where, orderBy: [{ code: 'asc' }, { version: 'desc' }], skip: opts.skip, take: opts.take }),
        db.item.count({ where }),
      ]);
    },
    get: (code: string, version: number) => db.item.findUnique({ where: { code_version: { code, version } } }),
    latest: (code: string) => db.item.findFirst({ where: { code }, orderBy: { version: 'desc' } }),
    published: (code: string) => db.item.findFirst({ where: { code, status: 'published' } }),

    /** Version 1 of a new item, as a draft; 'exists' when the code is taken. */
    async create(d: ItemInput & { bundle?: BundleMember[] }, actor: string): Promise<SaveResult> {
      return db.$transaction(async (tx) => {
        await lock(tx, d.code);
        if (await tx.item.findFirst({ where: { code: d.code }, select: { id: true } })) return { result: 'exists' };
        await tx.item.create({ data: { id: randomUUID(), code: d.code, version: 1, status: 'draft', ...dataOf(d) } });
        await audit(tx, { actor, action: 'item.created', target: `${d.code}@1`, detail: {} });
        return { result: 'created', version: 1 };
      });
    },
    /** Replaces a draft's content; a published or retired version is immutable. */
    async updateDraft(code: string, version: number, d: ItemInput, actor: string): Promise<SaveResult> {
      return db.$transaction(async (tx) => {
        await lock(tx, code);
        const row = await tx.item.findUnique({ where: { code_version: { code, version } }, select: { status: true } });
        if (!row) return { result: 'not_found' };
        if (row.status !== 'draft') return { result: 'immutable', version };
        await tx.item.update({ where: { code_version: { code, version } }, data: { ...dataOf(d), updatedAt: new Date() } });
        await audit(tx, { actor, action: 'item.updated', target: `${code}@${version}`, detail: {} });
        return { result: 'updated', version };
      });
    },
    /** A new draft version, from the given content or as a copy of the latest version. */
    async newVersion(code: string, d: ItemInput | null, actor: string): Promise<SaveResult> {
      return db.$transaction(async (tx) => {
        await lock(tx, code);
        const latest = await tx.item.findFirst({ where: { code }, orderBy: { version: 'desc' } });
        if (!latest) return { result: 'not_found' };
        if (latest.status === 'draft') return { result: 'draft_exists', version: latest.version };
        const version = latest.version + 1;
        const { id: _id, version: _v, status: _s, publishedAt: _p, retiredAt: _r, createdAt: _c, updatedAt: _u, ...copy } = latest;
        const data = d ? dataOf(d) : { ...copy, guide: copy.guide as object, formSchema: copy.formSchema as object, materials: copy.materials as object, workflow: copy.workflow as object, bundle: (copy.bundle ?? undefined) as object | undefined };
        await tx.item.create({ data: { ...data, id: randomUUID(), code, version, status: 'draft' } });
        await audit(tx, { actor, action: 'item.created', target: `${code}@${version}`, detail: { from: latest.version } });
        return { result: 'created', version };
      });
    },
    /** Seeds and imports: the draft when missing, as is. */
    async ensureDraft(d: ItemInput & { version?: number; bundle?: BundleMember[] }, actor: string): Promise<void> {
      const version = d.version ?? 1;
      await db.$transaction(async (tx) => {
        await lock(tx, d.code);
        if (await tx.item.findUnique({ where: { code_version: { code: d.code, version } }, select: { id: true } })) return;
        await tx.item.create({ data: { id: randomUUID(), code: d.code, version, status: 'draft', ...dataOf(d) } });
        await audit(tx, { actor, action: 'item.created', target: `${d.code}@${version}`, detail: {} });
      });
    },
    /** Publishes a draft; a published version answers 'already'. The outbox row commits with the change. */
    async publish(code: string, version: number, actor: string): Promise<'published' | 'already' | 'not_found' | 'retired'> {
      return db.$transaction(async (tx) => {
        const status = await lockedStatus(tx, code, version);
        if (!status) return 'not_found';
        if (status === 'published') return 'already';
        if (status === 'retired') return 'retired';
        const now = new Date();
        const item = await tx.item.update({ where: { code_version: { code, version } }, data: { status: 'published', publishedAt: now, updatedAt: now } });
        // The previous published version retires: the portal offers one version per item, and cases
        // filed under it keep it (approval stores every version it received).
        await tx.item.updateMany({ where: { code, status: 'published', version: { not: version } }, data: { status: 'retired', retiredAt: now, updatedAt: now } });
        await audit(tx, { actor, action: 'item.published', target: `${code}@${version}`, detail: {} });
        await enqueue(tx, buildMessage('catalog.item.published', { zone: 'extranet', correlationId: `${code}@${version}`, payload: toPublication(item) }));
        return 'published';
      });
    },
    /**
     * Retires a published version: the portal stops taking new applications for it, cases already
     * filed carry on under it. Travels as a publication with status 'retired'.
     */
    async retire(code: string, version: number, actor: string): Promise<'retired' | 'already' | 'not_found' | 'draft'> {
      return db.$transaction(async (tx) => {
        const status = await lockedStatus(tx, code, version);
        if (!status) return 'not_found';
        if (status === 'retired') return 'already';
        if (status === 'draft') return 'draft';
        const now = new Date();
        const item = await tx.item.update({ where: { code_version: { code, version } }, data: { status: 'retired', retiredAt: now, updatedAt: now } });
        await audit(tx, { actor, action: 'item.retired', target: `${code}@${version}`, detail: {} });
        await enqueue(tx, buildMessage('catalog.item.published', { zone: 'extranet', correlationId: `${code}@${version}:retired`, payload: toPublication(item) }));
        return 'retired';
      });
    },
  };
}
