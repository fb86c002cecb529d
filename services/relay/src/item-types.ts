/**
 * Item-level attachment checks at the receiver: each published item version says which file types
 * each of its materials accepts. The inbound receiver keeps that table from the catalog's own
 * publications in its (extranet) zone — never from anything the internet side claims — and checks
 * every attachment's sniffed type against the material it is attached as. An item version the
 * receiver has not yet seen falls back to the lane's list (the catalog publishes long before anyone
 * can apply, so in practice every application's item is known).
 */
import { consume } from '@hall/messaging';
import type { ItemPublished, MessageOf, MessageType } from '@hall/contracts';
import type { Logger } from '@hall/logging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from './db.js';
import type { LaneDef } from './lanes.js';

export async function startItemTypes(d: { nc: NatsConnection; lane: LaneDef; db: Db; logger: Logger }): Promise<{ stop(): Promise<void> } | null> {
  const src = d.lane.itemTypes;
  if (!src) return null;
  return consume({
    nc: d.nc, stream: src.stream, durable: src.durable, filterSubjects: [src.subject], concurrency: 1, logger: d.logger,
    handler: async (m) => {
      if (m.type !== 'catalog.item.published') return;
      const p = (m as ItemPublished).payload;
      await d.db.$transaction(p.materials.map((mat) => d.db.itemMaterialType.upsert({
        where: { itemCode_itemVersion_materialCode: { itemCode: p.code, itemVersion: p.version, materialCode: mat.code } },
        create: { itemCode: p.code, itemVersion: p.version, materialCode: mat.code, allowedTypes: mat.allowedTypes },
        update: { allowedTypes: mat.allowedTypes },
      })));
    },
  });
}

export interface ItemAllowed { types: string[]; label: string }

/** The allowed types for one attachment of a message, or undefined when no item rule applies. */
export async function itemAllowedTypes(db: Db, message: MessageOf<MessageType>, attachmentKey: string): Promise<ItemAllowed | undefined> {
  if (message.type !== 'application.submitted') return undefined;
  const p = message.payload;
  const mat = p.materials.find((m) => m.objectKey === attachmentKey);
  if (!mat) return undefined;
  const row = await db.itemMaterialType.findUnique({ where: { itemCode_itemVersion_materialCode: { itemCode: p.itemCode, itemVersion: p.itemVersion, materialCode: mat.materialCode } } });
  return row ? { types: row.allowedTypes, label: `material ${mat.materialCode} of item ${p.itemCode}@${p.itemVersion}` } : undefined;
}
