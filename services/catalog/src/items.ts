/** Item repository: versions, publication (with its outbox message in the same transaction), audit. */
import { randomUUID } from 'node:crypto';
import { buildMessage, type ItemPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { BIRTH_REGISTRATION } from './demo-items.js';

export type ItemDraft = typeof BIRTH_REGISTRATION;
type ItemRow = NonNullable<Awaited<ReturnType<Db['item']['findFirst']>>>;

export function toPublication(item: ItemRow): ItemPublished['payload'] {
  return {
    code: item.code, version: item.version, name: item.name, powerType: item.powerType,
    department: item.department, departmentName: item.departmentName, hall: item.hall, level: item.level,
    promisedDays: item.promisedDays, statutoryDays: item.statutoryDays,
    ...(item.certificateType ? { certificateType: item.certificateType } : {}),
    guide: item.guide as Record<string, string>, formSchema: item.formSchema as Record<string, unknown>,
    materials: item.materials as ItemPublished['payload']['materials'],
    publishedAt: (item.publishedAt ?? new Date()).toISOString(),
  };
}

export function itemRepository(db: Db) {
  return {
    list: (opts: { status?: string; skip: number; take: number }) =>
      db.$transaction([
        db.item.findMany({ where: opts.status ? { status: opts.status } : {}, orderBy: [{ code: 'asc' }, { version: 'desc' }], skip: opts.skip, take: opts.take }),
        db.item.count({ where: opts.status ? { status: opts.status } : {} }),
      ]),
    get: (code: string, version: number) => db.item.findUnique({ where: { code_version: { code, version } } }),
    async ensureDraft(d: ItemDraft, actor: string): Promise<void> {
      await db.$transaction(async (tx) => {
        const existing = await tx.item.findUnique({ where: { code_version: { code: d.code, version: d.version } } });
        if (existing) return;
        const id = randomUUID();
        await tx.item.create({ data: { ...d, id, status: 'draft' } });
        await audit(tx, { actor, action: 'item.created', target: `${d.code}@${d.version}`, detail: {} });
      });
    },
    /** Publishes a draft; a published version answers 'already'. The outbox row commits with the change. */
    async publish(code: string, version: number, actor: string): Promise<'published' | 'already' | 'not_found' | 'retired'> {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ status: string }[]>('SELECT status FROM item WHERE code = $1 AND version = $2 FOR UPDATE', code, version);
        const row = rows[0];
        if (!row) return 'not_found';
        if (row.status === 'published') return 'already';
        if (row.status === 'retired') return 'retired';
        const item = await tx.item.update({ where: { code_version: { code, version } }, data: { status: 'published', publishedAt: new Date() } });
        // The previous published version retires: the portal offers one version per item.
        await tx.item.updateMany({ where: { code, status: 'published', version: { not: version } }, data: { status: 'retired' } });
        await audit(tx, { actor, action: 'item.published', target: `${code}@${version}`, detail: {} });
        await enqueue(tx, buildMessage('catalog.item.published', { zone: 'extranet', correlationId: `${code}@${version}`, payload: toPublication(item) }));
        return 'published';
      });
    },
  };
}
