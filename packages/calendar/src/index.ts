/**
 * @hall/calendar: the platform's working-day calendar (see calendar.ts).
 *
 * The module-level functions (`addWorkingDays`, `workingDaysBetween`, `isWorkingDay`,
 * `nextWorkingDay`, `kindOf`) are the one shared function every deadline on the platform goes
 * through. They use the bundled State Council data merged with the admins' overrides that the
 * catalog publishes (`catalog.calendar.published`); a service that follows those publications
 * (`followCalendar` in @hall/service) calls `applyCalendarOverrides`, and from then on every
 * deadline in that process counts with the edited calendar.
 */
import { createCalendar, mergeYears, type DateLike, type WorkingCalendar, type YearCalendar } from './calendar.js';
import { CHINA_HOLIDAYS } from './china-holidays.js';

export * from './calendar.js';
export { CHINA_HOLIDAYS } from './china-holidays.js';

/** The calendar built from the bundled State Council data only. */
export const chinaCalendar = createCalendar(CHINA_HOLIDAYS);

let current: WorkingCalendar = chinaCalendar;
let overrides: YearCalendar[] = [];

/** Replaces this process's admin overrides (whole years) and rebuilds the calendar from bundled data + overrides. */
export function applyCalendarOverrides(years: readonly YearCalendar[]): void {
  const byYear = new Map(overrides.map((y) => [y.year, y]));
  for (const y of years) byYear.set(y.year, y);
  overrides = [...byYear.values()].sort((a, b) => a.year - b.year);
  current = createCalendar(mergeYears(CHINA_HOLIDAYS, overrides));
}

/** Drops every override (tests). */
export function resetCalendarOverrides(): void {
  overrides = [];
  current = chinaCalendar;
}

/** The calendar in effect in this process (bundled data merged with the overrides applied so far). */
export function currentCalendar(): WorkingCalendar {
  return current;
}

export const addWorkingDays = (start: DateLike, days: number): string => current.addWorkingDays(start, days);
export const workingDaysBetween = (from: DateLike, to: DateLike): number => current.workingDaysBetween(from, to);
export const isWorkingDay = (date: DateLike): boolean => current.isWorkingDay(date);
export const nextWorkingDay = (date: DateLike): string => current.nextWorkingDay(date);
export const kindOf = (date: DateLike): ReturnType<WorkingCalendar['kindOf']> => current.kindOf(date);
