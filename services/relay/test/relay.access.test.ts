/**
 * The lane is one-way because of what the servers allow its two users, not because of what the
 * relay's code chooses to do: every refusal below comes from a nats-server.
 */
import { createLogger } from '@hall/logging';
import { connectNats, consume, createPublisher, type NatsConnection } from '@hall/messaging';
import { waitFor } from '@hall/testkit';
import { startLane, applicationSubmitted, publishRaw, streamAdmin, type LaneHarness } from './helpers.js';

const logger = createLogger({ service: 'relay-access-test', level: 'silent' });
const noop = async () => undefined;

let h: LaneHarness;
let sender: NatsConnection;
beforeAll(async () => {
  h = await startLane('inbound');
  // Exactly the credentials the running relay was given for the source zone.
  sender = await connectNats({ servers: h.env.env.SOURCE_NATS_URL!, user: h.env.env.SOURCE_NATS_USER!, pass: h.env.env.SOURCE_NATS_PASS!, name: 'test-lane-sender', logger });
}, 60_000);
afterAll(async () => { await sender?.close(); await h?.close(); }, 30_000);

describe('relay access', () => {
  it('should not let the lane write back into the internet zone with its source credentials', async () => {
    expect(h.env.env.SOURCE_NATS_USER).toBe('relay-in-sender');
    const before = (await h.source.admin.info('IN')).state.messages;
    await expect(publishRaw(sender, 'hall.in.x', '{}')).rejects.toThrow(/Permissions Violation for Publish to "hall\.in\.x"/);
    await expect(createPublisher(sender).publish(applicationSubmitted())).rejects.toThrow(/Permissions Violation for Publish to "hall\.in\.application\.submitted"/);
    await expect(publishRaw(sender, 'hall.out.case.status.changed', '{}')).rejects.toThrow(/Permissions Violation/);
    expect((await h.source.admin.info('IN')).state.messages).toBe(before);
    expect(h.source.nats.logs()).toMatch(/Publish Violation - User "relay-in-sender", Subject "hall\.in\.x"/);
  });

  it('should not let the lane read internet streams other than IN with its source credentials', async () => {
    for (const stream of ['OUT', 'I']) {
      await expect(consume({ nc: sender, stream, durable: 'sneak', logger, handler: noop })).rejects.toThrow(/Permissions Violation/);
    }
  });

  it('should not let the lane read anything in the extranet with its destination credentials', async () => {
    // The relay's own connection to the extranet server: relay-in-receiver.
    const receiver = h.svc.ctx.nc;
    expect(h.env.env.NATS_USER).toBe('relay-in-receiver');
    for (const stream of ['IN', 'OUT', 'X']) {
      await expect(consume({ nc: receiver, stream, durable: 'sneak', logger, handler: noop })).rejects.toThrow(/Permissions Violation/);
    }
    await expect(streamAdmin(receiver).messages('IN')).rejects.toThrow(/Permissions Violation/);
    // The shared server's log reaches this file through the test run's main process: wait for the line.
    await waitFor(async () => /Publish Violation - User "relay-in-receiver", Subject "\$JS\.API\.CONSUMER\.CREATE\.X/.test(h.dest.nats.logs()), { what: 'the permission violation in the extranet server log' });
  });

  it('should not let the lane publish anything but hall.in.* in the extranet', async () => {
    const receiver = h.svc.ctx.nc;
    const before = (await h.dest.admin.info('X')).state.messages;
    for (const subject of ['hall.x.case.transitioned', 'hall.x.certificate.requested', 'hall.out.case.status.changed']) {
      await expect(publishRaw(receiver, subject, '{}')).rejects.toThrow(/Permissions Violation for Publish/);
    }
    expect((await h.dest.admin.info('X')).state.messages).toBe(before);
  });

  it('GET /v1/lane should expose counts only, never message content', async () => {
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/lane' });
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json()).sort()).toEqual(['lane', 'lastSourceSeq', 'quarantined', 'relayed', 'role', 'transport']);
  });
});
