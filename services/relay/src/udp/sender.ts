/**
 * The sender half of a `udp` lane, in the source zone. It reads the lane's source stream by
 * sequence (the stream itself is the retained outbox: nothing is released until the receiver
 * confirmed it, and a re-send is just a re-read), reads each message's attachments from the source
 * object store, and emits records as datagrams at a bounded rate, with parity, repeats, heartbeats
 * and manifests. It never listens on the lane: what the receiver lacks comes back as a
 * reconciliation report through the opposite lane and this zone's NATS server.
 */
import dgram from 'node:dgram';
import { consume } from '@hall/messaging';
import { ObjectNotFoundError, ObjectTooLargeError, type ObjectStore } from '@hall/storage';
import type { Logger } from '@hall/logging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from '../db.js';
import type { LaneDef } from '../lanes.js';
import type { LaneMetrics } from '../metrics.js';
import { loadSenderState, saveSenderState } from '../ledger.js';
import {
  Kind, LANE_IDS, encodePacket, encodeRecord, heartbeatPayload, manifestPayloads, recordDigest, recordPackets,
  type AttachmentStatus, type Framing, type RecordHeader,
} from './protocol.js';
import type { LaneKeyring } from './keys.js';

export interface SenderOptions extends Framing {
  targetHost: string;
  targetPort: number;
  /** Every packet is sent this many times (1 = once). */
  repeat: number;
  /** Sender-side rate limit, so the receiver is never overrun: bytes per second on the wire. */
  rateBytesPerSec: number;
  heartbeatMs: number;
  manifestMs: number;
  /** A sequence is re-sent on a report only if its last send is at least this old. */
  resendAfterMs: number;
  /** Source messages read and sent per round. */
  batchSize: number;
  /**
   * How soon the source stream is asked again after a round found nothing new; the interval
   * doubles while the lane stays idle, up to `idlePollMaxMs` (so an idle lane costs a few stream
   * info requests a second, not forty), and is back to `pollMs` as soon as a message is sent or a
   * report asks for re-sends (a report wakes the loop at once).
   */
  pollMs: number;
  idlePollMaxMs?: number;
}

export interface SenderDeps {
  lane: LaneDef;
  nc: NatsConnection;
  store: ObjectStore;
  db: Db;
  logger: Logger;
  metrics: LaneMetrics;
  /** The lane's keys: every datagram is authenticated with the first (protocol.ts). */
  keys: LaneKeyring;
  opts: SenderOptions;
}

export interface SenderHandle {
  epoch: number;
  status(): { nextSeq: number; confirmedThrough: number; lastSourceSeq: number; resendQueue: number };
  stop(): Promise<void>;
}

interface StoredMsg { seq: number; subject: string; data: Buffer; msgId?: string }

/** The two read-only JetStream API calls the sender's user is allowed (stream info, get by sequence). */
function streamReader(nc: NatsConnection, stream: string) {
  const api = async <T>(subject: string, body: unknown): Promise<T> => {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).json<T & { error?: { code: number; err_code?: number; description: string } }>();
    if (reply.error) throw Object.assign(new Error(`${subject}: ${reply.error.description}`), { code: reply.error.code, errCode: reply.error.err_code });
    return reply;
  };
  return {
    info: async () => (await api<{ state: { messages: number; first_seq: number; last_seq: number } }>(`$JS.API.STREAM.INFO.${stream}`, {})).state,
    /** Null when the stream no longer holds the sequence (deleted or expired). */
    async get(seq: number): Promise<StoredMsg | null> {
      try {
        const { message: m } = await api<{ message: { seq: number; subject: string; hdrs?: string; data?: string } }>(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
        let msgId: string | undefined;
        for (const line of Buffer.from(m.hdrs ?? '', 'base64').toString('utf8').split('\r\n')) {
          if (line.toLowerCase().startsWith('nats-msg-id:')) msgId = line.slice(line.indexOf(':') + 1).trim();
        }
        return { seq: m.seq, subject: m.subject, data: Buffer.from(m.data ?? '', 'base64'), msgId };
      } catch (err) {
        if ((err as { code?: number }).code === 404) return null;
        throw err;
      }
    },
  };
}

/** Bytes per second with a small burst; waits instead of dropping, so nothing is lost at the source. */
function tokenBucket(rate: number) {
  const capacity = Math.max(64 * 1024, rate / 20);
  let tokens = capacity;
  let last = performance.now();
  return async (n: number) => {
    for (;;) {
      const now = performance.now();
      tokens = Math.min(capacity, tokens + ((now - last) / 1000) * rate);
      last = now;
      if (tokens >= Math.min(n, capacity)) { tokens -= n; return; }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(((Math.min(n, capacity) - tokens) / rate) * 1000))));
    }
  };
}

