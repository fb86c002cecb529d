/**
 * SIGKILL of either half in the middle of a stream, then a restart: the sender resumes from its
 * saved position (re-sending a little, which the receiver recognises), the receiver resumes from
 * its sequence ledger (what it had not committed is reported missing and re-sent). Nothing is lost
 * and nothing reaches the destination twice.
 *
 * "In the middle" is read off the sender, which paces itself (2 MB/s, ~380 of these messages a
 * second): each kill comes as soon as the sender has put a given message on the wire, so hundreds
 * are still to be sent, however far the receiver lags behind (its first batches wait on the object
 * store, and on a loaded machine much longer). Each restart is a cold start of the relay bundle (1.5–2 s on a quiet machine, most of it CPU).
 */
import { createPublisher, type NatsConnection } from '@hall/messaging';
import { startUdpLanes, readStream, type UdpLanes, type HalfName } from './udp-harness.js';
import { putMaterials, application } from './fixtures.js';
import { waitFor } from './helpers.js';

const COUNT = 1000;

let lanes: UdpLanes;
let declaration: NatsConnection;
beforeAll(async () => {
  // A little loss as well, so that re-sends after the restart also cross a lossy link.
  lanes = await startUdpLanes({ loss: { drop: 0.01, duplicate: 0.01, reorder: 0.01 }, env: { LANE_UDP_RATE_BYTES: String(2 * 1024 * 1024) } });
  declaration = await lanes.connect('internet', 'declaration');
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

const relayed = () => lanes.halves['inbound-receiver'].db.ledgerEntry.count({ where: { lane: 'inbound', type: 'application.submitted', status: 'relayed' } });
const senderNextSeq = async () => ((await (await fetch(`${lanes.halves['inbound-sender'].url}/v1/lane`)).json()) as { nextSeq: number }).nextSeq;

/** Source-stream sequences of the published messages, ascending (IN also carries the outbound lane's reports). */
let seqs: number[] = [];

/** Kills `name` once the sender has sent the `index`-th message of the stream, and starts it again. */
async function killMidStream(name: HalfName, index: number) {
  const seq = seqs[index]!;
  await waitFor(async () => (await senderNextSeq()) > seq, { what: `the sender past message ${index} (stream sequence ${seq}) before killing ${name}`, timeoutMs: 90_000, everyMs: 25 }).catch(async (err: unknown) => {
    // What each half saw, for the failure message.
    const seen: Record<string, unknown> = {};
    for (const h of ['inbound-sender', 'inbound-receiver', 'outbound-sender', 'outbound-receiver'] as const) {
      seen[h] = { metrics: await lanes.metrics(h), status: await (await fetch(`${lanes.halves[h].url}/v1/lane`)).json() };
    }
    throw new Error(`${(err as Error).message}: ${JSON.stringify(seen)}`);
  });
  await lanes.kill(name, 'SIGKILL');
  expect(lanes.halves[name].child!.signalCode).toBe('SIGKILL');
  await lanes.start(name);
}

describe('udp lane across SIGKILL', () => {
  it('should lose and duplicate nothing when the sender and then the receiver are killed mid-stream', async () => {
    const files = await putMaterials(lanes.zones.internet.store, 100, (i) => 200 + ((i * 613) % 5000));
    const sent = Array.from({ length: COUNT }, (_, i) => application([files[i % files.length]!.ref]));
    const pub = createPublisher(declaration);
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => { while (next < sent.length) seqs.push((await pub.publish(sent[next++]!)).seq); }));
    seqs = seqs.sort((a, b) => a - b);

    await killMidStream('inbound-sender', COUNT * 0.25);
    const atSenderRestart = await relayed();
    expect(atSenderRestart).toBeLessThan(COUNT);
    await killMidStream('inbound-receiver', Math.min(COUNT - 300, Math.max(atSenderRestart + 200, COUNT * 0.5)));
    expect(await relayed()).toBeLessThan(COUNT);

    await waitFor(async () => (await relayed()) >= COUNT, { what: `all ${COUNT} messages relayed after both restarts`, timeoutMs: 150_000 });
    const arrived = await readStream(lanes.zones.extranet.admin, await lanes.connect('extranet', 'provisioner'), 'IN', 'hall.in.application.submitted');
    expect(arrived).toHaveLength(COUNT);
    const ids = new Set(arrived.map((m) => m.msgId));
    expect(ids.size).toBe(COUNT);
    for (const m of sent) expect(ids.has(m.id)).toBe(true);
    // The ledger agrees: one relayed row per message.
    expect(await relayed()).toBe(COUNT);
    for (const f of files.slice(0, 50)) expect((await lanes.zones.extranet.store.getBuffer(f.ref.key)).equals(f.body)).toBe(true);
  }, 300_000);
});
