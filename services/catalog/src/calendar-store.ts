/** Admin overrides of the working-day calendar, one row per year, merged over @hall/calendar's data. */
import { CHINA_HOLIDAYS, createCalendar, mergeYears, type YearCalendar, type WorkingCalendar } from '@hall/calendar';
import { audit } from '@hall/db';
import { buildMessage } from '@hall/contracts';
import { enqueue, type SqlExecutor } from '@hall/messaging';
import type { Db } from './db.js';

/** Every service follows the calendar through this message (followCalendar in @hall/service); it carries the whole year. */
async function announce(tx: SqlExecutor, y: YearCalendar): Promise<void> {
  await enqueue(tx, buildMessage('catalog.calendar.published', {
    zone: 'extranet', correlationId: `calendar:${y.year}`,
    payload: { year: y.year, holidays: y.holidays, workdays: y.workdays, publishedAt: new Date().toISOString() },
  }));
}

export function calendarRepository(db: Db) {
  const overrides = async (): Promise<YearCalendar[]> =>
    (await db.calendarYear.findMany({ orderBy: { year: 'asc' } })).map((r) => ({ year: r.year, holidays: r.holidays as unknown as YearCalendar['holidays'], workdays: r.workdays as unknown as YearCalendar['workdays'] }));
  return {
    /** The effective year: the admin's override, else the bundled data, else null. */
    async year(year: number): Promise<(YearCalendar & { source: 'override' | 'bundled' }) | null> {
      const row = (await overrides()).find((y) => y.year === year);
      if (row) return { ...row, source: 'override' };
      const bundled = CHINA_HOLIDAYS.find((y) => y.year === year);
      return bundled ? { ...bundled, source: 'bundled' } : null;
    },
    async save(y: YearCalendar, actor: string): Promise<void> {
      await db.$transaction(async (tx) => {
        const data = { holidays: y.holidays as object, workdays: y.workdays as object, updatedBy: actor, updatedAt: new Date() };
        await tx.calendarYear.upsert({ where: { year: y.year }, create: { year: y.year, ...data }, update: data });
        await audit(tx, { actor, action: 'calendar.year.saved', target: `calendar:${y.year}`, detail: { holidays: y.holidays.length, workdays: y.workdays.length } });
        await announce(tx, y);
      });
    },
    /**
     * Announces every override again. Streams keep 30 days, so the catalog re-announces at start
     * and daily: a service whose database is new (or restored) still learns every edited year.
     */
    async announceAll(): Promise<number> {
      const years = await overrides();
      if (years.length) await db.$transaction(async (tx) => { for (const y of years) await announce(tx, y); });
      return years.length;
    },
    /** The calendar every deadline in the catalog is computed with. */
    async calendar(): Promise<WorkingCalendar> { return createCalendar(mergeYears(CHINA_HOLIDAYS, await overrides())); },
  };
}
