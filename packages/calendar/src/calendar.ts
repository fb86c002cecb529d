/**
 * The working-day calendar (工作日历): the one function every service uses for deadlines counted in
 * working days (办理时限, 承诺时限, warnings). A day is a working day when it is a Monday–Friday that
 * is not a public holiday, or a weekend day declared a make-up workday (调休上班).
 *
 * Dates are calendar days in China Standard Time (UTC+8, no daylight saving), written 'YYYY-MM-DD'.
 * A `Date` argument is first converted to its China date, so 2025-01-27T20:00Z is 2025-01-28.
 * Years without data fall back to weekends only; `covers(year)` tells whether a year has data.
 */

/** A holiday period, both ends included (e.g. 春节 2025-01-28 … 2025-02-04). */
export interface HolidayPeriod { name: string; from: string; to: string }
/** A weekend day worked in exchange for a longer holiday (调休上班). */
export interface MakeUpWorkday { name: string; date: string }
export interface YearCalendar { year: number; holidays: HolidayPeriod[]; workdays: MakeUpWorkday[] }

export type DateLike = Date | string;

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class CalendarDataError extends Error {}

/** Day number since 1970-01-01 of a 'YYYY-MM-DD' date (no time zone involved). */
function dayNumber(iso: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) throw new CalendarDataError(`日期格式不正确：${iso}（应为 YYYY-MM-DD）`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== iso) throw new CalendarDataError(`日期不存在：${iso}`);
  return t / DAY_MS;
}
const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** The China calendar date of an instant, or the date itself when given as 'YYYY-MM-DD'. */
export function chinaDate(d: DateLike): string {
  return typeof d === 'string' ? isoOf(dayNumber(d)) : new Date(d.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}
const toDay = (d: DateLike): number => dayNumber(chinaDate(d));

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup_workday';

export interface WorkingCalendar {
  /** Years that have holiday data. */
  readonly years: readonly number[];
  covers(year: number): boolean;
  kindOf(date: DateLike): { kind: DayKind; name?: string };
  isWorkingDay(date: DateLike): boolean;
  /**
   * The date on which a limit of `days` working days ends, counted from `start`: the start day
   * itself is not counted (the law counts from the day after acceptance), so a 5-day limit from a
   * Friday ends on the following Friday. `days = 0` (即办件) ends on the start day.
   */
  addWorkingDays(start: DateLike, days: number): string;
  /** Working days in (from, to]: how many working days have passed since `from` by `to`. Negative when `to` is before `from`. */
  workingDaysBetween(from: DateLike, to: DateLike): number;
  /** The first working day on or after `date`. */
  nextWorkingDay(date: DateLike): string;
}

/** Validates one year's data: dates inside the year, ranges in order, no day both holiday and workday. */
export function validateYear(y: YearCalendar): string[] {
  const errors: string[] = [];
  const holidayDays = new Set<number>();
  for (const h of y.holidays) {
    try {
      const a = dayNumber(h.from), b = dayNumber(h.to);
      if (b < a) errors.push(`${h.name}：结束日期 ${h.to} 早于开始日期 ${h.from}`);
      if (!h.from.startsWith(`${y.year}-`) && !h.to.startsWith(`${y.year}-`)) errors.push(`${h.name}：${h.from}～${h.to} 不在 ${y.year} 年内`);
      if (b - a > 30) errors.push(`${h.name}：假期超过 31 天`);
      for (let d = a; d <= b; d++) holidayDays.add(d);
    } catch (e) { errors.push(`${h.name}：${(e as Error).message}`); }
  }
  for (const w of y.workdays) {
    try {
      const d = dayNumber(w.date);
      if (!w.date.startsWith(`${y.year}-`)) errors.push(`${w.name}：${w.date} 不在 ${y.year} 年内`);
      const dow = new Date(d * DAY_MS).getUTCDay();
      if (dow !== 0 && dow !== 6) errors.push(`${w.name}：${w.date} 不是周末，无需调休上班`);
      if (holidayDays.has(d)) errors.push(`${w.name}：${w.date} 同时被设为假日和调休上班日`);
    } catch (e) { errors.push(`${w.name}：${(e as Error).message}`); }
  }
  return errors;
}

export function createCalendar(data: readonly YearCalendar[]): WorkingCalendar {
  const holidays = new Map<number, string>();
  const workdays = new Map<number, string>();
  const years = new Set<number>();
  for (const y of data) {
    const errors = validateYear(y);
    if (errors.length) throw new CalendarDataError(`${y.year} 年工作日历有误：${errors.join('；')}`);
    years.add(y.year);
    for (const h of y.holidays) for (let d = dayNumber(h.from); d <= dayNumber(h.to); d++) holidays.set(d, h.name);
    for (const w of y.workdays) workdays.set(dayNumber(w.date), w.name);
  }
  const kindOfDay = (d: number): { kind: DayKind; name?: string } => {
    const h = holidays.get(d);
    if (h !== undefined) return { kind: 'holiday', name: h };
    const w = workdays.get(d);
    if (w !== undefined) return { kind: 'makeup_workday', name: w };
    const dow = new Date(d * DAY_MS).getUTCDay();
    return { kind: dow === 0 || dow === 6 ? 'weekend' : 'workday' };
  };
  const working = (d: number) => { const k = kindOfDay(d).kind; return k === 'workday' || k === 'makeup_workday'; };
  const checkDays = (n: number) => { if (!Number.isInteger(n) || n < 0 || n > 3650) throw new RangeError(`working days must be an integer in 0..3650, got ${n}`); };

  return {
    years: [...years].sort(),
    covers: (year) => years.has(year),
    kindOf: (date) => kindOfDay(toDay(date)),
    isWorkingDay: (date) => working(toDay(date)),
    addWorkingDays(start, days) {
      checkDays(days);
      let d = toDay(start);
      for (let left = days; left > 0;) { d++; if (working(d)) left--; }
      return isoOf(d);
    },
    workingDaysBetween(from, to) {
      const a = toDay(from), b = toDay(to);
      const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
      let n = 0;
      for (let d = lo + 1; d <= hi; d++) if (working(d)) n++;
      return sign * n;
    },
    nextWorkingDay(date) {
      let d = toDay(date);
      while (!working(d)) d++;
      return isoOf(d);
    },
  };
}

/** Merges admin overrides over bundled data: an override replaces the whole year. */
export function mergeYears(base: readonly YearCalendar[], overrides: readonly YearCalendar[]): YearCalendar[] {
  const byYear = new Map(base.map((y) => [y.year, y]));
  for (const y of overrides) byYear.set(y.year, y);
  return [...byYear.values()].sort((a, b) => a.year - b.year);
}
