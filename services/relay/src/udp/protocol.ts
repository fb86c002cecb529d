/**
 * The wire format of the `udp` diode transport. Everything the sender emits is a datagram with a
 * fixed 32-byte header and a CRC-32 trailer; a lane's unit of transfer is a *record* (one source
 * message with its attachments, or a tombstone for a sequence the source no longer holds), cut into
 * chunks, with XOR parity per group of chunks so that one lost chunk per group is rebuilt without
 * any request going back. The receiver cannot ask for anything, so every packet must be
 * self-describing: lane, sender epoch, sequence, chunk index and count, record length.
 *
 *   0 u16 magic 'HR' | 2 u8 version | 3 u8 kind | 4 u8 lane | 5 u8 key id length k | 6 u32 epoch
 *  10 u32 seq high | 14 u32 seq low | 18 u32 index | 22 u32 count | 26 u32 record length
 *  30 u16 payload length | 32 payload … | key id (k bytes, ASCII) | MAC (16 bytes) | u32 CRC-32
 *
 * Version 2 added the key id and the MAC: the first 16 bytes of HMAC-SHA-256 under the lane key
 * named by the key id, over everything before the MAC (header, payload, key id). The receiver
 * accepts a datagram only if it names a key it holds and the MAC matches; anything else (a
 * version-1 datagram without a MAC, an unknown key id, a wrong MAC) is dropped and counted. A
 * 128-bit tag leaves a forger one chance in 2^128 per datagram, above what NIST SP 800-107 asks of
 * a truncated HMAC (64 bits), and saves 16 bytes of every datagram. The CRC-32, over everything
 * before it, still tells a datagram damaged on the link (`corrupt`) from a forged one.
 * Replaying genuine datagrams gains nothing: chunks, records and messages are idempotent by
 * sequence and message id.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { LaneKey, LaneKeyring } from './keys.js';

export const MAGIC = 0x4852;
export const VERSION = 2;
export const HEADER_BYTES = 32;
export const MAC_BYTES = 16;
export const CRC_BYTES = 4;
/** Trailer bytes besides the key id. */
export const TRAILER_BYTES = MAC_BYTES + CRC_BYTES;
/** The largest UDP payload over IPv4. */
export const MAX_DATAGRAM = 65_507;

export const Kind = { Data: 1, Parity: 2, Heartbeat: 3, Manifest: 4 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export const LANE_IDS = { inbound: 1, outbound: 2 } as const;
export type LaneName = keyof typeof LANE_IDS;

export interface Packet {
  kind: Kind;
  lane: number;
  epoch: number;
  seq: number;
  index: number;
  count: number;
  recordLength: number;
  payload: Buffer;
}

const U32 = 0x1_0000_0000;

const mac = (key: Buffer, signed: Buffer) => createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);

/** One datagram, authenticated with `key` (the first key of the sender's ring). */
export function encodePacket(p: Packet, key: LaneKey): Buffer {
  const id = Buffer.from(key.id, 'latin1');
  const buf = Buffer.allocUnsafe(HEADER_BYTES + p.payload.length + id.length + TRAILER_BYTES);
  buf.writeUInt16BE(MAGIC, 0);
  buf.writeUInt8(VERSION, 2);
  buf.writeUInt8(p.kind, 3);
  buf.writeUInt8(p.lane, 4);
  buf.writeUInt8(id.length, 5);
  buf.writeUInt32BE(p.epoch >>> 0, 6);
  buf.writeUInt32BE(Math.floor(p.seq / U32), 10);
  buf.writeUInt32BE(p.seq % U32, 14);
  buf.writeUInt32BE(p.index, 18);
  buf.writeUInt32BE(p.count, 22);
  buf.writeUInt32BE(p.recordLength, 26);
  buf.writeUInt16BE(p.payload.length, 30);
  p.payload.copy(buf, HEADER_BYTES);
  let at = HEADER_BYTES + p.payload.length;
  id.copy(buf, at);
  at += id.length;
  mac(key.key, buf.subarray(0, at)).copy(buf, at);
  at += MAC_BYTES;
  buf.writeUInt32BE(crc32(buf.subarray(0, at)), at);
  return buf;
}

/**
 * Why a datagram was not accepted: `corrupt` (not an intact datagram of this protocol: damaged on
 * the link, or something else entirely), `no-mac` (an intact version-1 datagram, which carries no
 * MAC), `unknown-key` (names a key this half does not hold), `bad-mac` (the MAC does not match).
 */
