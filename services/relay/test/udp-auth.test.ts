/**
 * Authenticated datagrams (issue 20): every datagram of a udp lane carries a MAC under the lane's
 * key, and the receiver drops and counts anything else without ever answering.
 * - rotation with an overlap: the sender already signs with the new key B while the receiver holds
 *   A and B; messages are delivered;
 * - datagrams forged from another socket straight at the receiver's port, each with a correct
 *   CRC: a version-1 datagram (no MAC), a wrong MAC under key id B, an unknown key id, carrying a
 *   complete record of a valid message at the next sequence; all are dropped, counted per reason,
 *   logged at a limited rate, nothing answers, and the genuine message at that sequence arrives;
 * - a receiver holding only A drops B's datagrams (the lane stalls, nothing is relayed); back on
 *   A and B, reconciliation re-sends what it missed;
 * - a half without a key refuses to start (exit 78).
 * All four halves run: the OUTBOUND lane carries the inbound receiver's reconciliation reports.
 */
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublisher, type NatsConnection, type Publisher } from '@hall/messaging';
import { budget } from '@hall/testkit';
import { waitForExit } from '@hall/testkit/processes';
import { Kind, LANE_IDS, encodePacket, encodeRecord, recordPackets } from '../src/udp/protocol.js';
import { generateLaneKey, parseLaneKeys } from '../src/udp/keys.js';
import { startUdpLanes, type UdpLanes } from './udp-harness.js';
import { application, versionOne } from './fixtures.js';
import { waitFor } from './helpers.js';

const A = generateLaneKey('key-a');
const B = generateLaneKey('key-b');
const FRAMING = { chunkBytes: 1200, fecGroup: 4 }; // the relay's defaults, as the harness runs it

