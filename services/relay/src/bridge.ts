/**
 * The `bridge` transport: one process holding the source zone's *sender* credentials (may only
 * read the lane's stream) and the destination zone's *receiver* credentials (may only publish the
 * lane's subjects), so NATS permissions make it one-way. For each message: whitelist, size and
 * contract checks; attachments copied between the zones' object stores with SHA-256 and content
 * sniffing verified; published with its own id as Nats-Msg-Id (JetStream drops a duplicate);
 * recorded in the ledger. Rejects go to quarantine with the reason and are acknowledged.
 */
import { consume, createPublisher } from '@hall/messaging';
import type { MessageOf, MessageType } from '@hall/contracts';
import { ObjectNotFoundError, ObjectTooLargeError, type ObjectStore } from '@hall/storage';
import type { Logger } from '@hall/logging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from './db.js';
import type { LaneDef } from './lanes.js';
import type { LaneMetrics } from './metrics.js';
import { itemAllowedTypes } from './item-types.js';
import { Quarantine, checkAttachment, checkEnvelope, inspectable } from './checks.js';
import { quarantine, sha256Of } from './ledger.js';

export { Quarantine, inspectable };

export interface BridgeDeps { lane: LaneDef; sourceNc: NatsConnection; destNc: NatsConnection; sourceStore: ObjectStore; destStore: ObjectStore; db: Db; logger: Logger; durable?: string; notifyOutbox?: () => void; metrics?: LaneMetrics }

export async function startBridge(d: BridgeDeps): Promise<{ stop(): Promise<void> }> {
  const publisher = createPublisher(d.destNc);
  const durable = d.durable ?? `relay-${d.lane.name}`;

  const refuse = async (seq: number, why: string, raw: Uint8Array, claimedId?: string, type = 'unknown') => {
    d.logger.warn({ lane: d.lane.name, seq, messageId: claimedId, reason: why }, 'message quarantined');
    await d.db.$transaction((tx) => quarantine(tx, d.lane, { seq, reason: why, raw: inspectable(raw), rawBytes: raw.length, sha256: sha256Of(raw), messageId: claimedId, type }));
    d.metrics?.quarantined.inc();
    d.notifyOutbox?.();
  };

  const copyAttachments = async (m: MessageOf<MessageType>) => {
    for (const a of m.attachments ?? []) {
      if (a.size > d.lane.maxAttachmentBytes) throw new Quarantine(`attachment ${a.key} exceeds ${d.lane.maxAttachmentBytes} bytes`);
      const existing = await d.destStore.stat(a.key);
      if (existing && existing.size === a.size && existing.metadata['sha256'] === a.sha256) continue; // copied before a crash
      // Missing or oversized is a fact about this message, not an outage: retrying would never end.
      const body = await d.sourceStore.getBuffer(a.key, d.lane.maxAttachmentBytes).catch((err: unknown) => {
        if (err instanceof ObjectNotFoundError) throw new Quarantine(`attachment ${a.key} is missing from the source store`);
        if (err instanceof ObjectTooLargeError) throw new Quarantine(`attachment ${a.key} exceeds ${d.lane.maxAttachmentBytes} bytes`);
        throw err;
      });
      await checkAttachment(d.lane, a, body, await itemAllowedTypes(d.db, m, a.key));
      await d.destStore.put(a.key, body, { contentType: a.contentType, metadata: { sha256: a.sha256 } });
    }
  };

  const consumer = await consume({
    nc: d.sourceNc, stream: d.lane.stream, durable, logger: d.logger, concurrency: 4,
    onInvalid: async (raw, error, meta) => {
      let id: unknown;
      try { id = (JSON.parse(Buffer.from(raw).toString('utf8')) as { id?: unknown }).id; } catch { /* not JSON at all */ }
      await refuse(meta.seq, `contract: ${error.message}`, raw, typeof id === 'string' ? id.slice(0, 64) : undefined);
    },
    handler: async (message, meta) => {
      const raw = JSON.stringify(message);
      try {
        checkEnvelope(d.lane, message, Buffer.byteLength(raw));
        await copyAttachments(message);
      } catch (err) {
        if (err instanceof Quarantine) return refuse(meta.seq, err.message, Buffer.from(raw), message.id, message.type);
        throw err; // storage unavailable and the like: nak, retried later
      }
      await publisher.publish(message);
      await d.db.ledgerEntry.createMany({ data: [{ lane: d.lane.name, messageId: message.id, sourceSeq: BigInt(meta.seq), type: message.type, status: 'relayed', bytes: Buffer.byteLength(raw) }], skipDuplicates: true });
      d.metrics?.relayed.inc();
    },
  });
  return consumer;
}
