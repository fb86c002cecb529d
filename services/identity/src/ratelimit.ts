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
