/**
 * A clock that tests can set: scheduled work (publication at a given time, complaint deadlines,
 * the daily reconciliation) asks `clock.now()` instead of `new Date()`, so a test can move time
 * forward and watch the real service react, without waiting and without mocking timers.
 */
export interface Clock {
  now(): Date;
  /** Fixes the time (tests); `null` returns to the system clock. */
  set(at: Date | null): void;
  /** Moves a fixed clock (or the system time, fixing it) forward by `ms`. */
  advance(ms: number): Date;
}

export function createClock(): Clock {
  let fixed: Date | null = null;
  return {
    now: () => (fixed ? new Date(fixed.getTime()) : new Date()),
    set: (at) => { fixed = at ? new Date(at.getTime()) : null; },
    advance(ms) {
      fixed = new Date((fixed ?? new Date()).getTime() + ms);
      return new Date(fixed.getTime());
    },
  };
}
