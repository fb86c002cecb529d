/**
 * The relay lanes' datagrams, as the README's run command starts them (issue 20): each lane has a
 * key of its own, given to its two halves only and kept in secrets.json (0600); a datagram without
 * a valid MAC sent straight at a receiver's UDP port (a correct CRC, so only the MAC can tell) is
 * dropped and counted, and nothing answers it. Before, any datagram with a correct CRC-32 was taken.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '@hall/testkit';
import type { Platform } from '@hall/platform';
import { sharedPlatform } from '../src/platform.js';
import { Kind, LANE_IDS, encodePacket, encodeRecord, recordPackets } from '../../services/relay/src/udp/protocol.js';
import { generateLaneKey, parseLaneKeys } from '../../services/relay/src/udp/keys.js';
import { versionOne } from '../../services/relay/test/fixtures.js';

let platform: Platform;
let dataDir: string;
const LANES = ['inbound', 'outbound'] as const;
const halvesOf = (lane: string) => Object.values(platform.processes).filter((p) => p.spec.lane?.name === lane);
const receiverOf = (lane: string) => halvesOf(lane).find((p) => p.spec.lane!.role === 'receiver')!;

async function unauthenticated(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await (await fetch(`${url}/metrics`)).text()).matchAll(/^relay_lane_unauthenticated_total\{[^}]*reason="([^"]+)"[^}]*\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('scenario: lane datagrams', () => {
  beforeAll(async () => {
    const shared = await sharedPlatform();
    platform = shared.platform;
    dataDir = shared.dataDir;
  });

  it('gives each lane its own key, to both of its halves only, kept in secrets.json (0600)', () => {
    const keys = LANES.map((lane) => {
      const halves = halvesOf(lane);
      expect(halves.map((h) => h.spec.lane!.role).sort()).toEqual(['receiver', 'sender']);
      const [a, b] = halves.map((h) => h.env.LANE_MAC_KEYS!);
      expect(a).toBe(b);
      expect(parseLaneKeys(a).keys[0]!.key.length).toBe(32);
      return a!;
    });
    expect(keys[0]).not.toBe(keys[1]);
    for (const p of Object.values(platform.processes)) if (!p.spec.lane) expect(`${p.spec.name}: ${p.env.LANE_MAC_KEYS ?? 'none'}`).toBe(`${p.spec.name}: none`);
    const file = path.join(dataDir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { laneKeys?: Record<string, string> }).laneKeys).toEqual({ inbound: keys[0], outbound: keys[1] });
  });

  it.each(LANES)('the %s receiver drops and counts datagrams without a valid MAC, and answers none', async (lane) => {
    const rx = receiverOf(lane);
    const [host, port] = [rx.env.LANE_UDP_BIND!.split(':')[0]!, Number(rx.env.LANE_UDP_BIND!.split(':')[1])];
    const before = await unauthenticated(rx.url);
    const msg = Buffer.from(JSON.stringify({ id: 'forged', type: 'application.submitted' }));
    const record = encodeRecord({ header: { kind: 'message', subject: `hall.${lane === 'inbound' ? 'in' : 'out'}.application.submitted`, attachments: [] }, data: msg, bodies: [] });
    const seq = 2 ** 40;
    const wrong = { id: parseLaneKeys(rx.env.LANE_MAC_KEYS).keys[0]!.id, key: parseLaneKeys(generateLaneKey('x')).keys[0]!.key };
    const badMac = recordPackets(record, LANE_IDS[lane], 99, seq, { chunkBytes: 1200, fecGroup: 4 }, wrong);
    const unknownKey = [encodePacket({ kind: Kind.Heartbeat, lane: LANE_IDS[lane], epoch: 99, seq: 0, index: 0, count: 0, recordLength: 0, payload: Buffer.alloc(16, 0x7f) }, parseLaneKeys(generateLaneKey('forger')).keys[0]!)];
    const noMac = badMac.map(versionOne);
    const socket = dgram.createSocket('udp4');
    let answers = 0;
    socket.on('message', () => { answers++; });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    try {
      for (const d of [...noMac, ...badMac, ...unknownKey]) await new Promise<void>((r, j) => socket.send(d, port, host, (err) => (err ? j(err) : r())));
      const want = { 'no-mac': noMac.length, 'bad-mac': badMac.length, 'unknown-key': unknownKey.length };
      await waitFor(async () => {
        const now = await unauthenticated(rx.url);
        return Object.entries(want).every(([r, n]) => (now[r] ?? 0) - (before[r] ?? 0) >= n);
      }, { what: `${rx.spec.name} counting forged datagrams ${JSON.stringify(want)}`, timeoutMs: 20_000, everyMs: 100 });
    } finally {
      socket.close();
    }
    expect(answers).toBe(0);
    // The forged heartbeat's enormous sequence was not believed.
    const status = (await (await fetch(`${rx.url}/v1/lane`)).json()) as { highestSeen: number };
    expect(status.highestSeen).toBeLessThan(2 ** 32);
  });
});
