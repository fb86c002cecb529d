/** Dates as citizens and clerks read them: the calendar day in China (UTC+8, no daylight saving). */
export function chinaDateCompact(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}
