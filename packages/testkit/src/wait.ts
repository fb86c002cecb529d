export { waitFor, budget, slowdown, DEFAULT_WAIT_MS, type WaitOptions } from './budget.js';

/** Starts something on a prepared environment, cleaning the environment up if the start fails. */
export async function startOrCleanup<T>(env: { cleanup(): Promise<void> }, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await env.cleanup();
    throw err;
  }
}