export type Rejected = 'corrupt' | 'no-mac' | 'unknown-key' | 'bad-mac';

/** The packet, or why it is refused: it is then counted and ignored. */
export function decodePacket(buf: Buffer, keys: LaneKeyring): Packet | Rejected {
  if (buf.length < HEADER_BYTES + CRC_BYTES || buf.readUInt16BE(0) !== MAGIC) return 'corrupt';
  const version = buf.readUInt8(2);
  const len = buf.readUInt16BE(30);
  if (version === 1) {
    // The unauthenticated format before MACs: intact or not, it is never accepted.
    const intact = buf.length === HEADER_BYTES + len + CRC_BYTES && crc32(buf.subarray(0, HEADER_BYTES + len)) === buf.readUInt32BE(HEADER_BYTES + len);
    return intact ? 'no-mac' : 'corrupt';
  }
  if (version !== VERSION) return 'corrupt';
  const idLen = buf.readUInt8(5);
  const macAt = HEADER_BYTES + len + idLen;
  if (buf.length !== macAt + TRAILER_BYTES) return 'corrupt';
  if (crc32(buf.subarray(0, macAt + MAC_BYTES)) !== buf.readUInt32BE(macAt + MAC_BYTES)) return 'corrupt';
  if (idLen === 0) return 'no-mac';
  const key = keys.byId.get(buf.toString('latin1', HEADER_BYTES + len, macAt));
  if (!key) return 'unknown-key';
  if (!timingSafeEqual(mac(key, buf.subarray(0, macAt)), buf.subarray(macAt, macAt + MAC_BYTES))) return 'bad-mac';
  const kind = buf.readUInt8(3) as Kind;
  if (kind < 1 || kind > 4) return 'corrupt';
  return {
    kind, lane: buf.readUInt8(4), epoch: buf.readUInt32BE(6),
    seq: buf.readUInt32BE(10) * U32 + buf.readUInt32BE(14),
    index: buf.readUInt32BE(18), count: buf.readUInt32BE(22), recordLength: buf.readUInt32BE(26),
    payload: buf.subarray(HEADER_BYTES, HEADER_BYTES + len),
  };
}

// ---------------------------------------------------------------------------------------------
// Records

/** What the sender found for an attachment in its store; the receiver decides what it means. */
export type AttachmentStatus = 'ok' | 'missing' | 'too-large';

export interface RecordHeader {
  /** `message`: a source message; `skip`: the source stream no longer holds this sequence. */
  kind: 'message' | 'skip';
  subject?: string;
  msgId?: string;
  attachments?: { key: string; status: AttachmentStatus; size: number }[];
}

export interface LaneRecord {
  header: RecordHeader;
  data: Buffer;
  /** Attachment bodies, in the order of header.attachments (empty for those not `ok`). */
  bodies: Buffer[];
}

/**
 * sha256(rest) ‖ u32 header length ‖ header JSON ‖ u32 data length ‖ data ‖ bodies…
 * The digest makes a reassembled record verifiable end to end: CRC-32 guards each packet, but a
 * wrong chunk from another epoch or a rebuilt chunk must never produce a different message.
 */
export function encodeRecord(r: LaneRecord): Buffer {
  const header = Buffer.from(JSON.stringify(r.header));
  const lens = Buffer.allocUnsafe(8);
  lens.writeUInt32BE(header.length, 0);
  lens.writeUInt32BE(r.data.length, 4);
  const rest = Buffer.concat([lens.subarray(0, 4), header, lens.subarray(4, 8), r.data, ...r.bodies]);
  return Buffer.concat([createHash('sha256').update(rest).digest(), rest]);
}

export class RecordError extends Error {}

export function decodeRecord(buf: Buffer): LaneRecord {
  if (buf.length < 40) throw new RecordError('record too short');
  const rest = buf.subarray(32);
  if (!createHash('sha256').update(rest).digest().equals(buf.subarray(0, 32))) throw new RecordError('record digest mismatch');
  const hl = rest.readUInt32BE(0);
  const header = JSON.parse(rest.subarray(4, 4 + hl).toString('utf8')) as RecordHeader;
  const dl = rest.readUInt32BE(4 + hl);
  let at = 8 + hl;
  const data = rest.subarray(at, at + dl);
  at += dl;
  const bodies: Buffer[] = [];
  for (const a of header.attachments ?? []) {
    const n = a.status === 'ok' ? a.size : 0;
    bodies.push(rest.subarray(at, at + n));
    at += n;
  }
  if (at !== rest.length) throw new RecordError('record length does not match its header');
  return { header, data, bodies };
}

