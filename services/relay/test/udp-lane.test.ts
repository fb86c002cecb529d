/**
 * The udp diode under loss: 5 % of datagrams dropped, 5 % duplicated and 5 % reordered on both
 * lanes (the OUTBOUND lane carries the INBOUND lane's reconciliation reports, so it is lossy too).
 * Every message must arrive exactly once and byte-identical, every attachment byte-identical, and
 * the receiver must never have sent a datagram.
 *
 * 2,000 messages (~16,000 datagrams) make every healing path certain, not likely: some 800 drops
 * where the test asks for more than 100, hundreds of parity repairs and of re-sends after reports.
 * A soak run sets UDP_LANE_TEST_MESSAGES (e.g. 10000); the benchmark measures throughput.
 */
import { createPublisher, type NatsConnection } from '@hall/messaging';
import { startUdpLanes, readStream, type UdpLanes } from './udp-harness.js';
import { putMaterials, application } from './fixtures.js';
import { waitFor } from './helpers.js';

const COUNT = Number(process.env.UDP_LANE_TEST_MESSAGES ?? 2000);
const DISTINCT_FILES = Math.min(COUNT, 200);

let lanes: UdpLanes;
let declaration: NatsConnection;
beforeAll(async () => {
  lanes = await startUdpLanes({ loss: { drop: 0.05, duplicate: 0.05, reorder: 0.05 } });
  declaration = await lanes.connect('internet', 'declaration');
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

describe('udp lane over a lossy link', () => {
  it(`should deliver ${COUNT} messages with attachments exactly once and byte-identical`, async () => {
    // Sizes from 100 B to ~9 KB: single-chunk records and records of up to 8 chunks with parity.
    const files = await putMaterials(lanes.zones.internet.store, DISTINCT_FILES, (i) => 100 + ((i * 977) % 9000));
    const sent = Array.from({ length: COUNT }, (_, i) => application([files[i % files.length]!.ref]));
    const pub = createPublisher(declaration);
    const started = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => { while (next < sent.length) await pub.publish(sent[next++]!); }));

    const receiver = lanes.halves['inbound-receiver'];
    await waitFor(async () => (await receiver.db.ledgerEntry.count({ where: { lane: 'inbound', type: 'application.submitted', status: 'relayed' } })) >= COUNT, { what: `${COUNT} messages relayed by the inbound receiver`, timeoutMs: 180_000, everyMs: 100 });
    const seconds = (Date.now() - started) / 1000;

    const arrived = await readStream(lanes.zones.extranet.admin, await lanes.connect('extranet', 'provisioner'), 'IN', 'hall.in.application.submitted');
    expect(arrived).toHaveLength(COUNT);
    const byId = new Map(arrived.map((m) => [m.msgId!, m]));
    expect(byId.size).toBe(COUNT);
    for (const m of sent) {
      const got = byId.get(m.id);
      expect(got && got.data.equals(Buffer.from(JSON.stringify(m)))).toBe(true);
    }
    const copies = await Promise.all(files.map((f) => lanes.zones.extranet.store.getBuffer(f.ref.key)));
    files.forEach((f, i) => expect(copies[i]!.equals(f.body)).toBe(true));

    // Every lane sequence accounted for once, and the watermark reaches the end of the source stream.
    const { state } = await lanes.zones.internet.admin.info('IN');
    const status = await waitFor(async () => {
      const s = (await (await fetch(`${receiver.url}/v1/lane`)).json()) as { receivedThrough: number };
      return s.receivedThrough >= state.last_seq && s;
    }, { what: `inbound receiver's watermark at the source stream's last sequence ${state.last_seq}`, timeoutMs: 60_000 });
    expect(status.receivedThrough).toBeGreaterThanOrEqual(state.last_seq);
    const seqRows = await receiver.db.laneSequence.count({ where: { lane: 'inbound', seq: { lte: BigInt(state.last_seq) } } });
    expect(seqRows).toBe(state.last_seq);

    // The loss was real and was healed both ways: parity repairs and re-sends after reports.
    const rx = await lanes.metrics('inbound-receiver');
    const tx = await lanes.metrics('inbound-sender');
    expect(lanes.proxies.inbound.counts.dropped).toBeGreaterThan(100);
    expect(rx.relay_lane_repaired_total).toBeGreaterThan(0);
    expect(tx.relay_lane_resent_total).toBeGreaterThan(0);
    expect(rx.relay_lane_relayed_total).toBeGreaterThanOrEqual(COUNT);
    expect(rx.relay_lane_quarantined_total).toBe(0);
    // The diode: nothing ever came back from either receiver.
    expect(lanes.proxies.inbound.counts.fromReceiver).toBe(0);
    expect(lanes.proxies.outbound.counts.fromReceiver).toBe(0);
    process.stdout.write(`udp lane: ${COUNT} messages in ${seconds.toFixed(1)} s; proxy ${JSON.stringify(lanes.proxies.inbound.counts)}; repaired ${rx.relay_lane_repaired_total}, resent ${tx.relay_lane_resent_total}, gaps ${rx.relay_lane_gaps_detected_total}\n`);
  }, 240_000);
});
