/**
 * The receiver half of a `udp` lane, in the destination zone. It binds one UDP socket and only
 * ever reads from it: it has no way to ask the sender for anything. Records are reassembled (and
 * repaired from parity), checked, written into the destination stream and object store, and
 * accounted for per lane sequence. What is missing is reported as a reconciliation message in
 * this zone on the opposite lane's subject; the sender learns of it from there and re-sends.
 */
import dgram from 'node:dgram';
import { buildMessage, type AttachmentRef, type MessageOf, type MessageType } from '@hall/contracts';
import type { Publisher } from '@hall/messaging';
import type { ObjectStore } from '@hall/storage';
import type { Logger } from '@hall/logging';
import type { Db } from '../db.js';
import { itemAllowedTypes } from '../item-types.js';
import type { LaneDef } from '../lanes.js';
import type { LaneMetrics } from '../metrics.js';
import { Quarantine, checkArriving, checkAttachment, claimedId, inspectable } from '../checks.js';
import { knownMessageIds, loadReceiverState, quarantine, recordSequences, sha256Of, type QuarantineInput, type SequenceRow } from '../ledger.js';
import { Kind, LANE_IDS, Reassembler, decodePacket, decodeRecord, readHeartbeat, readManifest, recordDigest, RecordError, type Framing, type Reassembled, type Rejected } from './protocol.js';
import type { LaneKeyring } from './keys.js';

export interface ReceiverOptions extends Framing {
  bindHost: string;
  bindPort: number;
  /** How often a reconciliation report is published while anything changes or is missing. */
  reportMs: number;
  /** A sequence counts as missing only once the sender announced it at least this long ago. */
  graceMs: number;
  /** An incomplete record is given up after this long (it then shows as missing). */
  partialTimeoutMs: number;
  /** Records waiting for processing, beyond which new ones are dropped (and re-sent later). */
  maxQueuedBytes: number;
  batchSize: number;
}

export interface ReceiverDeps {
  lane: LaneDef;
  db: Db;
  publisher: Publisher;
  store: ObjectStore;
  notifyOutbox: () => void;
  logger: Logger;
  metrics: LaneMetrics;
  /** The lane's keys: a datagram is accepted only if it is authenticated with one of them (protocol.ts). */
  keys: LaneKeyring;
  opts: ReceiverOptions;
}

export interface ReceiverHandle {
  port: number;
  status(): { receivedThrough: number; highestSeen: number; missing: number; queued: number; senderEpoch: number };
  stop(): Promise<void>;
}

type Verdict =
  | { seq: number; outcome: 'relayed'; message: MessageOf<MessageType>; bodies: Map<string, Buffer>; bytes: number }
  | { seq: number; outcome: 'quarantined'; q: QuarantineInput }
  | { seq: number; outcome: 'duplicate' | 'skipped'; messageId?: string };

const MAX_REPORT_RANGES = 500;
const KEEPALIVE_MS = 60_000;
const MAX_SCAN = 200_000;
/** Refused datagrams are logged at most this often (a flood must not flood the log too). */
const REFUSED_LOG_MS = 10_000;

