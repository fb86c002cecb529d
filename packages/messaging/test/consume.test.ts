import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsZone, type NatsZoneServer } from '@hall/testkit';
import { consume, createPublisher, type ConsumeMeta } from '../src/index.js';
import { applicationSubmitted, caseTransitioned, logger, sleep, userConnection, waitFor } from './helpers.js';

describe('consume', () => {
  let server: NatsZoneServer;
  let producer: NatsConnection; // relay-in-receiver writes IN
  let approval: NatsConnection; // approval consumes IN
  let admin: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsZone({ zone: 'extranet' });
    producer = await userConnection(server, 'relay-in-receiver');
    approval = await userConnection(server, 'approval');
    admin = await userConnection(server, 'provisioner');
    jsm = await jetstreamManager(admin);
  });
  afterAll(async () => {
    await Promise.all([producer?.close(), approval?.close(), admin?.close()]);
    await server?.stop();
  });

  it('redelivers a message whose handler failed, then acks it', async () => {
    const msg = applicationSubmitted();
    const seen: ConsumeMeta[] = [];
    const handle = await consume({
      nc: approval,
      stream: 'IN',
      durable: 'retry-test',
      filterSubjects: ['hall.in.application.submitted'],
      logger,
      retryDelayMs: () => 100,
      handler: async (m, meta) => {
        if (m.id !== msg.id) return;
        seen.push(meta);
        if (seen.length === 1) throw new Error('database briefly unavailable');
      },
    });
    try {
      await createPublisher(producer).publish(msg);
      await waitFor(() => seen.length >= 2, 10_000, 'redelivery');
      expect(seen.map((s) => s.redeliveryCount)).toEqual([0, 1]);
      expect(seen[0]!.headers['Hall-Type']).toBe('application.submitted');
      expect(seen[0]!.headers['Nats-Msg-Id']).toBe(msg.id);
      await waitFor(async () => (await jsm.consumers.info('IN', 'retry-test')).num_ack_pending === 0, 5000, 'ack');
      await sleep(300);
      expect(seen).toHaveLength(2);
    } finally {
      await handle.stop();
    }
  });

  it('passes an invalid message to onInvalid and terminates it instead of redelivering', async () => {
    const js = jetstream(admin.isClosed() ? admin : producer);
    const invalid: { raw: string; error: Error }[] = [];
    const handled: string[] = [];
    const handle = await consume({
      nc: approval,
      stream: 'IN',
      durable: 'invalid-test',
      logger,
      retryDelayMs: () => 50,
      handler: async (m) => {
        handled.push(m.id);
      },
      onInvalid: async (raw, error) => {
        invalid.push({ raw: new TextDecoder().decode(raw), error });
      },
    });
    try {
      const before = (await jsm.streams.info('IN')).state.last_seq;
      await js.publish('hall.in.application.submitted', JSON.stringify({ type: 'application.submitted', id: 'not-a-uuid' }));
      await js.publish('hall.in.application.submitted', 'not json at all');
      // a valid envelope on the wrong subject: permissions are per subject, so this is refused too
      const wrongSubject = { ...caseTransitioned(), zone: 'internet' as const };
      await js.publish('hall.in.application.submitted', JSON.stringify(wrongSubject));
      const ok = applicationSubmitted();
      await createPublisher(producer).publish(ok);
      await waitFor(() => invalid.length >= 3 && handled.includes(ok.id), 10_000, 'invalid + valid handled');
      await waitFor(async () => (await jsm.consumers.info('IN', 'invalid-test')).num_ack_pending === 0, 5000, 'no pending');
      await sleep(400);
      expect(invalid).toHaveLength(3); // once each: terminated, not redelivered
      expect(invalid.map((i) => i.error.name)).toEqual(['ContractError', 'SyntaxError', 'ContractError']);
      expect(invalid[2]!.error.message).toContain('arrived on hall.in.application.submitted');
      const info = await jsm.consumers.info('IN', 'invalid-test');
      expect(info.delivered.stream_seq).toBeGreaterThanOrEqual(before + 4);
    } finally {
      await handle.stop();
    }
  });

  it('never runs more handlers at once than its concurrency', async () => {
    const total = 40;
    const msgs = Array.from({ length: total }, (_, i) => applicationSubmitted(i));
    const ids = new Set(msgs.map((m) => m.id));
    let active = 0;
    let maxActive = 0;
    const done = new Set<string>();
    const handle = await consume({
      nc: approval,
      stream: 'IN',
      durable: 'concurrency-test',
      concurrency: 4,
      logger,
      handler: async (m) => {
        if (!ids.has(m.id)) return;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active--;
        done.add(m.id);
      },
    });
    try {
      const pub = createPublisher(producer);
      await Promise.all(msgs.map((m) => pub.publish(m)));
      await waitFor(() => done.size === total, 15_000, 'all handled');
      expect(maxActive).toBeLessThanOrEqual(4);
      expect(maxActive).toBeGreaterThanOrEqual(2); // it does run in parallel
    } finally {
      await handle.stop();
    }
  });

  it('keeps consuming across a nats-server crash and restart', async () => {
    const got = new Set<string>();
    const handle = await consume({
      nc: approval,
      stream: 'IN',
      durable: 'restart-test',
      logger,
      handler: async (m) => {
        got.add(m.id);
      },
    });
    try {
      // a short ack timeout: a publish issued while the producer is still reconnecting can be lost
      const pub = createPublisher(producer, { timeoutMs: 1000 });
      const first = applicationSubmitted(1);
      await pub.publish(first);
      await waitFor(() => got.has(first.id), 5000, 'first message');

      await server.kill('SIGKILL');
      await sleep(300);
      await server.restart();

      const t0 = Date.now();
      // the producer reconnects on its own too; retry while it does
      const after = applicationSubmitted(2);
      await waitFor(async () => {
        try {
          await pub.publish(after);
          return true;
        } catch {
          return false;
        }
      }, 10_000, 'publish after restart');
      await waitFor(() => got.has(after.id), 15_000, 'message published after restart');
      logger.info({ ms: Date.now() - t0 }, 'recovered after restart');
    } finally {
      await handle.stop();
    }
  }, 30_000);
});
