/**
 * Transactional outbox (no dual writes, ARCHITECTURE §4): a service writes its business change and
 * the message in one database transaction (`enqueue`), and the outbox publisher sends committed
 * rows to JetStream afterwards. A crash between "published" and "marked sent" only causes a
 * re-publish with the same `Nats-Msg-Id`, which the stream drops within its dedupe window, and
 * which consumers' inboxes drop after it. Sent rows are kept (sent_at set) so that a message lost
 * downstream can be re-sent on a reconciliation request.
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
  /** Poll interval when idle (default 100 ms); `notify()` skips the wait. */
  pollMs?: number;
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
   * One plain query, without a transaction: is any row due? An idle service polls this instead of
   * opening a locking transaction every `pollMs` (most services are idle most of the time, and
   * twelve processes polling in transactions cost a measurable share of a small machine).
   */
  async function anyDue(): Promise<boolean> {
    const [r] = await opts.db.$queryRawUnsafe<{ due: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())) AS due',
    );
    return Boolean(r?.due);
  }

  async function flushAll(probe = false): Promise<number> {
    let total = 0;
    if (probe && !(await anyDue())) return 0;
    for (;;) {
      const { sent, full } = await flushBatch();
      total += sent;
      if (!full) return total;
    }
  }

  function flushOnce(probe = false): Promise<number> {
    const p = tail.catch(() => undefined).then(() => flushAll(probe));
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
      // Not every enqueue is followed by notify() (consumers' handlers rely on the poll), so the
      // interval stays short; what an idle poll costs is made small instead (anyDue).
      let notified = true;
      loop = (async () => {
        while (running) {
          try {
            // After a timeout, a cheap check first; after notify() the work is known to be there.
            await flushOnce(!notified);
            failures = 0;
          } catch (err) {
            failures++;
            log.error({ err, failures }, 'outbox flush failed');
          }
          if (!running) break;
          notified = await waitForWork(failures > 0 ? Math.min(10_000, pollMs * 2 ** failures) : pollMs);
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await tail.catch(() => undefined);
    },
    flushOnce: () => flushOnce(),
    notify() {
      if (wake) wake();
      else woken = true;
    },
  };
}
