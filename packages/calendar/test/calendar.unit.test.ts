import { addWorkingDays, workingDaysBetween, isWorkingDay, chinaCalendar, createCalendar, validateYear, CHINA_HOLIDAYS, CalendarDataError } from '../src/index.js';

describe('working-day calendar (real 2025 and 2026 State Council data)', () => {
  // [start, working days, expected end, why]
  const deadlines: [string, number, string, string][] = [
    ['2025-03-07', 0, '2025-03-07', '即办件: same day'],
    ['2025-03-07', 5, '2025-03-14', 'Friday + 5 skips one weekend'],
    ['2025-01-24', 1, '2025-01-26', 'Sunday 2025-01-26 is a 春节 make-up workday'],
    ['2025-01-27', 1, '2025-02-05', '春节 2025-01-28…02-04 is off'],
    ['2025-01-27', 5, '2025-02-10', 'Saturday 2025-02-08 is worked, Sunday 02-09 is not'],
    ['2025-04-25', 1, '2025-04-27', 'Sunday 2025-04-27 is a 劳动节 make-up workday'],
    ['2025-04-30', 1, '2025-05-06', '劳动节 2025-05-01…05 is off'],
    ['2025-05-30', 1, '2025-06-03', '端午节 2025-05-31…06-02 is off'],
    ['2025-09-26', 2, '2025-09-29', 'Sunday 2025-09-28 is a 国庆 make-up workday'],
    ['2025-09-30', 1, '2025-10-09', '国庆节、中秋节 2025-10-01…08 is off'],
    ['2025-09-30', 3, '2025-10-11', 'Saturday 2025-10-11 is worked'],
    ['2025-12-31', 1, '2026-01-04', 'across the year: 元旦 2026-01-01…03 off, Sunday 01-04 worked'],
    ['2025-12-30', 20, '2026-01-28', 'a statutory 20-day limit across the new year'],
    ['2026-02-13', 1, '2026-02-14', 'Saturday 2026-02-14 is a 春节 make-up workday'],
    ['2026-02-14', 1, '2026-02-24', '春节 2026-02-15…23 is off'],
    ['2026-02-24', 4, '2026-02-28', 'Saturday 2026-02-28 is worked'],
    ['2026-04-03', 1, '2026-04-07', '清明节 2026-04-04…06 is off'],
    ['2026-04-30', 4, '2026-05-09', '劳动节 2026-05-01…05 off, Saturday 05-09 worked'],
    ['2026-06-18', 1, '2026-06-22', '端午节 2026-06-19…21 is off'],
    ['2026-09-18', 1, '2026-09-20', 'Sunday 2026-09-20 is a 国庆 make-up workday'],
    ['2026-09-24', 1, '2026-09-28', '中秋节 2026-09-25…27 is off'],
    ['2026-09-30', 1, '2026-10-08', '国庆节 2026-10-01…07 is off'],
    ['2026-09-30', 3, '2026-10-10', 'Saturday 2026-10-10 is worked'],
    ['2030-01-04', 1, '2030-01-07', 'a year without data falls back to weekends only'],
  ];
  it.each(deadlines)('addWorkingDays(%s, %i) = %s (%s)', (start, days, end) => {
    expect(addWorkingDays(start, days)).toBe(end);
    if (days > 0) expect(workingDaysBetween(start, end)).toBe(days);
  });

  const between: [string, string, number][] = [
    ['2025-01-27', '2025-01-27', 0],
    ['2025-01-27', '2025-02-10', 5],
    ['2025-02-10', '2025-01-27', -5],
    ['2026-02-13', '2026-02-28', 6],
    ['2026-01-01', '2026-01-31', 21],
    ['2024-12-31', '2025-12-31', 248],
    ['2025-12-31', '2026-12-31', 248],
  ];
  it.each(between)('workingDaysBetween(%s, %s) = %i', (from, to, n) => {
    expect(workingDaysBetween(from, to)).toBe(n);
  });

  const kinds: [string, string, string | undefined][] = [
    ['2025-01-01', 'holiday', '元旦'], ['2025-01-26', 'makeup_workday', '春节调休上班'], ['2025-01-25', 'weekend', undefined],
    ['2025-10-08', 'holiday', '国庆节、中秋节'], ['2026-02-23', 'holiday', '春节'], ['2026-10-10', 'makeup_workday', '国庆节调休上班'], ['2026-03-02', 'workday', undefined],
  ];
  it.each(kinds)('%s is a %s (%s)', (date, kind, name) => {
    expect(chinaCalendar.kindOf(date)).toEqual(name ? { kind, name } : { kind });
    expect(isWorkingDay(date)).toBe(kind === 'workday' || kind === 'makeup_workday');
  });

  it('takes an instant as its China (UTC+8) date', () => {
    expect(chinaCalendar.kindOf(new Date('2025-01-27T20:00:00Z'))).toEqual({ kind: 'holiday', name: '春节' });
    expect(addWorkingDays(new Date('2025-03-06T16:30:00Z'), 0)).toBe('2025-03-07');
  });

  it('covers the years with data and refuses bad input', () => {
    expect(chinaCalendar.years).toEqual([2025, 2026]);
    expect(chinaCalendar.covers(2027)).toBe(false);
    expect(() => addWorkingDays('2025-02-30', 1)).toThrow(CalendarDataError);
    expect(() => addWorkingDays('2025-03-01', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-03-01', 1.5)).toThrow(RangeError);
  });

  it('validates a year of data with Chinese messages', () => {
    for (const y of CHINA_HOLIDAYS) expect(validateYear(y)).toEqual([]);
    const bad = { year: 2027, holidays: [{ name: '春节', from: '2027-02-10', to: '2027-02-05' }, { name: '国庆节', from: '2027-10-01', to: '2027-10-07' }], workdays: [{ name: '调休', date: '2027-10-06' }, { name: '调休', date: '2027-03-03' }] };
    expect(validateYear(bad)).toEqual([
      '春节：结束日期 2027-02-05 早于开始日期 2027-02-10',
      '调休：2027-10-06 不是周末，无需调休上班',
      '调休：2027-10-06 同时被设为假日和调休上班日',
      '调休：2027-03-03 不是周末，无需调休上班',
    ]);
    expect(() => createCalendar([bad])).toThrow(/2027 年工作日历有误/);
  });
});
