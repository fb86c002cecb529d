/**
 * Jest setup for every test file (setupFilesAfterEnv): the timeouts a test or hook states are
 * what it needs on a quiet machine; here they are stretched by the same load factor as every
 * `waitFor` (budget.ts), so a busy machine makes tests slower, not red. Tests keep writing
 * `it(name, fn, 30_000)`; the factor is applied when the test is registered.
 */
import { budget } from './budget.js';

type Fn = (...args: any[]) => any;
const g = globalThis as unknown as Record<string, Fn & Record<string, unknown>>;

function scaleLastTimeout(orig: Fn & Record<string, unknown>, timeoutIndex: number): Fn {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const t = args[timeoutIndex];
    if (typeof t === 'number' && Number.isFinite(t)) args[timeoutIndex] = budget(t);
    return orig.apply(this, args);
  };
  // it.each, it.only, it.skip, … keep working (unscaled).
  return Object.assign(wrapped, orig);
}

for (const name of ['it', 'test']) if (typeof g[name] === 'function') g[name] = scaleLastTimeout(g[name]!, 2) as never;
for (const name of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) if (typeof g[name] === 'function') g[name] = scaleLastTimeout(g[name]!, 1) as never;

// Tests without a stated timeout get jest's default (jest.config.js testTimeout), stretched alike.
const DEFAULT_TEST_TIMEOUT_MS = 60_000;
(import.meta as unknown as { jest?: { setTimeout(ms: number): void } }).jest?.setTimeout(budget(DEFAULT_TEST_TIMEOUT_MS));
