/**
 * The `bridge` transport: one process holding the source zone's *sender* credentials (may only
 * read the lane's stream) and the destination zone's *receiver* credentials (may only publish the
 * lane's subjects), so NATS permissions make it one-way. For each message: whitelist, size and
 * contract checks; attachments copied between the zones' object stores with SHA-256 and content
 * sniffing verified; published with its own id as Nats-Msg-Id (JetStream drops a duplicate);
 * recorded in the ledger. Rejects go to quarantine with the reason and are acknowledged.
 */
import { consume, createPublisher } from '@hall/messaging';
import { validateMessage, ContractError, type MessageOf, type MessageType } from '@hall/contracts';
import { ObjectNotFoundError, ObjectTooLargeError, sha256Hex, sniffContentType, type ObjectStore } from '@hall/storage';
import type { Logger } from '@hall/logging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from './db.js';
import type { LaneDef } from './lanes.js';

export class Quarantine extends Error {}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const withoutNul = (s: string) => s.replace(/\u0000/g, '\uFFFD');

/**
 * The refused bytes as text for the quarantine row. Postgres `text` cannot hold NUL and would
 * refuse the row (the message would then be terminated unrecorded), and bytes that are not UTF-8
 * would be mangled by decoding: both are kept as `base64:` instead, losslessly.
 */
export function inspectable(raw: Uint8Array): string {
  try {
    const text = strictUtf8.decode(raw);
    if (!text.includes('\u0000')) return text;
  } catch { /* not UTF-8 */ }
  return `base64:${Buffer.from(raw).toString('base64')}`;
}

export interface BridgeDeps { lane: LaneDef; sourceNc: NatsConnection; destNc: NatsConnection; sourceStore: ObjectStore; destStore: ObjectStore; db: Db; logger: Logger; durable?: string }

export async function startBridge(d: BridgeDeps): Promise<{ stop(): Promise<void> }> {
  const publisher = createPublisher(d.destNc);
  const durable = d.durable ?? `relay-${d.lane.name}`;

  const quarantine = async (seq: number, why: string, raw: string, claimedId?: string, type = 'unknown') => {
    // Reasons quote the refused input (JSON.parse does) and ids come from it: neither may carry NUL.
    const reason = withoutNul(why);
    const messageId = claimedId === undefined ? undefined : withoutNul(claimedId);
    d.logger.warn({ lane: d.lane.name, seq, messageId, reason }, 'message quarantined');
    await d.db.$transaction(async (tx) => {
      await tx.quarantineEntry.create({ data: { lane: d.lane.name, messageId: messageId ?? null, sourceSeq: BigInt(seq), reason, raw: raw.slice(0, 1_000_000) } });
      if (messageId) {
        await tx.ledgerEntry.createMany({ data: [{ lane: d.lane.name, messageId, sourceSeq: BigInt(seq), type, status: 'quarantined', reason, bytes: raw.length }], skipDuplicates: true });
      }
    });
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
      if (body.length !== a.size || sha256Hex(body) !== a.sha256) throw new Quarantine(`attachment ${a.key} does not match its SHA-256`);
      const sniffed = await sniffContentType(body.subarray(0, 4100));
      if (!sniffed || sniffed.mime !== a.contentType) throw new Quarantine(`attachment ${a.key} is ${sniffed?.mime ?? 'unrecognised'}, declared ${a.contentType}`);
      await d.destStore.put(a.key, body, { contentType: a.contentType, metadata: { sha256: a.sha256 } });
    }
  };

  const consumer = await consume({
    nc: d.sourceNc, stream: d.lane.stream, durable, logger: d.logger, concurrency: 4,
    onInvalid: async (raw, error, meta) => {
      const text = inspectable(raw);
      let id: unknown;
      try { id = (JSON.parse(text) as { id?: unknown }).id; } catch { /* not JSON at all */ }
      await quarantine(meta.seq, `contract: ${error.message}`, text, typeof id === 'string' ? id.slice(0, 64) : undefined);
    },
    handler: async (message, meta) => {
      const raw = JSON.stringify(message);
      try {
        if (!d.lane.types.includes(message.type as MessageType)) throw new Quarantine(`type ${message.type} is not on the ${d.lane.name} lane's whitelist`);
        if (Buffer.byteLength(raw) > d.lane.maxMessageBytes) throw new Quarantine(`message exceeds ${d.lane.maxMessageBytes} bytes`);
        if (message.zone !== d.lane.source) throw new Quarantine(`message from zone ${message.zone} on a lane leaving ${d.lane.source}`);
        validateMessage(message);
        await copyAttachments(message);
      } catch (err) {
        if (err instanceof Quarantine || err instanceof ContractError) return quarantine(meta.seq, err.message, raw, message.id, message.type);
        throw err; // storage unavailable and the like: nak, retried later
      }
      await publisher.publish(message);
      await d.db.ledgerEntry.createMany({ data: [{ lane: d.lane.name, messageId: message.id, sourceSeq: BigInt(meta.seq), type: message.type, status: 'relayed', bytes: Buffer.byteLength(raw) }], skipDuplicates: true });
    },
  });
  return consumer;
}
