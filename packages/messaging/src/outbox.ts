/**
 * Transactional outbox (no dual writes, ARCHITECTURE §4): a service writes its business change and
 * the message in one database transaction (`enqueue`), and the outbox publisher sends committed
 * rows to JetStream afterwards. A crash between "published" and "marked sent" only causes a
 * re-publish with the same `Nats-Msg-Id`, which the stream drops within its dedupe window, and
 * which consumers' inboxes drop after it. Sent rows are kept (sent_at set) so that a message lost
 * downstream can be re-sent on a reconciliation request.
 *
 * Waking the publisher (invariant): nothing committed is ever lost, and no committed row waits
 * long. Every committed interactive transaction of a service's database client wakes its publisher
 * (`wakeOnCommit`, applied by @hall/service to `ctx.prisma`, so consumers' handlers are covered
 * too), and code may still call `notify()` itself; a woken publisher sends at once. The poll
 * remains the safety net for rows it was not told about (another process, a client not wrapped):
 * it starts at `pollMs` after any activity and doubles while nothing is due, up to `maxPollMs`.
 * So a row committed through a wrapped client is sent as soon as the publisher's current flush is
 * done; any other committed row within `maxPollMs` (default 2 s); a row waiting for its retry
 * backoff at its `next_attempt_at` (the idle probe returns when the earliest one is due).
 */
import { fileURLToPath } from 'node:url';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError, Messages, validateMessage } from '@hall/contracts';
import type { Logger } from '@hall/logging';
import { publishValidated, type AnyMessage } from './publisher.js';
import type { SqlExecutor, TxRunner } from './sql.js';

/** Absolute path of the Prisma-layout migration folder that creates `outbox` and `inbox`. */
export const MESSAGING_MIGRATION_DIR = fileURLToPath(new URL('../migrations/20260101000000_messaging', import.meta.url));
export const MESSAGING_MIGRATION_NAME = '20260101000000_messaging';

/**
 * Validates the message and inserts it into the outbox inside the caller's transaction.
 * Call the publisher's `notify()` after the commit for low latency.
 */
export async function enqueue(tx: SqlExecutor, message: unknown): Promise<AnyMessage> {
  const valid = validateMessage(message);
  await tx.$executeRawUnsafe(
    'INSERT INTO outbox (id, type, subject, correlation_id, payload) VALUES ($1::uuid, $2, $3, $4, $5::jsonb)',
    valid.id,
    valid.type,
    Messages[valid.type].subject,
    valid.correlationId,
    JSON.stringify(valid),
  );
  return valid;
}

export interface OutboxPublisherOptions {
  db: TxRunner;
  nc: NatsConnection;
  logger: Logger;
  /** First poll interval after activity (default 100 ms); `notify()` skips the wait. */
  pollMs?: number;
  /** The idle poll doubles from `pollMs` up to this while nothing is due (default 2 s). */
  maxPollMs?: number;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** JetStream publish-ack timeout per message (default 5 s). */
  publishTimeoutMs?: number;
}

export interface OutboxPublisher {
  start(): void;
  stop(): Promise<void>;
  /** Publishes everything that is due now; returns how many messages were sent. */
  flushOnce(): Promise<number>;
  /** Wakes the publisher at once (call after committing an enqueue). */
  notify(): void;
}

interface OutboxRow {
  id: string;
  payload: unknown;
  attempts: number;
}

/** Backoff of a row after its n-th failed attempt: 200 ms doubling up to a minute. */
function retryAfterMs(attempts: number): number {
  return Math.min(60_000, 200 * 2 ** Math.min(attempts, 9));
}

