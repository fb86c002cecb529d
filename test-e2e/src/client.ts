import { waitFor } from '@hall/testkit';

/** Small HTTP helpers for end-to-end tests: JSON calls with a token, and polling until a condition holds. */
export interface Res<T = any> { status: number; body: T; headers: Headers }

export async function call<T = any>(method: string, url: string, opts: { token?: string; json?: unknown; body?: Buffer; contentType?: string; headers?: Record<string, string> } = {}): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(opts.json); }
  if (opts.body) { headers['content-type'] = opts.contentType ?? 'application/octet-stream'; body = new Uint8Array(opts.body); }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function login(identityUrl: string, username: string, password = 'Hall#2026'): Promise<string> {
  const r = await call('POST', `${identityUrl}/v1/auth/login`, { json: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.accessToken as string;
}

/** Polls until `fn` holds: the testkit's `waitFor`, budget scaled by the machine's load, named by `what`. */
export function eventually<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  return waitFor(fn, { what, timeoutMs, everyMs });
}

/** A real 1×1 PNG, so content sniffing sees an image. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