export async function startUdpReceiver(d: ReceiverDeps): Promise<ReceiverHandle> {
  const { lane, opts, metrics, logger } = d;
  const laneId = LANE_IDS[lane.name];
  const loaded = await loadReceiverState(d.db, lane);
  let through = loaded.receivedThrough;
  const done = new Set<number>(loaded.above);
  const inflight = new Set<number>();
  let highestSeen = Math.max(through, ...loaded.above, 0);
  let senderEpoch = 0;
  let firstAvailable = 0;
  /** (time, sender's highest sent): the grace period is measured against these. */
  const highs: { at: number; high: number }[] = [];
  const expectedDigest = new Map<number, Buffer>();
  const reassembler = new Reassembler(opts, lane.maxMessageBytes + 50 * lane.maxAttachmentBytes + 64 * 1024);
  const queue: Reassembled[] = [];
  let queuedBytes = 0;
  const writtenObjects = new Map<string, string>(); // key → sha256 already in the destination store
  let relayedTotal = 0;
  let quarantinedTotal = 0;
  let lastReport = { through: -1, missing: -1, at: 0 };
  /**
   * Set when something other than the opposite lane's reports was handled. Reports alone do not
   * call for a report back: otherwise the two lanes would ping-pong a report a second forever.
   */
  let dirty = true;
  let stopping = false;

  const advance = () => {
    while (done.has(through + 1)) done.delete(++through);
    for (const seq of expectedDigest.keys()) if (seq <= through) expectedDigest.delete(seq);
    metrics.watermark.set(through);
    metrics.lag.set(Math.max(0, highestSeen - through));
  };
  advance();

  const seen = (seq: number) => seq <= through || done.has(seq) || inflight.has(seq);

  // Unauthenticated datagrams: counted always, logged once per REFUSED_LOG_MS with what was refused since.
  let refused = { count: 0, reasons: {} as Record<string, number>, from: new Set<string>(), loggedAt: 0 };
  const onRefused = (reason: Exclude<Rejected, 'corrupt'>, from: dgram.RemoteInfo) => {
    metrics.unauthenticated.inc({ reason });
    refused.count++;
    refused.reasons[reason] = (refused.reasons[reason] ?? 0) + 1;
    if (refused.from.size < 8) refused.from.add(`${from.address}:${from.port}`);
    const now = Date.now();
    if (now - refused.loggedAt < REFUSED_LOG_MS) return;
    logger.warn({ lane: lane.name, refused: refused.count, reasons: refused.reasons, from: [...refused.from], keyIds: d.keys.keys.map((k) => k.id) }, 'udp lane: datagrams without a valid MAC dropped (wrong or missing lane key, or forged)');
    refused = { count: 0, reasons: {}, from: new Set(), loggedAt: now };
  };

  const onPacket = (buf: Buffer, from: dgram.RemoteInfo) => {
    const p = decodePacket(buf, d.keys);
    if (p === 'corrupt') { metrics.dropped.inc({ reason: 'corrupt' }); return; }
    if (typeof p === 'string') { onRefused(p, from); return; }
    if (p.lane !== laneId) { metrics.dropped.inc({ reason: 'other-lane' }); return; }
    const now = Date.now();
    if (p.kind === Kind.Heartbeat) {
      const hb = readHeartbeat(p.payload);
      if (!hb) return;
      senderEpoch = p.epoch;
      firstAvailable = hb.firstAvailable;
      if (hb.highestSent > highestSeen) highestSeen = hb.highestSent;
      highs.push({ at: now, high: hb.highestSent });
      if (highs.length > 256) highs.splice(0, highs.length - 256);
      return;
    }
    if (p.kind === Kind.Manifest) {
      for (const e of readManifest(p.payload)) {
        if (!seen(e.seq)) expectedDigest.set(e.seq, Buffer.from(e.digest));
        if (e.seq > highestSeen) highestSeen = e.seq;
      }
      return;
    }
    if (seen(p.seq)) { metrics.dropped.inc({ reason: 'already-received' }); return; }
    if (p.seq > highestSeen) highestSeen = p.seq;
    const complete = reassembler.add(p, now);
    if (!complete) return;
    if (complete.repaired) metrics.repaired.inc(complete.repaired);
    const expected = expectedDigest.get(complete.seq);
    if (expected && !expected.equals(recordDigest(complete.record))) {
      // Not what the manifest announced: drop it and let reconciliation fetch the real one.
      metrics.dropped.inc({ reason: 'manifest-mismatch' });
      return;
    }
    if (queuedBytes + complete.record.length > opts.maxQueuedBytes) {
      // No back-pressure exists on a diode: shedding load here is safe because the gap is reported.
      metrics.dropped.inc({ reason: 'overrun' });
      return;
    }
    metrics.received.inc();
    inflight.add(complete.seq);
    queue.push(complete);
    queuedBytes += complete.record.length;
    kick();
  };

  // ------------------------------------------------------------------------------------------
  // Processing: batches in arrival order; one transaction per batch.

  let processing = false;
  const kick = () => { if (!processing && !stopping) void drain(); };

  const judge = async (r: Reassembled): Promise<Verdict | null> => {
    let rec;
    try {
      rec = decodeRecord(r.record);
    } catch (err) {
      // Cannot be what the sender built: leave the sequence missing so that it is sent again.
      if (!(err instanceof RecordError) && !(err instanceof SyntaxError)) throw err;
      metrics.dropped.inc({ reason: 'bad-record' });
      return null;
    }
    if (rec.header.kind === 'skip') return { seq: r.seq, outcome: 'skipped' };
    const raw = rec.data;
    const q = (reason: string, messageId?: string, type?: string): Verdict => ({
      seq: r.seq, outcome: 'quarantined', q: { seq: r.seq, reason, raw: inspectable(raw), rawBytes: raw.length, sha256: sha256Of(raw), messageId, type },
    });
    let message: MessageOf<MessageType>;
    try {
      message = checkArriving(lane, rec.header.subject ?? '', raw);
    } catch (err) {
      if (!(err instanceof Quarantine)) throw err;
      let type: string | undefined;
      try { type = String((JSON.parse(raw.toString('utf8')) as { type?: unknown }).type ?? 'unknown'); } catch { /* not JSON */ }
      return q(err.message, claimedId(raw), type);
    }
    const bodies = new Map<string, Buffer>();
    const sent = rec.header.attachments ?? [];
    try {
      for (const a of (message.attachments ?? []) as AttachmentRef[]) {
        if (a.size > lane.maxAttachmentBytes) throw new Quarantine(`attachment ${a.key} exceeds ${lane.maxAttachmentBytes} bytes`);
        const at = sent.findIndex((s) => s.key === a.key);
        const what = sent[at];
        if (!what || what.status === 'missing') throw new Quarantine(`attachment ${a.key} is missing from the source store`);
        if (what.status === 'too-large') throw new Quarantine(`attachment ${a.key} exceeds ${lane.maxAttachmentBytes} bytes`);
        const body = rec.bodies[at]!;
        await checkAttachment(lane, a, body, await itemAllowedTypes(d.db, message, a.key));
        bodies.set(a.key, body);
      }
    } catch (err) {
      if (err instanceof Quarantine) return q(err.message, message.id, message.type);
      throw err;
    }
    return { seq: r.seq, outcome: 'relayed', message, bodies, bytes: raw.length };
  };

  const putAttachments = async (v: Extract<Verdict, { outcome: 'relayed' }>) => {
    for (const a of (v.message.attachments ?? []) as AttachmentRef[]) {
      if (writtenObjects.get(a.key) === a.sha256) continue;
      const existing = await d.store.stat(a.key);
      if (!(existing && existing.size === a.size && existing.metadata['sha256'] === a.sha256)) {
        await d.store.put(a.key, v.bodies.get(a.key)!, { contentType: a.contentType, metadata: { sha256: a.sha256 } });
      }
      writtenObjects.set(a.key, a.sha256);
      if (writtenObjects.size > 100_000) writtenObjects.delete(writtenObjects.keys().next().value!);
    }
  };

  const processBatch = async (batch: Reassembled[]) => {
    const verdicts = (await Promise.all(batch.map(judge))).filter((v): v is Verdict => v !== null);
    // A message id seen before (another sequence carried it, or the source stream holds it twice)
    // is a duplicate: it is accounted for at this sequence but not forwarded again.
    const relay = verdicts.filter((v): v is Extract<Verdict, { outcome: 'relayed' }> => v.outcome === 'relayed');
    const known = await knownMessageIds(d.db, lane, relay.map((v) => v.message.id));
    const firstInBatch = new Set<string>();
    const final: Verdict[] = verdicts.map((v) => {
      if (v.outcome === 'relayed') {
        if (known.has(v.message.id) || firstInBatch.has(v.message.id)) return { seq: v.seq, outcome: 'duplicate', messageId: v.message.id };
        firstInBatch.add(v.message.id);
      }
      if (v.outcome === 'quarantined' && v.q.messageId && (known.has(v.q.messageId) || firstInBatch.has(v.q.messageId))) {
        return { seq: v.seq, outcome: 'duplicate', messageId: v.q.messageId };
      }
      if (v.outcome === 'quarantined' && v.q.messageId) firstInBatch.add(v.q.messageId);
      return v;
    });
    const toRelay = final.filter((v): v is Extract<Verdict, { outcome: 'relayed' }> => v.outcome === 'relayed');
    // Attachments first: a message must never be visible in the destination before its files.
    const limit = 8;
    for (let i = 0; i < toRelay.length; i += limit) await Promise.all(toRelay.slice(i, i + limit).map(putAttachments));
    // JetStream dedupes by Nats-Msg-Id, so a crash between publish and commit re-publishes harmlessly.
    await Promise.all(toRelay.map((v) => d.publisher.publish(v.message)));

    for (const v of final) done.add(v.seq);
    const before = through;
    let nextThrough = through;
    while (done.has(nextThrough + 1)) nextThrough++;
    const rows: SequenceRow[] = final.map((v) => {
      if (v.outcome === 'relayed') return { seq: v.seq, outcome: 'relayed', messageId: v.message.id, type: v.message.type, bytes: v.bytes };
      if (v.outcome === 'quarantined') return { seq: v.seq, outcome: 'quarantined', messageId: v.q.messageId };
      return { seq: v.seq, outcome: v.outcome, messageId: v.messageId };
    });
    try {
      await d.db.$transaction(async (tx) => {
        for (const v of final) if (v.outcome === 'quarantined') await quarantine(tx, lane, v.q);
        await recordSequences(tx, lane, rows, nextThrough);
      });
    } catch (err) {
      for (const v of final) done.delete(v.seq);
      through = before;
      throw err;
    }
    for (const v of final) {
      if (v.outcome === 'relayed') { metrics.relayed.inc(); relayedTotal++; }
      else if (v.outcome === 'quarantined') {
        metrics.quarantined.inc(); quarantinedTotal++;
        logger.warn({ lane: lane.name, seq: v.seq, messageId: v.q.messageId, reason: v.q.reason }, 'message quarantined');
      } else if (v.outcome === 'duplicate') metrics.duplicates.inc();
    }
    if (final.some((v) => v.outcome === 'quarantined')) d.notifyOutbox();
    advance();
    // Marked only now that the watermark moved: a report sent while the batch was being committed
    // would carry the old watermark and clear the mark, and the next report would wait for the
    // keep-alive (60 s).
    if (final.some((v) => v.outcome !== 'relayed' || !v.message.type.startsWith('relay.'))) dirty = true;
  };

  const drain = async () => {
    processing = true;
    try {
      while (queue.length && !stopping) {
        const batch = queue.splice(0, opts.batchSize);
        for (const r of batch) queuedBytes -= r.record.length;
        try {
          await processBatch(batch);
        } catch (err) {
          // Storage or NATS unavailable: nothing of the batch is recorded, so every sequence of it
          // shows up as missing in the next report and comes again.
          logger.error({ err, lane: lane.name, from: batch[0]!.seq, count: batch.length }, 'batch failed; its sequences will be re-sent');
          metrics.dropped.inc({ reason: 'processing-failed' }, batch.length);
          await new Promise((r) => setTimeout(r, 500));
        } finally {
          for (const r of batch) inflight.delete(r.seq);
        }
      }
    } finally {
      processing = false;
    }
  };

  // ------------------------------------------------------------------------------------------
  // Reconciliation reports

  const missingRanges = (now: number) => {
    // Only what the sender announced at least `graceMs` ago can be missing; newer sequences may still be in flight.
    let upper = through;
    for (const h of highs) if (now - h.at >= opts.graceMs && h.high > upper) upper = h.high;
    const ranges: { from: number; to: number }[] = [];
    let count = 0;
    const end = Math.min(upper, through + MAX_SCAN);
    for (let s = through + 1; s <= end; s++) {
      if (seen(s) || reassembler.has(s)) continue;
      count++;
      const last = ranges[ranges.length - 1];
      if (last && last.to === s - 1) last.to = s;
      else if (ranges.length < MAX_REPORT_RANGES) ranges.push({ from: s, to: s });
    }
    return { ranges, count };
  };

  const report = async () => {
    const now = Date.now();
    for (const seq of reassembler.expire(now, opts.partialTimeoutMs)) { void seq; metrics.dropped.inc({ reason: 'incomplete' }); }
    // The source no longer holds anything below firstAvailable: waiting for it would block the watermark forever.
    if (firstAvailable > through + 1) {
      const lost: number[] = [];
      for (let s = through + 1; s < firstAvailable && lost.length < MAX_SCAN; s++) if (!seen(s)) lost.push(s);
      if (lost.length) logger.error({ lane: lane.name, from: lost[0], to: lost[lost.length - 1], count: lost.length }, 'sequences expired at the source before they arrived');
      for (const s of lost) done.add(s);
      metrics.dropped.inc({ reason: 'expired-at-source' }, lost.length);
      advance();
    }
    const { ranges, count } = missingRanges(now);
    metrics.gaps.set(count);
    metrics.lag.set(Math.max(0, highestSeen - through));
    // Due when real traffic was handled, while anything is missing (re-sends depend on it), and as
    // a keep-alive so the sender's confirmed watermark never goes stale for long.
    const due = dirty || count > 0 || count !== lastReport.missing || now - lastReport.at >= KEEPALIVE_MS;
    if (!due) return;
    const wasDirty = dirty;
    dirty = false;
    if (count > 0) metrics.gapsDetected.inc(count);
    const message = buildMessage(lane.report.type, {
      zone: lane.destination, correlationId: `lane:${lane.name}`,
      payload: { lane: lane.name, receivedThrough: through, highestSeen, missing: ranges, senderEpoch, relayed: relayedTotal, quarantined: quarantinedTotal, at: new Date(now).toISOString() },
    });
    await d.publisher.publish(message).catch((err: unknown) => { dirty ||= wasDirty; throw err; });
    metrics.reports.inc();
    lastReport = { through, missing: count, at: now };
  };

  let reporting = false;
  const reportTimer = setInterval(() => {
    if (reporting || stopping) return;
    reporting = true;
    report().catch((err: unknown) => logger.warn({ err, lane: lane.name }, 'reconciliation report not published; next one will be')).finally(() => { reporting = false; });
  }, opts.reportMs);

  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  socket.on('message', onPacket);
  socket.on('error', (err) => logger.error({ err, lane: lane.name }, 'udp socket error'));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.bindPort, opts.bindHost, () => { socket.off('error', reject); resolve(); });
  });
  const port = socket.address().port;
  logger.info({ lane: lane.name, port, receivedThrough: through, keyIds: d.keys.keys.map((k) => k.id) }, 'udp lane receiver listening (receive only)');

  return {
    port,
    status: () => ({ receivedThrough: through, highestSeen, missing: lastReport.missing < 0 ? 0 : lastReport.missing, queued: queue.length, senderEpoch }),
    async stop() {
      stopping = true;
      clearInterval(reportTimer);
      socket.close();
      while (processing || reporting) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
