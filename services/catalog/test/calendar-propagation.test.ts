/**
 * An admin's calendar edit reaches every service that counts deadlines: the catalog announces the
 * year through its outbox (OUT stream, and the outbound lane to the internet zone), and a service
 * following it (followCalendar in @hall/service — approval, supervision and declaration call it at
 * start) stores the year and counts with it at once, and again after a restart, before any message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { addWorkingDays, resetCalendarOverrides } from '@hall/calendar';
import { migrate } from '@hall/db';
import { createLogger } from '@hall/logging';
import { connectNats, pgTxRunner, type NatsConnection } from '@hall/messaging';
import { followCalendar, loadCalendarOverrides } from '@hall/service';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@hall/testkit';
import { startCatalog, waitFor, type Harness } from './helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let h: Harness;
let db: TestDatabase;
let pool: pg.Pool;
let nc: NatsConnection;
const stops: (() => Promise<void> | void)[] = [];
let admin: string;

beforeAll(async () => {
  resetCalendarOverrides();
  h = await startCatalog();
  admin = h.env.token({ sub: randomUUID(), name: '目录管理员', roles: ['staff', 'catalog_admin'], department: 'gy-wjw' });
  // A follower's own database with the two shared migrations it needs (inbox, calendar_override).
  db = await createTestDatabase({ prefix: 'calfollow' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-calmig-'));
  for (const m of ['packages/messaging/migrations/20260101000000_messaging', 'packages/calendar/migrations/20260101000003_calendar']) {
    fs.symlinkSync(path.join(REPO_ROOT, m), path.join(dir, path.basename(m)));
  }
  await migrate({ databaseUrl: db.url, migrationsDir: dir });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const u = h.env.nats.users.approval!;
  nc = await connectNats({ servers: h.env.nats.url, user: u.user, pass: u.pass, name: 'calendar-follower', logger: createLogger({ service: 'test', level: 'silent' }) });
}, 90_000);

afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await nc?.close();
  await pool?.end();
  await db?.drop();
  await h?.close();
  resetCalendarOverrides();
}, 30_000);

const YEAR_2027 = { holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: [{ name: '元旦调休上班', date: '2027-01-09' }] };

it('an admin override of 2027 is followed by another service, stored, and survives its restart', async () => {
  // 2027 is not in the bundled data: weekends only, so Friday 2027-01-08 + 1 working day is Monday.
  expect(addWorkingDays('2027-01-08', 1)).toBe('2027-01-11');
  const logger = createLogger({ service: 'test', level: 'silent' });
  await followCalendar({ prisma: pgTxRunner(pool), nc, logger, onStop: (fn) => stops.push(fn) }, 'test-follower');

  const put = await h.svc.app.inject({ method: 'PUT', url: '/v1/calendar/2027', headers: { authorization: `Bearer ${admin}` }, payload: YEAR_2027 });
  expect(put.statusCode).toBe(200);
  const sent = await waitFor(async () => (await h.outbox('catalog.calendar.published')).find((r) => r.sent_at));
  expect(sent.subject).toBe('hall.out.catalog.calendar.published');
  expect(sent.payload.payload).toMatchObject({ year: 2027, ...YEAR_2027 });

  // The follower applies it: Saturday 2027-01-09 is a make-up workday now.
  await waitFor(async () => addWorkingDays('2027-01-08', 1) === '2027-01-09' || undefined, 20_000);
  expect(addWorkingDays('2026-12-31', 1)).toBe('2027-01-04');
  const rows = (await pool.query('SELECT year, holidays, workdays FROM calendar_override')).rows;
  expect(rows).toEqual([{ year: 2027, holidays: YEAR_2027.holidays, workdays: YEAR_2027.workdays }]);

  // A restarted process knows nothing until it loads what it stored.
  resetCalendarOverrides();
  expect(addWorkingDays('2027-01-08', 1)).toBe('2027-01-11');
  expect(await loadCalendarOverrides(pgTxRunner(pool))).toEqual([2027]);
  expect(addWorkingDays('2027-01-08', 1)).toBe('2027-01-09');
}, 60_000);

it('the catalog re-announces every override (at start and daily), so a new follower learns it; an older announcement never wins', async () => {
  const before = (await h.outbox('catalog.calendar.published')).length;
  const calendars = (await import('../src/calendar-store.js')).calendarRepository(h.svc.ctx.prisma);
  expect(await calendars.announceAll()).toBe(1);
  expect((await h.outbox('catalog.calendar.published')).length).toBe(before + 1);
  // A stale row (published earlier than the stored one) does not overwrite it.
  await pool.query(`UPDATE calendar_override SET published_at = now() + interval '1 day' WHERE year = 2027`);
  h.svc.ctx.outbox.notify();
  await waitFor(async () => (await h.outbox('catalog.calendar.published')).every((r) => r.sent_at) || undefined);
  const saved = await h.svc.app.inject({ method: 'PUT', url: '/v1/calendar/2027', headers: { authorization: `Bearer ${admin}` }, payload: { holidays: [], workdays: [] } });
  expect(saved.statusCode).toBe(200);
  const newest = await waitFor(async () => { const rows = await h.outbox('catalog.calendar.published'); return rows.every((r) => r.sent_at) && rows.at(-1); });
  expect(newest.payload.payload).toMatchObject({ year: 2027, holidays: [], workdays: [] });
  // Once the follower has handled the newest message (one at a time, in stream order: the re-announcement
  // before it too), the stored (newer-dated) year stays.
  await waitFor(async () => (await pool.query("SELECT 1 FROM inbox WHERE consumer = 'test-follower-calendar' AND message_id = $1", [newest.id])).rowCount === 1 || undefined, { what: 'the follower to handle the newest calendar message' });
  const row = (await pool.query('SELECT holidays FROM calendar_override WHERE year = 2027')).rows[0];
  expect(row.holidays).toEqual(YEAR_2027.holidays);
}, 60_000);
