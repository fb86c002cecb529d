/**
 * Active/standby relay halves: a second process of the same half waits on the lane lease, is alive
 * but not ready (so no traffic is routed to it), and takes over when the active process is killed.
 * A stream published across both take-overs arrives exactly once.
 */
import { createPublisher, type NatsConnection } from '@hall/messaging';
import { startUdpLanes, readStream, type UdpLanes } from './udp-harness.js';
import { putMaterials, application } from './fixtures.js';
import { waitFor } from './helpers.js';

const COUNT = 1500;
let lanes: UdpLanes;
let declaration: NatsConnection;
beforeAll(async () => {
  lanes = await startUdpLanes({ env: { LANE_UDP_RATE_BYTES: String(1024 * 1024) } });
  declaration = await lanes.connect('internet', 'declaration');
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

const relayed = () => lanes.halves['inbound-receiver'].db.ledgerEntry.count({ where: { lane: 'inbound', type: 'application.submitted', status: 'relayed' } });
const ready = async (url: string) => (await fetch(`${url}/ready`)).status;

describe('relay halves as active/standby', () => {
  it('should keep a standby not ready, and let it take over the sender and then the receiver with nothing lost or duplicated', async () => {
    const senderStandby = await lanes.standby('inbound-sender');
    const receiverStandby = await lanes.standby('inbound-receiver');
    expect(await ready(senderStandby.url)).toBe(503);
    expect(await ready(receiverStandby.url)).toBe(503);
    expect(await ready(lanes.halves['inbound-sender'].url)).toBe(200);

    const files = await putMaterials(lanes.zones.internet.store, 100, (i) => 300 + i * 7);
    const sent = Array.from({ length: COUNT }, (_, i) => application([files[i % files.length]!.ref]));
    const pub = createPublisher(declaration);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => { while (next < sent.length) await pub.publish(sent[next++]!); }));

    await waitFor(async () => (await relayed()) >= COUNT * 0.2, 90_000, 50);
    await lanes.kill('inbound-sender', 'SIGKILL');
    await waitFor(async () => (await ready(senderStandby.url)) === 200, 20_000, 100);
    const atSenderTakeover = await relayed();
    expect(atSenderTakeover).toBeLessThan(COUNT);

    await waitFor(async () => (await relayed()) >= Math.min(COUNT - 200, atSenderTakeover + 200), 90_000, 50);
    await lanes.kill('inbound-receiver', 'SIGKILL');
    await waitFor(async () => (await ready(receiverStandby.url)) === 200, 20_000, 100);

    await waitFor(async () => (await relayed()) >= COUNT, 120_000, 250);
    const arrived = await readStream(lanes.zones.extranet.admin, await lanes.connect('extranet', 'provisioner'), 'IN', 'hall.in.application.submitted');
    expect(arrived).toHaveLength(COUNT);
    expect(new Set(arrived.map((m) => m.msgId)).size).toBe(COUNT);
    expect(await relayed()).toBe(COUNT);
  }, 300_000);
});
