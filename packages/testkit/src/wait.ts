/** Polls until `fn` returns something truthy, for effects that arrive asynchronously (messages, consumers). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Starts something on a prepared environment, cleaning the environment up if the start fails. */
export async function startOrCleanup<T>(env: { cleanup(): Promise<void> }, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await env.cleanup();
    throw err;
  }
}