export function createOutboxPublisher(opts: OutboxPublisherOptions): OutboxPublisher {
  const pollMs = opts.pollMs ?? 100;
  const maxPollMs = Math.max(pollMs, opts.maxPollMs ?? 2000);
  const batchSize = opts.batchSize ?? 100;
  const log = opts.logger.child({ component: 'outbox' });
  const js: JetStreamClient = jetstream(opts.nc);

  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;
  // One flush at a time per instance (several instances share the work through SKIP LOCKED);
  // a flush requested while another runs starts after it, so it sees rows committed meanwhile.
  let tail: Promise<unknown> = Promise.resolve();

  async function flushBatch(): Promise<{ sent: number; full: boolean }> {
    return opts.db.$transaction(async (tx: SqlExecutor) => {
      const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
        `SELECT id::text AS id, payload, attempts FROM outbox
          WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY created_at, seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        batchSize,
      );
      const sent: string[] = [];
      // The batch is published pipelined (one connection keeps the order, as the stream stores it),
      // then each row's acknowledgement is looked at in order: a batch costs one round trip to the
      // server instead of one per row. The per-row outcome is what it was with one publish at a time.
      const publishes = rows.map((row) => {
        try {
          // pg returns jsonb parsed; some drivers hand it back as text.
          const value: unknown = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
          return publishValidated(js, validateMessage(value), opts.publishTimeoutMs ? { timeoutMs: opts.publishTimeoutMs } : {});
        } catch (err) {
          return Promise.reject(err);
        }
      });
      for (const p of publishes) p.catch(() => undefined); // each outcome is read below, in order
      for (const [i, row] of rows.entries()) {
        try {
          const ack = await publishes[i]!;
          if (ack.duplicate) log.info({ messageId: row.id, seq: ack.seq }, 'outbox row was already published (duplicate ack); marking sent');
          sent.push(row.id);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          await tx.$executeRawUnsafe(
            `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1::uuid`,
            row.id,
            error.message.slice(0, 2000),
            retryAfterMs(row.attempts + 1),
          );
          if (err instanceof ContractError) {
            // Only this row is bad (its contract changed since enqueue); the others can go.
            log.error({ err, messageId: row.id }, 'outbox row violates its contract; will retry later');
            continue;
          }
          // NATS is down or refusing this row: the rows after it went out at the same time and
          // are marked by their own outcome (a row published twice is dropped by the stream's dedupe
          // window and by the consumers' inboxes).
          log.warn({ err, messageId: row.id }, 'outbox publish failed; will retry');
        }
      }
      if (sent.length > 0) {
        await tx.$executeRawUnsafe(
          'UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL WHERE id = ANY($1::uuid[])',
          sent,
        );
      }
      return { sent: sent.length, full: rows.length === batchSize && sent.length === rows.length };
    });
  }

  /**
   * One plain query, without a transaction: how long until the earliest unsent row is due (0: now;
   * null: no unsent row). An idle service polls this instead of opening a locking transaction
   * (most services are idle most of the time, and twelve processes polling in transactions cost a
   * measurable share of a small machine). The database's clock decides, as in the flush.
   */
  async function dueInMs(): Promise<number | null> {
    const [r] = await opts.db.$queryRawUnsafe<{ wait_ms: number | null }[]>(
      `SELECT min(CASE WHEN next_attempt_at IS NULL OR next_attempt_at <= now() THEN 0
                       ELSE extract(epoch FROM next_attempt_at - now()) * 1000 END)::float8 AS wait_ms
         FROM outbox WHERE sent_at IS NULL`,
    );
    return r?.wait_ms == null ? null : Math.max(0, Math.ceil(Number(r.wait_ms)));
  }

  async function flushAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { sent, full } = await flushBatch();
      total += sent;
      if (!full) return total;
    }
  }

  /** One round of the loop: probe, flush if due. Returns whether rows were due and when the next one is. */
  async function round(): Promise<{ found: boolean; nextInMs: number | null }> {
    const wait = await dueInMs();
    if (wait !== 0) return { found: false, nextInMs: wait };
    await flushAll();
    return { found: true, nextInMs: null };
  }

  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const p = tail.catch(() => undefined).then(fn);
    tail = p;
    return p;
  }

  /** Resolves true when woken by `notify()` (there is work), false when the interval ran out. */
  function waitForWork(ms: number): Promise<boolean> {
    if (woken) {
      woken = false;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => done(false), ms);
      function done(notified: boolean) {
        clearTimeout(t);
        wake = undefined;
        woken = false;
        resolve(notified);
      }
      wake = () => done(true);
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      let failures = 0;
      let idleMs = pollMs;
      loop = (async () => {
        while (running) {
          let waitMs: number;
          try {
            const { found, nextInMs } = await serialized(round);
            failures = 0;
            // Activity: poll soon again (rows failed in this flush are re-probed for their backoff);
            // nothing due: the safety-net poll backs off. A row waiting for its retry is woken for.
            idleMs = found ? pollMs : Math.min(maxPollMs, idleMs * 2);
            waitMs = nextInMs === null ? idleMs : Math.min(idleMs, nextInMs);
          } catch (err) {
            failures++;
            log.error({ err, failures }, 'outbox flush failed');
            waitMs = Math.min(10_000, pollMs * 2 ** failures);
          }
          if (!running) break;
          if (await waitForWork(waitMs)) idleMs = pollMs;
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await tail.catch(() => undefined);
    },
    flushOnce: () => serialized(flushAll),
    notify() {
      if (wake) wake();
      else woken = true;
    },
  };
}

/**
 * The same database client, except that every interactive `$transaction(fn)` that commits wakes
 * the outbox publisher (`onCommit`, normally `outbox.notify`), whether or not it enqueued: a woken
 * publisher costs one probe query when nothing is due. Batch transactions (`$transaction([...])`)
 * cannot run `enqueue` and pass through. Give the publisher itself the unwrapped client: its own
 * flush transactions must not wake it.
 */
export function wakeOnCommit<T extends object>(db: T, onCommit: () => void): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    get(target, prop) {
      if (prop === '$transaction') {
        const tx = (target as unknown as TxRunner).$transaction.bind(target);
        return (arg: unknown, txOpts?: unknown) => {
          if (typeof arg !== 'function') return tx(arg as never, txOpts);
          return tx(arg as (t: SqlExecutor) => Promise<unknown>, txOpts).then((result) => {
            onCommit();
            return result;
          });
        };
      }
      // Methods run against the real client (a Prisma client may keep private state a proxy cannot reach).
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
