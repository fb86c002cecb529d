/**
 * Following the catalog's working-day calendar: a service that counts deadlines calls
 * `followCalendar(ctx, name)` in its `start`. The admins' overrides it last received are kept in
 * the shared `calendar_override` table (migration linked from packages/calendar/migrations) and
 * applied before the consumer starts, so a restarted process counts with the edited calendar from
 * its first deadline; each `catalog.calendar.published` is then stored and applied once (inbox).
 */
import { applyCalendarOverrides, type YearCalendar } from '@hall/calendar';
import type { CalendarPublished } from '@hall/contracts';
import { consume, handleOnce, type TxRunner } from '@hall/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '@hall/logging';

interface Row { year: number; holidays: YearCalendar['holidays']; workdays: YearCalendar['workdays'] }

export interface CalendarFollowerContext {
  prisma: TxRunner;
  nc: NatsConnection;
  logger: Logger;
  onStop(fn: () => Promise<void> | void): void;
}

/** Loads the stored overrides into this process's calendar; returns the years applied. */
export async function loadCalendarOverrides(db: TxRunner): Promise<number[]> {
  const rows = await db.$queryRawUnsafe<Row[]>('SELECT year, holidays, workdays FROM calendar_override ORDER BY year');
  applyCalendarOverrides(rows.map((r) => ({ year: r.year, holidays: r.holidays, workdays: r.workdays })));
  return rows.map((r) => r.year);
}

/**
 * Applies stored overrides, then follows `catalog.calendar.published` on the zone's OUT stream
 * with its own durable `<name>-calendar`. A year is replaced only by a newer publication.
 */
export async function followCalendar(ctx: CalendarFollowerContext, name: string): Promise<void> {
  const years = await loadCalendarOverrides(ctx.prisma);
  if (years.length) ctx.logger.info({ years }, 'calendar overrides applied');
  const durable = `${name}-calendar`;
  const consumer = await consume({
    nc: ctx.nc, stream: 'OUT', durable, filterSubjects: ['hall.out.catalog.calendar.published'], logger: ctx.logger, concurrency: 1,
    handler: async (m) => {
      const p = (m as CalendarPublished).payload;
      await handleOnce(ctx.prisma, durable, m.id, async (tx) => {
        await tx.$executeRawUnsafe(
          `INSERT INTO calendar_override (year, holidays, workdays, published_at) VALUES ($1, $2::jsonb, $3::jsonb, $4::timestamptz)
           ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays, published_at = EXCLUDED.published_at
           WHERE calendar_override.published_at <= EXCLUDED.published_at`,
          p.year, JSON.stringify(p.holidays), JSON.stringify(p.workdays), p.publishedAt,
        );
      });
      // Re-read rather than apply the message: an older publication redelivered late must not win.
      await loadCalendarOverrides(ctx.prisma);
      ctx.logger.info({ year: p.year }, 'calendar year updated');
    },
  });
  ctx.onStop(() => consumer.stop());
}
