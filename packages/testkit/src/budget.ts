/**
 * One place that decides how long a test may wait for something real (a message arriving, a row
 * appearing, a process becoming ready), scaled by how busy the machine is.
 *
 * A budget is a ceiling, not a sleep: a healthy run never comes near it, so making it generous
 * costs nothing and keeps a loaded machine (a shared CI runner, `pnpm test:loaded`) from turning
 * slowness into failures. The factor is read at the moment a wait starts:
 *
 *   factor = HALL_TEST_SLOWDOWN (when set) else clamp(load average (1 min) / cores, 1, MAX_FACTOR)
 *
 * Jest's own per-test and per-hook timeouts go through the same factor (jest-setup.ts), so a
 * `waitFor` gives up with its own message before jest cuts the test off.
 */
import os from 'node:os';

/** The default budget for one wait on a quiet machine. */
export const DEFAULT_WAIT_MS = 30_000;
/** Never stretch a budget more than this (a hung test must still fail within CI's time). */
export const MAX_FACTOR = 8;

/** How much slower than a quiet machine this one is right now (>= 1). */
export function slowdown(): number {
  const forced = Number(process.env.HALL_TEST_SLOWDOWN);
  if (Number.isFinite(forced) && forced > 0) return forced;
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const ratio = os.loadavg()[0]! / cores;
  return Math.min(MAX_FACTOR, Math.max(1, ratio));
}

/** `baseMs` (what the wait needs on a quiet machine) stretched by the machine's load. */
export function budget(baseMs: number = DEFAULT_WAIT_MS): number {
  return Math.round(baseMs * slowdown());
}

export interface WaitOptions {
  /** What is awaited, for the message on timeout (default: the function's source). */
  what?: string;
  /** Budget on a quiet machine; scaled by `budget()` (default DEFAULT_WAIT_MS). */
  timeoutMs?: number;
  /** Poll interval (default 100 ms). */
  everyMs?: number;
}

function describeFn(fn: () => unknown): string {
  const src = fn.toString().replace(/\s+/g, ' ').trim();
  return src.length > 160 ? `${src.slice(0, 157)}...` : src;
}

function describeValue(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 197)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * Polls until `fn` returns something truthy, for effects that arrive asynchronously. The budget
 * comes from `budget()`; a number as second argument is the quiet-machine budget (kept for the
 * many existing calls), an object says more. On timeout the error names what was awaited, the
 * budget and its factor, and the last value or error seen. An error thrown by `fn` counts as
 * "not yet" until the budget is spent.
 */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, opts: number | string | WaitOptions = {}, everyMs?: number): Promise<T> {
  const o: WaitOptions = typeof opts === 'number' ? { timeoutMs: opts } : typeof opts === 'string' ? { what: opts } : opts;
  const base = o.timeoutMs ?? DEFAULT_WAIT_MS;
  const factor = slowdown();
  const limit = Math.round(base * factor);
  const every = everyMs ?? o.everyMs ?? 100;
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > limit) {
      const what = o.what ?? describeFn(fn);
      const err = new Error(`timed out after ${Date.now() - started} ms (budget ${base} ms × load factor ${factor.toFixed(1)}) waiting for: ${what}; last: ${describeValue(last)}`);
      if (last instanceof Error) (err as Error & { cause?: unknown }).cause = last;
      throw err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
}
