/** @hall/calendar: the platform's working-day calendar (see calendar.ts). */
import { createCalendar, type DateLike } from './calendar.js';
import { CHINA_HOLIDAYS } from './china-holidays.js';

export * from './calendar.js';
export { CHINA_HOLIDAYS } from './china-holidays.js';

/** The calendar built from the bundled State Council data. */
export const chinaCalendar = createCalendar(CHINA_HOLIDAYS);
export const addWorkingDays = (start: DateLike, days: number): string => chinaCalendar.addWorkingDays(start, days);
export const workingDaysBetween = (from: DateLike, to: DateLike): number => chinaCalendar.workingDaysBetween(from, to);
export const isWorkingDay = (date: DateLike): boolean => chinaCalendar.isWorkingDay(date);
