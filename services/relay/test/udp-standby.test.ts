/**
 * Active/standby relay halves: a second process of the same half waits on the lane lease, is alive
 * but not ready (so no traffic is routed to it), and takes over when the active process is killed.
 * A stream published across both take-overs arrives exactly once.
 *
 * The sender paces itself (1 MB/s, ~400 of these small messages a second) and each kill comes as
 * soon as the active sender has put a given message on the wire, so the stream is still flowing
 * at each take-over however far the receiver lags behind. Standbys ask for the lease every 100 ms
 * (LANE_LEASE_POLL_MS in the harness's TEST_TIMINGS).
 */
import { createPublisher, type NatsConnection } from '@hall/messaging';
import { startUdpLanes, readStream, type UdpLanes } from './udp-harness.js';
import { putMaterials, application } from './fixtures.js';
import { waitFor } from './helpers.js';

const COUNT = 1000;
let lanes: UdpLanes;
let declaration: NatsConnection;
beforeAll(async () => {
  lanes = await startUdpLanes({ env: { LANE_UDP_RATE_BYTES: String(1024 * 1024) } });
  declaration = await lanes.connect('internet', 'declaration');
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

const relayed = () => lanes.halves['inbound-receiver'].db.ledgerEntry.count({ where: { lane: 'inbound', type: 'application.submitted', status: 'relayed' } });
const ready = async (url: string) => (await fetch(`${url}/ready`)).status;
const nextSeq = async (url: string) => ((await (await fetch(`${url}/v1/lane`)).json()) as { nextSeq: number }).nextSeq;

describe('relay halves as active/standby', () => {
  it('should keep a standby not ready, and let it take over the sender and then the receiver with nothing lost or duplicated', async () => {
    // Two cold process starts: side by side rather than one after the other.
    const [senderStandby, receiverStandby] = await Promise.all([lanes.standby('inbound-sender'), lanes.standby('inbound-receiver')]);
    expect(await ready(senderStandby.url)).toBe(503);
    expect(await ready(receiverStandby.url)).toBe(503);
    expect(await ready(lanes.halves['inbound-sender'].url)).toBe(200);

    const files = await putMaterials(lanes.zones.internet.store, 100, (i) => 300 + i * 7);
    const sent = Array.from({ length: COUNT }, (_, i) => application([files[i % files.length]!.ref]));
    const pub = createPublisher(declaration);
    let next = 0;
    // Source-stream sequences of the messages, ascending (IN also carries the outbound lane's reports).
    const seqs: number[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => { while (next < sent.length) seqs.push((await pub.publish(sent[next++]!)).seq); }));
    seqs.sort((a, b) => a - b);
    const sentPast = (url: string, index: number, what: string) =>
      waitFor(async () => (await nextSeq(url)) > seqs[index]!, { what: `the active sender past message ${index} (stream sequence ${seqs[index]}) before ${what}`, timeoutMs: 90_000, everyMs: 25 });

    await sentPast(lanes.halves['inbound-sender'].url, COUNT * 0.2, 'killing it');
    await lanes.kill('inbound-sender', 'SIGKILL');
    await waitFor(async () => (await ready(senderStandby.url)) === 200, { what: 'the standby sender ready (it took the lease)', timeoutMs: 20_000, everyMs: 50 });
    const atSenderTakeover = await relayed();
    expect(atSenderTakeover).toBeLessThan(COUNT);

    await sentPast(senderStandby.url, Math.min(COUNT - 200, atSenderTakeover + 200), 'killing the active receiver');
    await lanes.kill('inbound-receiver', 'SIGKILL');
    await waitFor(async () => (await ready(receiverStandby.url)) === 200, { what: 'the standby receiver ready (it took the lease)', timeoutMs: 20_000, everyMs: 50 });

    await waitFor(async () => (await relayed()) >= COUNT, { what: `all ${COUNT} messages relayed after both take-overs`, timeoutMs: 120_000 });
    const arrived = await readStream(lanes.zones.extranet.admin, await lanes.connect('extranet', 'provisioner'), 'IN', 'hall.in.application.submitted');
    expect(arrived).toHaveLength(COUNT);
    expect(new Set(arrived.map((m) => m.msgId)).size).toBe(COUNT);
    expect(await relayed()).toBe(COUNT);
  }, 300_000);
});
