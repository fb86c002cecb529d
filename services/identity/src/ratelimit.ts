/**
 * Fixed-window rate limits for login, password reset and the token endpoint, kept in process
 * memory: each replica limits on its own, so a zone with n replicas allows at most n times the
 * configured rate (the lockout after repeated failures, which is in the database, is the hard
 * bound). Keys are bounded in number so that a flood of distinct usernames cannot exhaust memory.
 */
import { Problems } from '@hall/http';

export interface RateLimiter {
  /** Counts one attempt; throws 429 too_many_requests when the key is over its limit. */
  hit(key: string): void;
}

export function createRateLimiter(opts: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }): RateLimiter {
  const maxKeys = opts.maxKeys ?? 100_000;
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= opts.windowMs) {
        if (!w && windows.size >= maxKeys) {
          for (const [k, v] of windows) if (t - v.start >= opts.windowMs) windows.delete(k);
          if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        }
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      if (w.count > opts.limit) {
        const retry = Math.max(1, Math.ceil((w.start + opts.windowMs - t) / 1000));
        throw Problems.tooManyRequests('too_many_requests', '请求过于频繁，请稍后再试', undefined, { headers: { 'retry-after': String(retry) }, extra: { retryAfterSeconds: retry } });
      }
    },
  };
}

/**
 * Lockout for usernames that have no account, so that the answers to repeated failed logins do not
 * tell which usernames exist (issue 20): the threshold-th failure "locks" the unknown name for the
 * same minutes, and until then it answers 423 account_locked exactly as a real locked account does.
 * Kept in process memory, bounded like the rate limits; real accounts' lockouts stay in the database.
 */
export interface UnknownUserLockout {
  /** The end of the lock on this name, if it is locked at `now`. */
  lockedUntil(username: string, now: Date): Date | null;
  /** Counts a failure; returns the end of the lock when this one reached the threshold. */
  fail(username: string, now: Date): Date | null;
}

export function createUnknownUserLockout(opts: { threshold: number; lockMinutes: number; maxKeys?: number }): UnknownUserLockout {
  const maxKeys = opts.maxKeys ?? 100_000;
  const names = new Map<string, { failures: number; lockedUntil: number | null }>();
  return {
    lockedUntil(username, now) {
      const n = names.get(username);
      if (!n?.lockedUntil) return null;
      if (n.lockedUntil > now.getTime()) return new Date(n.lockedUntil);
      names.delete(username);
      return null;
    },
    fail(username, now) {
      let n = names.get(username);
      if (!n) {
        if (names.size >= maxKeys) names.delete(names.keys().next().value!);
        n = { failures: 0, lockedUntil: null };
        names.set(username, n);
      }
      n.failures++;
      if (n.failures < opts.threshold) return null;
      n.failures = 0;
      n.lockedUntil = now.getTime() + opts.lockMinutes * 60_000;
      return new Date(n.lockedUntil);
    },
  };
}
