import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ConfigError } from '@hall/config';
import {
  HEADER_BYTES, Kind, Reassembler, decodePacket, decodeRecord, encodePacket, encodeRecord, heartbeatPayload, manifestPayloads, readHeartbeat, readManifest,
  recordPackets, RecordError, type Framing, type Packet,
} from './protocol.js';
import { generateLaneKey, parseLaneKeys } from './keys.js';

const F: Framing = { chunkBytes: 256, fecGroup: 4 };
const A = generateLaneKey('a');
const B = generateLaneKey('b');
const ring = parseLaneKeys(A);
const KEY = ring.keys[0]!;
const decoded = (buf: Buffer) => { const p = decodePacket(buf, ring); if (typeof p === 'string') throw new Error(p); return p; };
const record = (dataBytes: number) => encodeRecord({
  header: { kind: 'message', subject: 'hall.in.application.submitted', msgId: 'm-1', attachments: [{ key: 'a', status: 'ok', size: 700 }, { key: 'b', status: 'missing', size: 0 }] },
  data: randomBytes(dataBytes), bodies: [randomBytes(700), Buffer.alloc(0)],
});

describe('udp protocol', () => {
  it('should round-trip a packet and refuse one with a flipped bit', () => {
    const seq = 2 ** 40 + 7; // beyond 32 bits
    const buf = encodePacket({ kind: Kind.Data, lane: 1, epoch: 0xdeadbeef, seq, index: 3, count: 9, recordLength: 2000, payload: Buffer.from('chunk') }, KEY);
    expect(decodePacket(buf, ring)).toMatchObject({ kind: Kind.Data, lane: 1, epoch: 0xdeadbeef, seq, index: 3, count: 9, recordLength: 2000 });
    const bad = Buffer.from(buf);
    bad[bad.length - 6]! ^= 0x01;
    expect(decodePacket(bad, ring)).toBe('corrupt');
    expect(decodePacket(buf.subarray(0, 20), ring)).toBe('corrupt');
  });

  describe('authentication', () => {
    const packet: Packet = { kind: Kind.Data, lane: 1, epoch: 7, seq: 1, index: 0, count: 1, recordLength: 5, payload: Buffer.from('hello') };
    /** Recomputes the CRC-32 after tampering, as a forger would: only the MAC can tell. */
    const recrc = (buf: Buffer) => { buf.writeUInt32BE(crc32(buf.subarray(0, buf.length - 4)), buf.length - 4); return buf; };

    it('should refuse a datagram whose payload, header or MAC was changed and its CRC recomputed', () => {
      const buf = encodePacket(packet, KEY);
      const payload = Buffer.from(buf); payload[HEADER_BYTES]! ^= 0x01;
      expect(decodePacket(recrc(payload), ring)).toBe('bad-mac');
      const header = Buffer.from(buf); header.writeUInt32BE(8, 6); // another epoch
      expect(decodePacket(recrc(header), ring)).toBe('bad-mac');
      const mac = Buffer.from(buf); mac[mac.length - 5]! ^= 0x80;
      expect(decodePacket(recrc(mac), ring)).toBe('bad-mac');
      expect(decodePacket(buf, ring)).toMatchObject({ seq: 1, epoch: 7 });
    });

    it('should refuse a version-1 datagram (no MAC) with a correct CRC, and one signed with the right id but another key', () => {
      const v1 = Buffer.alloc(HEADER_BYTES + 5 + 4);
      v1.writeUInt16BE(0x4852, 0); v1.writeUInt8(1, 2); v1.writeUInt8(Kind.Data, 3); v1.writeUInt8(1, 4);
      v1.writeUInt32BE(1, 22); v1.writeUInt32BE(5, 26); v1.writeUInt16BE(5, 30); Buffer.from('hello').copy(v1, HEADER_BYTES);
      expect(decodePacket(recrc(v1), ring)).toBe('no-mac');
      const forged = encodePacket(packet, { id: 'a', key: randomBytes(32) });
      expect(decodePacket(forged, ring)).toBe('bad-mac');
    });

    it('should accept any key of the receiver\'s ring and refuse a key id it does not hold (rotation with an overlap)', () => {
      const senderOnB = parseLaneKeys(`${B},${A}`).keys[0]!;
      expect(senderOnB.id).toBe('b');
      const fromB = encodePacket(packet, senderOnB);
      expect(decodePacket(fromB, parseLaneKeys(`${A},${B}`))).toMatchObject({ seq: 1 });
      expect(decodePacket(fromB, parseLaneKeys(A))).toBe('unknown-key');
      expect(decodePacket(encodePacket(packet, KEY), parseLaneKeys(`${B} ${A}`))).toMatchObject({ seq: 1 });
    });

    it('should refuse a configuration without a key, with a short key or a malformed entry', () => {
      for (const v of [undefined, '', 'nocolon', ':AAAA', `a:${randomBytes(8).toString('base64')}`, 'a:not base64!', `${A},${A}`]) {
        expect(() => parseLaneKeys(v)).toThrow(ConfigError);
      }
      expect(parseLaneKeys(` ${A} , ${B} `).keys.map((k) => k.id)).toEqual(['a', 'b']);
    });
  });

  it('should round-trip a record with attachments and refuse one whose digest does not match', () => {
    const r = record(500);
    const back = decodeRecord(r);
    expect(back.header.msgId).toBe('m-1');
    expect(back.data).toHaveLength(500);
    expect(back.bodies.map((b) => b.length)).toEqual([700, 0]);
    const tampered = Buffer.from(r);
    tampered[100]! ^= 0xff;
    expect(() => decodeRecord(tampered)).toThrow(RecordError);
  });

  it('should reassemble from shuffled, duplicated chunks and rebuild one lost chunk per group from parity', () => {
    const r = record(3000); // ~15 chunks → 4 parity groups
    const packets = recordPackets(r, 1, 1, 5, F, KEY).map(decoded);
    const data = packets.filter((p) => p.kind === Kind.Data);
    expect(data.length).toBeGreaterThan(8);
    // Lose the second chunk of every group, duplicate everything, shuffle.
    const kept = packets.filter((p) => !(p.kind === Kind.Data && p.index % F.fecGroup === 1));
    const arriving = [...kept, ...kept].sort(() => Math.random() - 0.5);
    const ra = new Reassembler(F, 1 << 20);
    let done;
    // (The receiver ignores packets of a sequence it already holds; here feeding simply stops.)
    for (const p of arriving) if ((done = ra.add(p, 0))) break;
    expect(done!.record.equals(r)).toBe(true);
    expect(done!.repaired).toBeGreaterThan(0);
    expect(ra.size).toBe(0);
  });

  it('should not complete a record that lost two chunks of one group, and give it up after the timeout', () => {
    const r = record(3000);
    const packets = recordPackets(r, 1, 1, 9, F, KEY).map(decoded).filter((p) => !(p.kind === Kind.Data && (p.index === 0 || p.index === 1)));
    const ra = new Reassembler(F, 1 << 20);
    for (const p of packets) expect(ra.add(p, 0)).toBeNull();
    expect(ra.has(9)).toBe(true);
    expect(ra.expire(10_000, 5000)).toEqual([9]);
    expect(ra.bytes).toBe(0);
  });

  it('should carry heartbeats and manifests', () => {
    expect(readHeartbeat(heartbeatPayload(2 ** 33, 17))).toEqual({ highestSent: 2 ** 33, firstAvailable: 17 });
    const entries = Array.from({ length: 40 }, (_, i) => ({ seq: 1000 + i, digest: randomBytes(8) }));
    const payloads = manifestPayloads(entries, 256);
    expect(payloads.length).toBe(3);
    expect(payloads.flatMap(readManifest).map((e) => e.seq)).toEqual(entries.map((e) => e.seq));
  });
});
