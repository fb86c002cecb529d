import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@hall/testkit';
import { pgTxRunner, type SqlExecutor } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { createMailboxSender, createMemorySender, createNotificationDispatcher, enqueueNotification, NOTIFY_MIGRATION_DIR, type NotificationSender } from '../src/index.js';

let db: TestDatabase;
let pool: pg.Pool;
const logger = createLogger({ service: 'notify-test', level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase({ prefix: 'notify' });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await pool.query(fs.readFileSync(path.join(NOTIFY_MIGRATION_DIR, 'migration.sql'), 'utf8'));
});
afterAll(async () => { await pool?.end(); await db?.drop(); });
beforeEach(async () => { await pool.query('DELETE FROM notification'); });

const runner = () => pgTxRunner(pool);
const sms = (body: string, secret = false) => ({ channel: 'sms' as const, recipient: '13800000009', subject: '测试', body, secret });

describe('notification outbox', () => {
  it('sends what was committed and nothing that was rolled back', async () => {
    const sender = createMemorySender();
    const d = createNotificationDispatcher({ db: runner(), sender, logger });
    await runner().$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, sms('committed')); });
    await runner().$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, sms('rolled back')); throw new Error('abort'); }).catch(() => {});
    expect(await d.flushOnce()).toBe(1);
    expect(sender.sent.map((n) => n.body)).toEqual(['committed']);
    expect(await d.flushOnce()).toBe(0);
    const rows = (await pool.query('SELECT body, sent_at FROM notification')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].sent_at).not.toBeNull();
  });

  it('polls while idle without opening transactions, and still sends a row enqueued without notify()', async () => {
    // Transactions and idle polls (the plain query outside a transaction) are counted, so the test
    // waits for polls that happened rather than for time.
    let transactions = 0, polls = 0;
    const base = runner();
    const counting = {
      ...base,
      $transaction: <R>(fn: (tx: SqlExecutor) => Promise<R>, o?: object) => { transactions++; return base.$transaction(fn, o); },
      $queryRawUnsafe: <T = unknown>(q: string, ...v: unknown[]) => { polls++; return base.$queryRawUnsafe<T>(q, ...v); },
    };
    const sender = createMemorySender();
    const d = createNotificationDispatcher({ db: counting, sender, logger, pollMs: 20, maxPollMs: 20 }); // no back-off here
    d.start();
    try {
      // The first round (a transaction), then idle polls: the first poll comes after that round.
      await waitFor(async () => polls >= 1, { what: 'the first idle poll', everyMs: 5 });
      const settled = transactions;
      const from = polls;
      await waitFor(async () => polls >= from + 15, { what: 'fifteen idle polls', everyMs: 5 });
      expect(transactions).toBe(settled);
      await runner().$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, sms('found by the poll')); });
      await waitFor(async () => sender.sent.length > 0, { what: 'the row enqueued without notify() to be sent', everyMs: 10 });
      expect(sender.sent.map((n) => n.body)).toEqual(['found by the poll']);
      expect(transactions).toBeGreaterThan(settled);
    } finally {
      await d.stop();
    }
  });

  it('backs its idle poll off while nothing is due, and the backed-off poll still finds a row', async () => {
    let polls = 0;
    const base = runner();
    const counting = { ...base, $queryRawUnsafe: <T = unknown>(q: string, ...v: unknown[]) => { polls++; return base.$queryRawUnsafe<T>(q, ...v); } };
    const sender = createMemorySender();
    const d = createNotificationDispatcher({ db: counting, sender, logger, pollMs: 20, maxPollMs: 320 });
    d.start();
    try {
      await new Promise((r) => setTimeout(r, 1500)); // 40, 80, 160, 320, 320… ms: a handful of polls, not seventy-five
      expect(polls).toBeLessThan(20);
      await base.$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, sms('found after the back-off')); });
      await waitFor(async () => sender.sent.length > 0, { what: 'the row enqueued without notify() to be sent', everyMs: 10 });
    } finally {
      await d.stop();
    }
  });

  it('retries a failed send with backoff and keeps the error, and blanks a secret once sent', async () => {
    let fail = true;
    const sent: string[] = [];
    const flaky: NotificationSender = { async send(n) { if (fail) throw new Error('gateway down'); sent.push(n.body); } };
    const d = createNotificationDispatcher({ db: runner(), sender: flaky, logger });
    await runner().$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, sms('验证码 123456', true)); });
    expect(await d.flushOnce()).toBe(0);
    const failed = (await pool.query('SELECT attempts, last_error, next_attempt_at FROM notification')).rows[0];
    expect(failed).toMatchObject({ attempts: 1, last_error: 'gateway down' });
    expect(failed.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
    fail = false;
    expect(await d.flushOnce()).toBe(0); // not due yet
    await pool.query('UPDATE notification SET next_attempt_at = now()');
    expect(await d.flushOnce()).toBe(1);
    expect(sent).toEqual(['验证码 123456']);
    expect((await pool.query('SELECT body FROM notification')).rows[0].body).toBe('[sent]');
  });

  it('writes to a mailbox a person can read, one file per recipient', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-mailbox-test-'));
    try {
      const sender = createMailboxSender(dir);
      const d = createNotificationDispatcher({ db: runner(), sender, logger, pollMs: 20 });
      d.start();
      await runner().$transaction(async (tx: SqlExecutor) => { await enqueueNotification(tx, { channel: 'email', recipient: '../../etc/passwd', subject: '通知', body: '您好' }); });
      d.notify();
      const file = sender.mailbox('../../etc/passwd');
      expect(path.dirname(file)).toBe(dir);
      await waitFor(async () => fs.existsSync(file), { what: 'the mailbox file', everyMs: 10 });
      await d.stop();
      expect(fs.readFileSync(file, 'utf8')).toContain('您好');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
