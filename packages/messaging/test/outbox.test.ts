import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError } from '@hall/contracts';
import { createTestDatabase, startNatsZone, type NatsZoneServer, type TestDatabase } from '@hall/testkit';
import { consume, createOutboxPublisher, enqueue, handleOnce, pgTxRunner, wakeOnCommit, type SqlExecutor, type TxRunner } from '../src/index.js';
import { caseTransitioned, logger, migrate, sleep, userConnection, waitFor } from './helpers.js';

interface OutboxRow {
  id: string;
  sent_at: Date | null;
  attempts: number;
  last_error: string | null;
}

describe('transactional outbox and inbox', () => {
  let server: NatsZoneServer;
  let db: TestDatabase;
  let pool: pg.Pool;
  let runner: TxRunner<SqlExecutor>;
  let approval: NatsConnection; // publishes hall.x.case.>
  let supervision: NatsConnection; // consumes X
  let admin: NatsConnection;
  let jsm: JetStreamManager;

  const xCount = async () => (await jsm.streams.info('X')).state.messages;
  const row = async (id: string) => (await pool.query<OutboxRow>('SELECT id, sent_at, attempts, last_error FROM outbox WHERE id = $1', [id])).rows[0];

  beforeAll(async () => {
    [server, db] = await Promise.all([startNatsZone({ zone: 'extranet' }), createTestDatabase({ prefix: 'messaging_outbox' })]);
    await migrate(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 10 });
    await pool.query('CREATE TABLE cases (id uuid PRIMARY KEY)');
    await pool.query('CREATE TABLE handled (message_id text NOT NULL)');
    runner = pgTxRunner(pool);
    approval = await userConnection(server, 'approval');
    supervision = await userConnection(server, 'supervision');
    admin = await userConnection(server, 'provisioner');
    jsm = await jetstreamManager(admin);
  });
  afterAll(async () => {
    await Promise.all([approval?.close(), supervision?.close(), admin?.close()]);
    await pool?.end();
    await Promise.all([server?.stop(), db?.drop()]);
  });

  it('publishes a message after its transaction commits, and never one whose transaction rolled back', async () => {
    const committed = caseTransitioned(1);
    const rolledBack = caseTransitioned(2);
    const before = await xCount();
    await runner.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('INSERT INTO cases (id) VALUES ($1)', committed.payload.caseId);
      await enqueue(tx, committed);
    });
    await expect(
      runner.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('INSERT INTO cases (id) VALUES ($1)', rolledBack.payload.caseId);
        await enqueue(tx, rolledBack);
        throw new Error('business rule failed after the enqueue');
      }),
    ).rejects.toThrow('business rule failed');

    const outbox = createOutboxPublisher({ db: runner, nc: approval, logger, pollMs: 5000 });
    outbox.start();
    try {
      const t0 = Date.now();
      outbox.notify(); // without it the next poll would be 5 s away
      await waitFor(async () => (await row(committed.id))?.sent_at != null, 3000, 'sent_at');
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await outbox.stop();
    }
    expect(await xCount()).toBe(before + 1);
    const stored = await jsm.streams.getMessage('X', { last_by_subj: 'hall.x.case.transitioned' });
    expect(stored!.json()).toEqual(committed);
    expect(await row(rolledBack.id)).toBeUndefined();
    // the row is kept, marked sent
    expect(await row(committed.id)).toMatchObject({ attempts: 1, last_error: null });
  });

  it('rejects an invalid message at enqueue time and inserts nothing', async () => {
    const bad = { ...caseTransitioned(), payload: {} };
    await expect(runner.$transaction((tx) => enqueue(tx, bad))).rejects.toBeInstanceOf(ContractError);
    expect(await row(bad.id)).toBeUndefined();
  });

  it('causes no duplicate downstream when a publisher dies between publish and mark-sent', async () => {
    const msg = caseTransitioned(3);
    await runner.$transaction((tx) => enqueue(tx, msg));
    const before = await xCount();

    // A database whose "mark sent" statement fails: the process "dies" right after publishing.
    const dying: TxRunner<SqlExecutor> = {
      ...runner,
      $transaction: (fn) =>
        runner.$transaction((tx) =>
          fn({
            ...tx,
            $executeRawUnsafe: (q: string, ...v: unknown[]) => {
              if (q.startsWith('UPDATE outbox SET sent_at')) throw new Error('killed before mark-sent');
              return tx.$executeRawUnsafe(q, ...v);
            },
          }),
        ),
    };
    await expect(createOutboxPublisher({ db: dying, nc: approval, logger }).flushOnce()).rejects.toThrow('killed before mark-sent');
    expect(await xCount()).toBe(before + 1); // it did reach the stream
    expect((await row(msg.id))?.sent_at).toBeNull(); // but the row says unsent

    // A fresh publisher re-publishes: the stream drops it as a duplicate, the row is marked sent.
    expect(await createOutboxPublisher({ db: runner, nc: approval, logger }).flushOnce()).toBe(1);
    expect(await xCount()).toBe(before + 1);
    expect((await row(msg.id))?.sent_at).not.toBeNull();

    // Past the dedupe window the stream would accept it again; the consumer's inbox is the second guard.
    await jetstream(approval).publish('hall.x.case.transitioned', JSON.stringify(msg), { msgID: `${msg.id}-after-window` });
    expect(await xCount()).toBe(before + 2);

    const calls: string[] = [];
    const handle = await consume({
      nc: supervision,
      stream: 'X',
      durable: 'supervision-outbox-test',
      logger,
      handler: async (m) => {
        if (m.id !== msg.id) return;
        await handleOnce(runner, 'supervision', m.id, async (tx) => {
          calls.push(m.id);
          await tx.$executeRawUnsafe('INSERT INTO handled (message_id) VALUES ($1)', m.id);
        });
      },
    });
    try {
      await waitFor(async () => (await jsm.consumers.info('X', 'supervision-outbox-test')).num_pending === 0, 5000, 'consumer caught up');
      await waitFor(async () => (await jsm.consumers.info('X', 'supervision-outbox-test')).num_ack_pending === 0, 5000, 'all acked');
    } finally {
      await handle.stop();
    }
    expect(calls).toEqual([msg.id]);
    expect((await pool.query('SELECT 1 FROM handled WHERE message_id = $1', [msg.id])).rowCount).toBe(1);
  });

  it('records the failure and retries later when JetStream refuses the publish', async () => {
    const msg = caseTransitioned(4);
    await runner.$transaction((tx) => enqueue(tx, msg));
    // catalog may not publish case events: the server refuses, as it would while NATS is unreachable
    const catalog = await userConnection(server, 'catalog');
    try {
      expect(await createOutboxPublisher({ db: runner, nc: catalog, logger }).flushOnce()).toBe(0);
    } finally {
      await catalog.close();
    }
    const failed = await row(msg.id);
    expect(failed).toMatchObject({ sent_at: null, attempts: 1 });
    expect(failed!.last_error).toMatch(/Permissions Violation/);

    const outbox = createOutboxPublisher({ db: runner, nc: approval, logger, pollMs: 50 });
    outbox.start();
    try {
      await waitFor(async () => (await row(msg.id))?.sent_at != null, 5000, 'retry after backoff');
    } finally {
      await outbox.stop();
    }
    expect(await row(msg.id)).toMatchObject({ attempts: 2, last_error: null });
  });

  it('shares the work between concurrent publishers without sending a row twice', async () => {
    const msgs = Array.from({ length: 60 }, (_, i) => caseTransitioned(100 + i));
    await runner.$transaction(async (tx) => {
      for (const m of msgs) await enqueue(tx, m);
    });
    const before = await xCount();
    const a = createOutboxPublisher({ db: runner, nc: approval, logger, batchSize: 7 });
    const b = createOutboxPublisher({ db: runner, nc: approval, logger, batchSize: 7 });
    const [na, nb] = await Promise.all([a.flushOnce(), b.flushOnce()]);
    expect(na + nb).toBe(60);
    expect(await xCount()).toBe(before + 60);
    const unsent = await pool.query('SELECT 1 FROM outbox WHERE sent_at IS NULL');
    expect(unsent.rowCount).toBe(0);
  });

  it('polls while idle with one plain query, no transaction, and still finds a row enqueued without notify()', async () => {
    let transactions = 0;
    const counting: TxRunner<SqlExecutor> = { ...runner, $transaction: (fn, o) => { transactions++; return runner.$transaction(fn, o); } };
    const outbox = createOutboxPublisher({ db: counting, nc: approval, logger, pollMs: 50 });
    outbox.start();
    try {
      await sleep(150); // the first round (a transaction) and a poll or two
      const settled = transactions;
      await sleep(500); // ten idle polls
      expect(transactions).toBe(settled);
      const msg = caseTransitioned(300);
      await runner.$transaction((tx) => enqueue(tx, msg)); // a consumer's handler does not call notify()
      await waitFor(async () => (await row(msg.id))?.sent_at != null, 3000, 'sent by the poll');
      expect(transactions).toBeGreaterThan(settled);
    } finally {
      await outbox.stop();
    }
  });

  it('backs its idle poll off while nothing is due, and still finds a row enqueued without notify()', async () => {
    let probes = 0;
    const counting: TxRunner<SqlExecutor> = { ...runner, $queryRawUnsafe: (q, ...v) => { probes++; return runner.$queryRawUnsafe(q, ...v); } };
    const outbox = createOutboxPublisher({ db: counting, nc: approval, logger, pollMs: 20, maxPollMs: 320 });
    outbox.start();
    try {
      await sleep(1500); // 20, 40, 80, 160, 320, 320… ms: about nine probes, not seventy-five
      expect(probes).toBeLessThan(20);
      const msg = caseTransitioned(320);
      await runner.$transaction((tx) => enqueue(tx, msg));
      await waitFor(async () => (await row(msg.id))?.sent_at != null, 3000, 'sent by the backed-off poll');
    } finally {
      await outbox.stop();
    }
  });

  it('is woken by every committed transaction of a wakeOnCommit client, not by a rolled-back one', async () => {
    const outbox = createOutboxPublisher({ db: runner, nc: approval, logger, pollMs: 60_000 });
    let wakes = 0;
    const db = wakeOnCommit(runner, () => { wakes++; outbox.notify(); });
    outbox.start();
    try {
      await sleep(100); // the first probe has run; the next poll is a minute away
      const msg = caseTransitioned(330);
      const t0 = Date.now();
      await db.$transaction((tx) => enqueue(tx, msg));
      expect(wakes).toBe(1);
      await waitFor(async () => (await row(msg.id))?.sent_at != null, 3000, 'sent after the commit woke the publisher');
      expect(Date.now() - t0).toBeLessThan(2000);
      await expect(db.$transaction(async (tx) => { await enqueue(tx, caseTransitioned(331)); throw new Error('rolled back'); })).rejects.toThrow('rolled back');
      expect(wakes).toBe(1);
      expect(await db.$queryRawUnsafe<unknown[]>('SELECT 1')).toHaveLength(1); // other methods pass through
    } finally {
      await outbox.stop();
    }
  });

  it('marks each row of a pipelined batch by its own outcome when one of them is refused', async () => {
    const ok1 = caseTransitioned(310);
    const bad = caseTransitioned(311);
    const ok2 = caseTransitioned(312);
    await runner.$transaction(async (tx) => { for (const m of [ok1, bad, ok2]) await enqueue(tx, m); });
    // The row stays valid in the database but breaks its contract when read back, as after a contract change.
    await pool.query(`UPDATE outbox SET payload = jsonb_set(payload, '{payload}', '{}'::jsonb) WHERE id = $1`, [bad.id]);
    const before = await xCount();
    expect(await createOutboxPublisher({ db: runner, nc: approval, logger }).flushOnce()).toBe(2);
    expect(await xCount()).toBe(before + 2);
    expect((await row(ok1.id))?.sent_at).not.toBeNull();
    expect((await row(ok2.id))?.sent_at).not.toBeNull();
    expect(await row(bad.id)).toMatchObject({ sent_at: null, attempts: 1 });
    await pool.query('DELETE FROM outbox WHERE id = $1', [bad.id]); // keep later tests' batches clean
  });

  it('publishes in enqueue order, also for rows of one transaction', async () => {
    const msgs = Array.from({ length: 20 }, (_, i) => caseTransitioned(200 + i));
    await runner.$transaction(async (tx) => {
      for (const m of msgs) await enqueue(tx, m);
    });
    expect(await createOutboxPublisher({ db: runner, nc: approval, logger, batchSize: 7 }).flushOnce()).toBe(20);
    const last = (await jsm.streams.info('X')).state.last_seq;
    const ids: string[] = [];
    for (let seq = last - 19; seq <= last; seq++) ids.push((await jsm.streams.getMessage('X', { seq }))!.json<{ id: string }>().id);
    expect(ids).toEqual(msgs.map((m) => m.id));
  });

  it('handles the same message id once even when it is delivered twice at the same time', async () => {
    const id = randomUUID();
    let runs = 0;
    const handler = async (tx: SqlExecutor) => {
      runs++;
      await tx.$executeRawUnsafe('INSERT INTO handled (message_id) VALUES ($1)', id);
      await sleep(100); // hold the transaction open so the duplicate really overlaps
    };
    const results = await Promise.all([handleOnce(runner, 'approval', id, handler), handleOnce(runner, 'approval', id, handler)]);
    expect(results.sort()).toEqual([false, true]);
    expect(runs).toBe(1);
    expect((await pool.query('SELECT 1 FROM handled WHERE message_id = $1', [id])).rowCount).toBe(1);
    // another consumer has its own inbox entry for the same message
    expect(await handleOnce(runner, 'supervision', id, async () => undefined)).toBe(true);
  });

  it('leaves no inbox row when the handler fails, so the redelivery runs it again', async () => {
    const id = randomUUID();
    await expect(handleOnce(runner, 'approval', id, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    let ran = false;
    expect(
      await handleOnce(runner, 'approval', id, async () => {
        ran = true;
      }),
    ).toBe(true);
    expect(ran).toBe(true);
  });
});