/** Recently read attachments, so a re-send or a second message naming the same file needs no second read. */
function attachmentCache(maxBytes: number) {
  const m = new Map<string, Buffer>();
  let bytes = 0;
  return {
    get: (k: string) => { const b = m.get(k); if (b) { m.delete(k); m.set(k, b); } return b; },
    set(k: string, b: Buffer) {
      if (b.length > maxBytes / 4 || m.has(k)) return;
      m.set(k, b); bytes += b.length;
      while (bytes > maxBytes) { const [ok, ob] = m.entries().next().value!; m.delete(ok); bytes -= ob.length; }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startUdpSender(d: SenderDeps): Promise<SenderHandle> {
  const { lane, opts, metrics, logger } = d;
  const laneId = LANE_IDS[lane.name];
  const key = d.keys.keys[0]!;
  // A new epoch per start: the receiver can tell packets of this run from stale ones of the last.
  const epoch = (Math.random() * 0xffff_ffff) >>> 0 || 1;
  const reader = streamReader(d.nc, lane.stream);
  const take = tokenBucket(opts.rateBytesPerSec);
  const cache = attachmentCache(64 * 1024 * 1024);
  const state = await loadSenderState(d.db, lane);
  let nextSeq = state.nextSeq;
  let confirmed = state.confirmedThrough;
  let saved = { ...state };
  let firstAvailable = 1;
  let lastSourceSeq = 0;
  const lastSentAt = new Map<number, number>();
  let manifest: { seq: number; digest: Buffer }[] = [];
  const resend = new Set<number>();
  let lastReportAt = 0;
  let stopping = false;

  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  socket.on('error', (err) => logger.warn({ err, lane: lane.name }, 'udp socket error'));
  // Bound to loopback, never connected and never read: an unconnected socket does not even surface
  // ICMP errors, so nothing the far side does can reach this process over the lane.
  await new Promise<void>((r) => socket.bind(0, opts.targetHost === '127.0.0.1' ? '127.0.0.1' : undefined, () => r()));

  const emit = (buf: Buffer) => {
    socket.send(buf, opts.targetPort, opts.targetHost);
    metrics.packetsSent.inc();
    metrics.bytesSent.inc(buf.length);
  };

  const readAttachments = async (data: Buffer): Promise<{ meta: NonNullable<RecordHeader['attachments']>; bodies: Buffer[] }> => {
    let refs: unknown;
    try { refs = (JSON.parse(data.toString('utf8')) as { attachments?: unknown }).attachments; } catch { return { meta: [], bodies: [] }; }
    if (!Array.isArray(refs)) return { meta: [], bodies: [] };
    const meta: NonNullable<RecordHeader['attachments']> = [];
    const bodies: Buffer[] = [];
    for (const ref of refs.slice(0, 50) as { key?: unknown; size?: unknown }[]) {
      if (!ref || typeof ref.key !== 'string' || meta.some((m) => m.key === ref.key)) continue;
      const key = ref.key;
      let status: AttachmentStatus = 'ok';
      let body: Buffer = Buffer.alloc(0);
      if (typeof ref.size === 'number' && ref.size > lane.maxAttachmentBytes) status = 'too-large';
      else {
        const hit = cache.get(key);
        if (hit) body = hit;
        else {
          try {
            body = await d.store.getBuffer(key, lane.maxAttachmentBytes);
            cache.set(key, body);
          } catch (err) {
            // Facts about this message (the receiver quarantines it); anything else is an outage: retry.
            if (err instanceof ObjectNotFoundError) status = 'missing';
            else if (err instanceof ObjectTooLargeError) status = 'too-large';
            else throw err;
          }
        }
      }
      meta.push({ key, status, size: status === 'ok' ? body.length : 0 });
      bodies.push(status === 'ok' ? body : Buffer.alloc(0));
    }
    return { meta, bodies };
  };

  const buildRecord = async (m: StoredMsg | null): Promise<Buffer> => {
    if (!m) return encodeRecord({ header: { kind: 'skip' }, data: Buffer.alloc(0), bodies: [] });
    const { meta, bodies } = await readAttachments(m.data);
    return encodeRecord({ header: { kind: 'message', subject: m.subject, ...(m.msgId ? { msgId: m.msgId } : {}), attachments: meta }, data: m.data, bodies });
  };

  const sendRecord = async (seq: number, record: Buffer) => {
    const packets = recordPackets(record, laneId, epoch, seq, opts, key);
    for (let r = 0; r < Math.max(1, opts.repeat); r++) {
      for (const p of packets) { await take(p.length); emit(p); }
    }
    lastSentAt.set(seq, Date.now());
    if (lastSentAt.size > 200_000) lastSentAt.delete(lastSentAt.keys().next().value!);
    if (manifest.length < 20_000) manifest.push({ seq, digest: Buffer.from(recordDigest(record)) });
  };

  const fetchAll = async (seqs: number[]) => Promise.all(seqs.map(async (s) => ({ seq: s, record: await buildRecord(await reader.get(s)) })));

  const save = async () => {
    if (saved.nextSeq === nextSeq && saved.confirmedThrough === confirmed) return;
    const s = { nextSeq, confirmedThrough: confirmed };
    await saveSenderState(d.db, lane, s);
    saved = s;
  };

  // An idle wait that a report asking for re-sends, or stop(), cuts short.
  let wakeLoop: () => void = () => undefined;
  const idleWait = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); wakeLoop = () => undefined; resolve(); }
    wakeLoop = done;
  });
  const idlePollMaxMs = Math.max(opts.pollMs, opts.idlePollMaxMs ?? opts.pollMs);

  let loopDone: Promise<void>;
  const loop = async () => {
    let lastSave = 0;
    let idlePollMs = opts.pollMs;
    while (!stopping) {
      try {
        if (resend.size) {
          const seqs = [...resend].sort((a, b) => a - b).slice(0, opts.batchSize);
          for (const s of seqs) resend.delete(s);
          for (const r of await fetchAll(seqs)) { await sendRecord(r.seq, r.record); metrics.resent.inc(); }
          idlePollMs = opts.pollMs;
          continue;
        }
        const info = await reader.info();
        lastSourceSeq = info.last_seq;
        firstAvailable = info.messages > 0 ? info.first_seq : info.last_seq + 1;
        metrics.lag.set(Math.max(0, lastSourceSeq - confirmed));
        if (nextSeq < firstAvailable) {
          logger.error({ lane: lane.name, from: nextSeq, to: firstAvailable - 1 }, 'source stream no longer holds sequences that were never sent');
          nextSeq = firstAvailable;
        }
        if (nextSeq > info.last_seq) {
          if (Date.now() - lastSave > 500) { await save(); lastSave = Date.now(); }
          await idleWait(idlePollMs);
          idlePollMs = Math.min(idlePollMaxMs, idlePollMs * 2);
          continue;
        }
        idlePollMs = opts.pollMs;
        const end = Math.min(info.last_seq, nextSeq + opts.batchSize - 1);
        const seqs: number[] = [];
        for (let s = nextSeq; s <= end; s++) seqs.push(s);
        for (const r of await fetchAll(seqs)) {
          await sendRecord(r.seq, r.record);
          metrics.sent.inc();
          nextSeq = r.seq + 1;
        }
        if (Date.now() - lastSave > 200) { await save(); lastSave = Date.now(); }
      } catch (err) {
        if (stopping) break;
        logger.warn({ err, lane: lane.name, nextSeq }, 'lane sender paused: source unavailable');
        await sleep(1000);
      }
    }
  };

  const heartbeat = setInterval(() => {
    emit(encodePacket({ kind: Kind.Heartbeat, lane: laneId, epoch, seq: 0, index: 0, count: 0, recordLength: 0, payload: heartbeatPayload(nextSeq - 1, firstAvailable) }, key));
  }, opts.heartbeatMs);
  const manifestTimer = setInterval(() => {
    const entries = manifest;
    manifest = [];
    for (const payload of manifestPayloads(entries, opts.chunkBytes)) {
      emit(encodePacket({ kind: Kind.Manifest, lane: laneId, epoch, seq: 0, index: 0, count: 0, recordLength: 0, payload }, key));
    }
  }, opts.manifestMs);

  // Reconciliation reports: this lane's receiver publishes them in its zone; the opposite lane
  // carries them here. Only the latest matters, and only its missing list triggers re-sends.
  const reports = await consume({
    nc: d.nc, stream: lane.report.stream, durable: lane.report.durable, filterSubjects: [lane.report.subject], concurrency: 1, logger,
    handler: async (message) => {
      if (message.type !== lane.report.type) return;
      const p = message.payload as { lane: string; receivedThrough: number; missing: { from: number; to: number }[]; at: string };
      if (p.lane !== lane.name) return;
      const at = Date.parse(p.at);
      if (at < lastReportAt) return;
      lastReportAt = at;
      metrics.reports.inc();
      confirmed = p.receivedThrough;
      metrics.watermark.set(confirmed);
      for (const s of lastSentAt.keys()) if (s <= confirmed) lastSentAt.delete(s);
      // A stale report (the sender was away) would only cause needless re-sends.
      if (Date.now() - at > 10_000) return;
      const now = Date.now();
      let queued = 0;
      for (const r of p.missing) {
        for (let s = r.from; s <= r.to && queued < 5000; s++) {
          if (s >= nextSeq) break;
          if (now - (lastSentAt.get(s) ?? 0) < opts.resendAfterMs) continue;
          resend.add(s);
          lastSentAt.set(s, now); // not again before the re-send had time to arrive
          queued++;
        }
      }
      if (queued) wakeLoop();
    },
  });

  loopDone = loop();
  logger.info({ lane: lane.name, epoch, nextSeq, keyId: key.id, target: `${opts.targetHost}:${opts.targetPort}` }, 'udp lane sender started (send only)');

  return {
    epoch,
    status: () => ({ nextSeq, confirmedThrough: confirmed, lastSourceSeq, resendQueue: resend.size }),
    async stop() {
      stopping = true;
      wakeLoop();
      clearInterval(heartbeat);
      clearInterval(manifestTimer);
      await reports.stop();
      await loopDone;
      await save().catch(() => undefined);
      socket.close();
    },
  };
}
