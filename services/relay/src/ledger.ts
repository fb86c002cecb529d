/**
 * The relay's repository: the message ledger (one row per message id), the per-lane sequence
 * ledger of the udp receiver (one row per lane sequence, so that a gap is a missing row), the
 * quarantine, and the two halves' progress. A quarantined message is also announced on the
 * destination zone's QUARANTINE stream through the outbox, in the same transaction as its row.
 */
import { createHash } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import type { Db } from './db.js';
import type { LaneDef } from './lanes.js';
import { withoutNul } from './checks.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type Exec = Db | Tx;

export type Outcome = 'relayed' | 'quarantined' | 'duplicate' | 'skipped';

export interface QuarantineInput { seq: number; reason: string; raw: string; rawBytes: number; sha256: string; messageId?: string; type?: string }

/** Quarantine row + ledger row (when the message has an id) + QUARANTINE event, in the caller's transaction. */
export async function quarantine(tx: Tx, lane: LaneDef, q: QuarantineInput): Promise<void> {
  // Reasons quote the refused input (JSON.parse does) and ids come from it: neither may carry NUL.
  const reason = withoutNul(q.reason).slice(0, 2000);
  // An empty claimed id (`"id": ""`) counts as none: the announcement's correlation id may not be empty.
  const messageId = q.messageId === undefined ? undefined : withoutNul(q.messageId).slice(0, 128) || undefined;
  await tx.quarantineEntry.create({ data: { lane: lane.name, messageId: messageId ?? null, sourceSeq: BigInt(q.seq), reason, raw: q.raw.slice(0, 1_000_000) } });
  if (messageId) {
    await tx.ledgerEntry.createMany({ data: [{ lane: lane.name, messageId, sourceSeq: BigInt(q.seq), type: q.type ?? 'unknown', status: 'quarantined', reason, bytes: q.rawBytes }], skipDuplicates: true });
  }
  await enqueue(tx, buildMessage('relay.message.quarantined', {
    zone: lane.destination, correlationId: messageId ?? `${lane.name}:${q.seq}`,
    payload: { lane: lane.name, sourceSeq: q.seq, messageId: messageId ?? null, messageType: (q.type ?? 'unknown').slice(0, 128), reason, bytes: q.rawBytes, sha256: q.sha256, raw: q.raw.slice(0, 65536), at: new Date().toISOString() },
  }));
}

export const sha256Of = (raw: Uint8Array) => createHash('sha256').update(raw).digest('hex');

/** Message ids of `ids` the lane already relayed or quarantined (a second copy is a duplicate). */
export async function knownMessageIds(db: Exec, lane: LaneDef, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.ledgerEntry.findMany({ where: { lane: lane.name, messageId: { in: ids } }, select: { messageId: true } });
  return new Set(rows.map((r) => r.messageId));
}

export interface SequenceRow { seq: number; outcome: Outcome; messageId?: string; type?: string; bytes?: number }

/** The receiver's batch: what became of each sequence, relayed messages in the ledger, the watermark. */
export async function recordSequences(tx: Tx, lane: LaneDef, rows: SequenceRow[], receivedThrough: number): Promise<void> {
  await tx.laneSequence.createMany({ data: rows.map((r) => ({ lane: lane.name, seq: BigInt(r.seq), outcome: r.outcome, messageId: r.messageId ?? null })), skipDuplicates: true });
  const relayed = rows.filter((r) => r.outcome === 'relayed');
  if (relayed.length) {
    await tx.ledgerEntry.createMany({ data: relayed.map((r) => ({ lane: lane.name, messageId: r.messageId!, sourceSeq: BigInt(r.seq), type: r.type!, status: 'relayed', bytes: r.bytes ?? 0 })), skipDuplicates: true });
  }
  await tx.laneReceiverState.upsert({ where: { lane: lane.name }, create: { lane: lane.name, receivedThrough: BigInt(receivedThrough) }, update: { receivedThrough: BigInt(receivedThrough), updatedAt: new Date() } });
}

/** Where a restarted receiver stands: its watermark and the sequences it holds above it. */
export async function loadReceiverState(db: Exec, lane: LaneDef): Promise<{ receivedThrough: number; above: number[] }> {
  const state = await db.laneReceiverState.findUnique({ where: { lane: lane.name } });
  const through = state ? Number(state.receivedThrough) : 0;
  const above = await db.laneSequence.findMany({ where: { lane: lane.name, seq: { gt: BigInt(through) } }, select: { seq: true }, orderBy: { seq: 'asc' } });
  return { receivedThrough: through, above: above.map((r) => Number(r.seq)) };
}

export async function loadSenderState(db: Exec, lane: LaneDef): Promise<{ nextSeq: number; confirmedThrough: number }> {
  const s = await db.laneSenderState.findUnique({ where: { lane: lane.name } });
  return s ? { nextSeq: Number(s.nextSeq), confirmedThrough: Number(s.confirmedThrough) } : { nextSeq: 1, confirmedThrough: 0 };
}

export async function saveSenderState(db: Exec, lane: LaneDef, s: { nextSeq: number; confirmedThrough: number }): Promise<void> {
  await db.laneSenderState.upsert({
    where: { lane: lane.name },
    create: { lane: lane.name, nextSeq: BigInt(s.nextSeq), confirmedThrough: BigInt(s.confirmedThrough) },
    update: { nextSeq: BigInt(s.nextSeq), confirmedThrough: BigInt(s.confirmedThrough), updatedAt: new Date() },
  });
}

export async function laneCounts(db: Exec, lane: LaneDef) {
  const [relayed, quarantined, last] = await Promise.all([
    db.ledgerEntry.count({ where: { lane: lane.name, status: 'relayed' } }),
    db.quarantineEntry.count({ where: { lane: lane.name } }),
    db.ledgerEntry.findFirst({ where: { lane: lane.name }, orderBy: { sourceSeq: 'desc' } }),
  ]);
  return { relayed, quarantined, lastSourceSeq: last ? last.sourceSeq.toString() : null };
}

export async function recentQuarantine(db: Exec, lane: LaneDef, limit: number) {
  const rows = await db.quarantineEntry.findMany({ where: { lane: lane.name }, orderBy: { id: 'desc' }, take: limit });
  return rows.map((r) => ({ id: r.id.toString(), messageId: r.messageId, sourceSeq: r.sourceSeq.toString(), reason: r.reason, at: r.at.toISOString() }));
}
