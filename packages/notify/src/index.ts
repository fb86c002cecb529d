/**
 * @hall/notify: messages to people (SMS, e-mail) through a pluggable sender, with their own
 * outbox. A service writes the notification in the transaction of the change that causes it
 * (`enqueueNotification`), so a rolled-back change never texts anyone and a committed one always
 * does; the dispatcher hands committed rows to the sender, retrying with backoff. Sent rows are
 * kept; the body of a secret message (a reset code) is blanked once it has been sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@hall/logging';
import type { SqlExecutor, TxRunner } from '@hall/messaging';

export const NOTIFY_MIGRATION_DIR = fileURLToPath(new URL('../migrations/20260101000002_notification', import.meta.url));

export type Channel = 'sms' | 'email';

export interface Notification {
  id: string;
  channel: Channel;
  /** Phone number or e-mail address. */
  recipient: string;
  subject: string;
  body: string;
}

/** Delivers one message; throws to have it retried later. */
export interface NotificationSender {
  send(n: Notification): Promise<void>;
}

/** Inserts the notification in the caller's transaction; returns its id. */
export async function enqueueNotification(tx: SqlExecutor, n: Omit<Notification, 'id'> & { secret?: boolean }): Promise<string> {
  const id = randomUUID();
  await tx.$executeRawUnsafe(
    'INSERT INTO notification (id, channel, recipient, subject, body, secret) VALUES ($1::uuid, $2, $3, $4, $5, $6)',
    id, n.channel, n.recipient, n.subject, n.body, n.secret ?? false,
  );
  return id;
}

/**
 * Demo sender: appends each message to `<dir>/<recipient>.txt`, a mailbox a person can open (and
 * the platform's demo prints where it is). Recipients are reduced to a safe file name.
 */
export function createMailboxSender(dir: string): NotificationSender & { mailbox(recipient: string): string } {
  fs.mkdirSync(dir, { recursive: true });
  const mailbox = (recipient: string) => path.join(dir, `${recipient.replace(/[^A-Za-z0-9@._+-]/g, '_').slice(0, 128)}.txt`);
  return {
    mailbox,
    async send(n) {
      const text = `--- ${new Date().toISOString()} [${n.channel}] to ${n.recipient}\n${n.subject}\n${n.body}\n\n`;
      await fs.promises.appendFile(mailbox(n.recipient), text, { mode: 0o600 });
    },
  };
}

/** Keeps messages in memory (tests). */
export function createMemorySender(): NotificationSender & { sent: Notification[] } {
  const sent: Notification[] = [];
  return { sent, async send(n) { sent.push({ ...n }); } };
}

export interface DispatcherOptions {
  db: TxRunner;
  sender: NotificationSender;
  logger: Logger;
  /** First idle poll after activity (default 200 ms); doubles while nothing is due, up to `maxPollMs`. */
  pollMs?: number;
  /** Longest idle poll (default 2 s): a row committed without `notify()` waits at most this long. */
  maxPollMs?: number;
  batchSize?: number;
  maxBackoffMs?: number;
}

export interface NotificationDispatcher {
  start(): void;
  stop(): Promise<void>;
  /** Sends everything that is due now; returns how many were sent. */
  flushOnce(): Promise<number>;
  notify(): void;
}

interface Row { id: string; channel: Channel; recipient: string; subject: string; body: string; secret: boolean; attempts: number }

export function createNotificationDispatcher(opts: DispatcherOptions): NotificationDispatcher {
  const pollMs = opts.pollMs ?? 200;
  const maxPollMs = Math.max(pollMs, opts.maxPollMs ?? 2000);
  const batch = opts.batchSize ?? 50;
  const maxBackoff = opts.maxBackoffMs ?? 60_000;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  const flushOnce = async (): Promise<number> => opts.db.$transaction(async (tx: SqlExecutor) => {
    // SKIP LOCKED: several replicas of a service may dispatch at once without double sending.
    const rows: Row[] = await tx.$queryRawUnsafe(
      `SELECT id::text, channel, recipient, subject, body, secret, attempts FROM notification
        WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
        ORDER BY created_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED`, batch);
    let sent = 0;
    for (const r of rows) {
      try {
        await opts.sender.send({ id: r.id, channel: r.channel, recipient: r.recipient, subject: r.subject, body: r.body });
        await tx.$executeRawUnsafe(`UPDATE notification SET sent_at = now(), attempts = attempts + 1, last_error = NULL${r.secret ? ", body = '[sent]'" : ''} WHERE id = $1::uuid`, r.id);
        sent++;
      } catch (err) {
        const backoff = Math.min(maxBackoff, 500 * 2 ** r.attempts);
        opts.logger.warn({ notificationId: r.id, err: (err as Error).message }, 'notification not sent; will retry');
        await tx.$executeRawUnsafe(
          `UPDATE notification SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval WHERE id = $1::uuid`,
          r.id, String((err as Error).message).slice(0, 500), String(backoff));
      }
    }
    return sent;
  });

  // An idle poll is one plain query, not a locking transaction: most of the time nothing is due,
  // and every service polling in transactions costs a measurable share of a small machine.
  const anyDue = async (): Promise<boolean> => {
    const [r] = await opts.db.$queryRawUnsafe<{ due: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM notification WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())) AS due');
    return Boolean(r?.due);
  };

  // notify() during a round is remembered, so the next wait returns at once instead of being lost.
  let woken = false;
  const run = async () => {
    let probe = false; // the first round, and one after notify(), go straight to the transaction
    let idleMs = pollMs;
    while (running) {
      let n = 0;
      let due = !probe;
      try { if (probe) due = await anyDue(); if (due) n = await flushOnce(); } catch (err) { opts.logger.error({ err: (err as Error).message }, 'notification dispatch failed'); }
      if (n > 0 || !running) { probe = false; idleMs = pollMs; continue; }
      // Nothing due: the poll backs off, it is only the safety net for rows enqueued without notify().
      idleMs = due ? pollMs : Math.min(maxPollMs, idleMs * 2);
      if (woken) { woken = false; probe = false; continue; }
      probe = await new Promise<boolean>((resolve) => { wake = () => resolve(false); timer = setTimeout(() => resolve(true), idleMs); });
      wake = null;
      timer = null;
      if (!probe) { woken = false; idleMs = pollMs; }
    }
  };

  return {
    flushOnce,
    notify: () => { if (timer) clearTimeout(timer); if (wake) wake(); else woken = true; },
    start() { if (running) return; running = true; loop = run(); },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