/** First 8 bytes of the record digest: what manifests list per sequence. */
export const recordDigest = (record: Buffer): Buffer => record.subarray(0, 8);

// ---------------------------------------------------------------------------------------------
// Chunking and parity

export interface Framing {
  /** Payload bytes per data chunk. */
  chunkBytes: number;
  /** Data chunks per XOR parity chunk; 0 = no parity. */
  fecGroup: number;
}

export const chunkCount = (recordLength: number, chunkBytes: number) => Math.max(1, Math.ceil(recordLength / chunkBytes));
export const chunkLength = (index: number, recordLength: number, chunkBytes: number) =>
  Math.max(0, Math.min(chunkBytes, recordLength - index * chunkBytes));

function xorInto(target: Buffer, src: Buffer): void {
  for (let i = 0; i < src.length; i++) target[i]! ^= src[i]!;
}

/** The packets of one record: data chunks, then one parity chunk per group of `fecGroup`. */
export function recordPackets(record: Buffer, lane: number, epoch: number, seq: number, f: Framing, key: LaneKey): Buffer[] {
  const count = chunkCount(record.length, f.chunkBytes);
  const out: Buffer[] = [];
  const base = { lane, epoch, seq, count, recordLength: record.length };
  for (let i = 0; i < count; i++) {
    out.push(encodePacket({ ...base, kind: Kind.Data, index: i, payload: record.subarray(i * f.chunkBytes, i * f.chunkBytes + chunkLength(i, record.length, f.chunkBytes)) }, key));
  }
  if (f.fecGroup > 0) {
    for (let g = 0; g * f.fecGroup < count; g++) {
      const first = g * f.fecGroup;
      const last = Math.min(count, first + f.fecGroup);
      const parity = Buffer.alloc(chunkLength(first, record.length, f.chunkBytes));
      for (let i = first; i < last; i++) xorInto(parity, record.subarray(i * f.chunkBytes, i * f.chunkBytes + chunkLength(i, record.length, f.chunkBytes)));
      out.push(encodePacket({ ...base, kind: Kind.Parity, index: g, payload: parity }, key));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reassembly

interface Partial {
  epoch: number;
  count: number;
  recordLength: number;
  chunks: (Buffer | undefined)[];
  have: number;
  parity: Map<number, Buffer>;
  firstAt: number;
}

export interface Reassembled { seq: number; epoch: number; record: Buffer; repaired: number }

/**
 * Collects chunks per sequence and yields a record once every chunk is present, rebuilding a
 * missing chunk from its group's parity when the rest of the group arrived. Duplicates are
 * harmless; a record that stays incomplete is given up after `timeoutMs` (it then shows as a gap).
 */
export class Reassembler {
  private readonly partial = new Map<number, Partial>();
  constructor(private readonly f: Framing, private readonly maxBytes: number) {}

  /** Bytes currently held in incomplete records. */
  bytes = 0;

  add(p: Packet, now: number): Reassembled | null {
    if (p.kind !== Kind.Data && p.kind !== Kind.Parity) return null;
    if (p.recordLength > this.maxBytes || p.count !== chunkCount(p.recordLength, this.f.chunkBytes)) return null;
    let r = this.partial.get(p.seq);
    if (r && (r.epoch !== p.epoch || r.recordLength !== p.recordLength)) {
      // A re-send after a sender restart: the newer copy wins, both describe the same source message.
      this.drop(p.seq);
      r = undefined;
    }
    if (!r) {
      r = { epoch: p.epoch, count: p.count, recordLength: p.recordLength, chunks: new Array(p.count), have: 0, parity: new Map(), firstAt: now };
      this.partial.set(p.seq, r);
    }
    if (p.kind === Kind.Data) {
      if (p.index >= r.count || r.chunks[p.index] || p.payload.length !== chunkLength(p.index, r.recordLength, this.f.chunkBytes)) return null;
      r.chunks[p.index] = Buffer.from(p.payload);
      r.have++;
      this.bytes += p.payload.length;
    } else {
      if (this.f.fecGroup <= 0 || r.parity.has(p.index)) return null;
      r.parity.set(p.index, Buffer.from(p.payload));
      this.bytes += p.payload.length;
    }
    let repaired = 0;
    if (r.have < r.count) repaired = this.repair(r, p.kind === Kind.Data ? Math.floor(p.index / this.f.fecGroup) : p.index);
    if (r.have < r.count) return null;
    this.drop(p.seq);
    return { seq: p.seq, epoch: r.epoch, record: Buffer.concat(r.chunks as Buffer[]), repaired };
  }

  private repair(r: Partial, group: number): number {
    if (this.f.fecGroup <= 0) return 0;
    const parity = r.parity.get(group);
    if (!parity) return 0;
    const first = group * this.f.fecGroup;
    const last = Math.min(r.count, first + this.f.fecGroup);
    let missing = -1;
    for (let i = first; i < last; i++) {
      if (!r.chunks[i]) {
        if (missing >= 0) return 0; // two gone in one group: parity cannot tell them apart
        missing = i;
      }
    }
    if (missing < 0) return 0;
    const rebuilt = Buffer.from(parity);
    for (let i = first; i < last; i++) if (i !== missing) xorInto(rebuilt, r.chunks[i]!);
    r.chunks[missing] = rebuilt.subarray(0, chunkLength(missing, r.recordLength, this.f.chunkBytes));
    r.have++;
    return 1;
  }

  private drop(seq: number): void {
    const r = this.partial.get(seq);
    if (!r) return;
    for (const c of r.chunks) if (c) this.bytes -= c.length;
    for (const c of r.parity.values()) this.bytes -= c.length;
    this.partial.delete(seq);
  }

  /** Gives up records older than `timeoutMs`; returns their sequences. */
  expire(now: number, timeoutMs: number): number[] {
    const gone: number[] = [];
    for (const [seq, r] of this.partial) if (now - r.firstAt > timeoutMs) gone.push(seq);
    for (const seq of gone) this.drop(seq);
    return gone;
  }

  has(seq: number): boolean { return this.partial.has(seq); }
  forget(seq: number): void { this.drop(seq); }
  get size(): number { return this.partial.size; }
}

// ---------------------------------------------------------------------------------------------
// Heartbeats and manifests

/** Heartbeat payload: highest sequence sent, first sequence the source still holds. */
export function heartbeatPayload(highestSent: number, firstAvailable: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(Math.floor(highestSent / U32), 0);
  b.writeUInt32BE(highestSent % U32, 4);
  b.writeUInt32BE(Math.floor(firstAvailable / U32), 8);
  b.writeUInt32BE(firstAvailable % U32, 12);
  return b;
}

export function readHeartbeat(payload: Buffer): { highestSent: number; firstAvailable: number } | null {
  if (payload.length !== 16) return null;
  return { highestSent: payload.readUInt32BE(0) * U32 + payload.readUInt32BE(4), firstAvailable: payload.readUInt32BE(8) * U32 + payload.readUInt32BE(12) };
}

/**
 * Manifest payload: a list of (sequence, first 8 bytes of the record digest) that the sender
 * emitted since its previous manifest. The receiver learns of sequences whose every packet was
 * lost, and can tell a record it rebuilt from the one that was sent.
 */
export function manifestPayloads(entries: { seq: number; digest: Buffer }[], maxPayload: number): Buffer[] {
  const per = Math.max(1, Math.floor(maxPayload / 16));
  const out: Buffer[] = [];
  for (let i = 0; i < entries.length; i += per) {
    const slice = entries.slice(i, i + per);
    const b = Buffer.allocUnsafe(slice.length * 16);
    slice.forEach((e, j) => {
      b.writeUInt32BE(Math.floor(e.seq / U32), j * 16);
      b.writeUInt32BE(e.seq % U32, j * 16 + 4);
      e.digest.copy(b, j * 16 + 8, 0, 8);
    });
    out.push(b);
  }
  return out;
}

export function readManifest(payload: Buffer): { seq: number; digest: Buffer }[] {
  const out: { seq: number; digest: Buffer }[] = [];
  for (let at = 0; at + 16 <= payload.length; at += 16) {
    out.push({ seq: payload.readUInt32BE(at) * U32 + payload.readUInt32BE(at + 4), digest: payload.subarray(at + 8, at + 16) });
  }
  return out;
}