let lanes: UdpLanes;
let declaration: NatsConnection;
let pub: Publisher;
beforeAll(async () => {
  lanes = await startUdpLanes({ halfEnv: { 'inbound-sender': { LANE_MAC_KEYS: `${B},${A}` }, 'inbound-receiver': { LANE_MAC_KEYS: `${A},${B}` } } });
  declaration = await lanes.connect('internet', 'declaration');
  pub = createPublisher(declaration);
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

const receiver = () => lanes.halves['inbound-receiver'];
const relayedIds = async () => new Set((await receiver().db.ledgerEntry.findMany({ where: { lane: 'inbound', status: 'relayed' }, select: { messageId: true } })).map((r) => r.messageId));
const laneStatus = async () => (await (await fetch(`${receiver().url}/v1/lane`)).json()) as { receivedThrough: number; highestSeen: number };
const refusedLogLines = () => lanes.logs('inbound-receiver').split('\n').filter((l) => l.includes('datagrams without a valid MAC dropped')).length;

/** Publishes a genuine application and waits until the inbound receiver relayed it. */
async function deliver(what: string) {
  const m = application();
  await pub.publish(m);
  await waitFor(async () => (await relayedIds()).has(m.id), { what: `${what}: message ${m.id} relayed by the inbound receiver`, timeoutMs: 30_000, everyMs: 50 });
  return m;
}

describe('udp lane authentication', () => {
  it('should deliver while the sender signs with the new key B and the receiver holds A and B', async () => {
    await deliver('sender on B, receiver on A and B');
    const rx = await lanes.metrics('inbound-receiver');
    expect(rx['relay_lane_unauthenticated_total:unknown-key'] ?? 0).toBe(0);
    expect(rx['relay_lane_unauthenticated_total:bad-mac'] ?? 0).toBe(0);
  }, 60_000);

  it('should drop and count forged datagrams with a correct CRC, answer none of them, and keep delivering', async () => {
    const before = await lanes.metrics('inbound-receiver');
    const { highestSeen } = await laneStatus();
    const next = highestSeen + 1; // the sequence the genuine sender uses next
    // A complete record of a valid message, as a forger on the diode's path would build it.
    const forgedMessage = application();
    const record = encodeRecord({ header: { kind: 'message', subject: 'hall.in.application.submitted', msgId: forgedMessage.id, attachments: [] }, data: Buffer.from(JSON.stringify(forgedMessage)), bodies: [] });
    const lane = LANE_IDS.inbound;
    const wrongB = { id: 'key-b', key: parseLaneKeys(generateLaneKey('x')).keys[0]!.key };
    const unknown = parseLaneKeys(generateLaneKey('key-z')).keys[0]!;
    const badMac = recordPackets(record, lane, 1234, next, FRAMING, wrongB);
    const unknownKey = recordPackets(record, lane, 1234, next, FRAMING, unknown);
    // Version 1 (before MACs): header, payload, CRC-32 — intact, but carries no MAC.
    const noMac = recordPackets(record, lane, 1234, next, FRAMING, unknown).map(versionOne);
    // A forged heartbeat announcing a huge sequence would make the receiver report gaps forever.
    const heartbeat = encodePacket({ kind: Kind.Heartbeat, lane, epoch: 1234, seq: 0, index: 0, count: 0, recordLength: 0, payload: Buffer.alloc(16, 0x7f) }, wrongB);
    const REPEAT = 20;
    const forged = Array.from({ length: REPEAT }, () => [...noMac, ...badMac, ...unknownKey, heartbeat]).flat();

    const socket = dgram.createSocket('udp4');
    let answers = 0;
    socket.on('message', () => { answers++; });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    try {
      for (const d of forged) await new Promise<void>((r, j) => socket.send(d, lanes.receiverPorts.inbound, '127.0.0.1', (err) => (err ? j(err) : r())));
      const expected = { 'no-mac': REPEAT * noMac.length, 'bad-mac': REPEAT * (badMac.length + 1), 'unknown-key': REPEAT * unknownKey.length };
      const counted = await waitFor(async () => {
        const m = await lanes.metrics('inbound-receiver');
        const delta = Object.fromEntries(Object.keys(expected).map((r) => [r, (m[`relay_lane_unauthenticated_total:${r}`] ?? 0) - (before[`relay_lane_unauthenticated_total:${r}`] ?? 0)]));
        return Object.entries(expected).every(([r, n]) => delta[r]! >= n) && delta;
      }, { what: `forged datagrams counted per reason (${JSON.stringify(expected)})`, timeoutMs: 20_000, everyMs: 50 });
      // Loopback does not lose datagrams at this rate: every one of them is counted exactly once.
      expect(counted).toEqual(expected);

      // The genuine message at the forged sequence arrives, byte for byte its own; the forged one never.
      const genuine = await deliver('after the forged datagrams');
      const ids = await relayedIds();
      expect(ids.has(genuine.id)).toBe(true);
      expect(ids.has(forgedMessage.id)).toBe(false);
      expect(await receiver().db.ledgerEntry.count({ where: { messageId: forgedMessage.id } })).toBe(0);
      const status = await laneStatus();
      expect(status.highestSeen).toBeLessThan(2 ** 32); // the forged heartbeat's sequence was not believed
      const after = await lanes.metrics('inbound-receiver');
      expect(after.relay_lane_quarantined_total ?? 0).toBe(before.relay_lane_quarantined_total ?? 0);
      // Logged, but not once per datagram.
      const lines = refusedLogLines();
      expect(lines).toBeGreaterThanOrEqual(1);
      expect(lines).toBeLessThan(5);
    } finally {
      socket.close();
    }
    // The diode: no datagram ever went back, neither to the forger nor through the lane's proxy.
    expect(answers).toBe(0);
    expect(lanes.proxies.inbound.counts.fromReceiver).toBe(0);
  }, 90_000);

  it('should drop the datagrams of key B at a receiver holding only A, and deliver what it missed once it holds B again', async () => {
    const r = receiver();
    await lanes.kill('inbound-receiver', 'SIGTERM');
    r.env.LANE_MAC_KEYS = A;
    await lanes.start('inbound-receiver');
    // From here on every datagram of the sender reaches the receiver's bound socket, in order (loopback, no loss).
    const packets0 = (await lanes.metrics('inbound-sender')).relay_lane_packets_sent_total ?? 0;
    const sent0 = (await lanes.metrics('inbound-sender')).relay_lane_sent_total ?? 0;
    const through0 = (await laneStatus()).receivedThrough;
    const missed = application();
    await pub.publish(missed);
    // The sender sent it (signed with B)...
    await waitFor(async () => ((await lanes.metrics('inbound-sender')).relay_lane_sent_total ?? 0) > sent0, { what: 'the inbound sender sent the message', timeoutMs: 20_000, everyMs: 50 });
    const packets1 = (await lanes.metrics('inbound-sender')).relay_lane_packets_sent_total ?? 0;
    // ...and the receiver refused at least as many of B's datagrams as were sent up to and including
    // the message's, plus 20 (the heartbeats of 2 s, more than those between its bind and packets0).
    await waitFor(async () => ((await lanes.metrics('inbound-receiver'))['relay_lane_unauthenticated_total:unknown-key'] ?? 0) >= packets1 - packets0 + 20,
      { what: "the receiver on A alone refusing the sender's datagrams of key B, the message's among them", timeoutMs: 20_000, everyMs: 50 });
    const rx = await lanes.metrics('inbound-receiver');
    expect(rx['relay_lane_unauthenticated_total:unknown-key']).toBeGreaterThanOrEqual(10);
    expect((await relayedIds()).has(missed.id)).toBe(false);
    expect((await laneStatus()).receivedThrough).toBe(through0);

    // Back in the overlap (A and B): heartbeats are believed again, the gap is reported, the sender re-sends.
    await lanes.kill('inbound-receiver', 'SIGTERM');
    r.env.LANE_MAC_KEYS = `${A},${B}`;
    await lanes.start('inbound-receiver');
    await waitFor(async () => (await relayedIds()).has(missed.id), { what: `the missed message ${missed.id} re-sent and relayed`, timeoutMs: 60_000, everyMs: 100 });
    await deliver('a new message after the receiver holds B again');
  }, 150_000);

  it('should refuse to start a half without a lane key', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const env = { ...lanes.halves['outbound-receiver'].env, LANE_MAC_KEYS: '', LANE_LEASE: 'false', PORT: '0' };
    // The same entry as the halves (the run's relay bundle): through tsx, compiling the relay on
    // start took 3 s of CPU on a quiet machine and over 60 s once at load 20.
    const child = spawn(process.execPath, lanes.entry, { cwd: path.resolve(here, '../../..'), env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    expect(await waitForExit(child, budget(60_000))).toBe(true);
    expect(child.exitCode).toBe(78);
    expect(stderr).toContain('LANE_MAC_KEYS is required');
  }, 120_000);
});
