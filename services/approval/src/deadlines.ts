/**
 * Deadlines in working days (承诺时限, per-step limits) through the shared calendar (@hall/calendar):
 * a limit counts from the day after its start; a pause (补交, 特别程序) adds the working days it
 * lasted (days in (pausedSince, resumedOn]) so the clock stands still while the case waits.
 */
import { addWorkingDays, workingDaysBetween, chinaDate } from '@hall/calendar';

export const today = (now: Date): string => chinaDate(now);

/** The due date of a limit of `limitDays` working days started on `startedOn`, with `pausedDays` added. */
export const dueDateOf = (startedOn: string, limitDays: number, pausedDays: number): string => addWorkingDays(startedOn, limitDays + pausedDays);

/** Working days a pause that began on `since` lasted when it ends at `now` (0 when it ends the same day). */
export const pausedWorkingDays = (since: string, now: Date): number => Math.max(0, workingDaysBetween(since, today(now)));

/**
 * Working days left until `dueDate` (0: due today, negative: overdue). While paused, the count
 * stays where it was when the pause began.
 */
export function remainingDays(dueDate: string, now: Date, pausedSince?: string | null): number {
  return workingDaysBetween(pausedSince ?? today(now), dueDate);
}

/** The instant a due date ends (23:59:59 China time), for messages that carry date-times. */
export const endOfDay = (date: string): string => new Date(`${date}T23:59:59+08:00`).toISOString();

/** Deadline colour for the inbox: red overdue, amber due within one working day, green otherwise. */
export const deadlineLevel = (remaining: number): 'overdue' | 'due_soon' | 'on_time' => (remaining < 0 ? 'overdue' : remaining <= 1 ? 'due_soon' : 'on_time');
