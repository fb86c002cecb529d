import { budget, slowdown, waitFor, MAX_FACTOR } from '../src/budget.js';

describe('time budgets', () => {
  const saved = process.env.HALL_TEST_SLOWDOWN;
  afterEach(() => { if (saved === undefined) delete process.env.HALL_TEST_SLOWDOWN; else process.env.HALL_TEST_SLOWDOWN = saved; });

  it('scales a quiet-machine budget by the load factor, at least 1 and at most MAX_FACTOR unless forced', () => {
    delete process.env.HALL_TEST_SLOWDOWN;
    expect(slowdown()).toBeGreaterThanOrEqual(1);
    expect(slowdown()).toBeLessThanOrEqual(MAX_FACTOR);
    process.env.HALL_TEST_SLOWDOWN = '3';
    expect(slowdown()).toBe(3);
    expect(budget(1000)).toBe(3000);
  });

  it('waitFor returns the first truthy value and treats a thrown error as "not yet"', async () => {
    let n = 0;
    const v = await waitFor(async () => { n++; if (n < 3) throw new Error('not yet'); return n; }, { everyMs: 1 });
    expect(v).toBe(3);
  });

  it('waitFor names what it waited for, its budget and the last value when it gives up', async () => {
    process.env.HALL_TEST_SLOWDOWN = '1';
    await expect(waitFor(async () => 0, { what: 'the case of application 42', timeoutMs: 50, everyMs: 10 }))
      .rejects.toThrow(/waiting for: the case of application 42; last: 0/);
    await expect(waitFor(async () => { throw new Error('connection refused'); }, { timeoutMs: 30, everyMs: 10 }))
      .rejects.toThrow(/budget 30 ms × load factor 1\.0\) waiting for: async \(\) ?=> ?\{ throw new Error\('connection refused'\); \}; last: Error: connection refused/);
  });

  it('stretches stated test timeouts by the same factor (jest-setup.ts)', () => {
    // `it` is wrapped: the wrapper is not jest's own function but keeps its properties.
    expect(typeof it.each).toBe('function');
    expect(typeof it.skip).toBe('function');
  });
});
