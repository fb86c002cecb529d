/**
 * Calls into the other extranet services (certificate, approval, catalog), each behind its own
 * opossum circuit breaker with a timeout. Calls carry the exchange's own service token
 * (service-token.ts), never the client's: client tokens are for the exchange's audience only, so a
 * client cannot skip the exchange's rate limit and audit by calling these services directly.
 *
 * - Counted as failures: timeouts, connection errors and 5xx answers (the service is struggling).
 * - Not counted: 4xx answers (the service is up and said no), so one client's bad identifiers
 *   cannot cut a service off for everyone.
 * - Open: calls fail at once with 503 `upstream_unavailable` (problem+json, Retry-After).
 * - Recovery by itself: when the breaker turns half-open it probes the service's /health at once,
 *   without waiting for a client; success closes it, failure keeps it open for another period.
 */
import CircuitBreaker from 'opossum';
import { Problems } from '@hall/http';
import type { Logger } from '@hall/logging';
import type { ServiceToken } from './service-token.js';

export interface UpstreamOptions {
  name: string;
  baseUrl: string;
  timeoutMs: number;
  resetTimeoutMs: number;
  volumeThreshold: number;
  errorThresholdPercentage?: number;
  logger?: Logger;
  /** The exchange's service identity, sent on every call. */
  token: ServiceToken;
}

export interface UpstreamCall {
  requestId?: string;
  correlationId?: string;
  query?: Record<string, string | number | undefined>;
}

export interface UpstreamAnswer<T> { status: number; body: T }

export interface Upstream {
  readonly name: string;
  get<T>(path: string, call: UpstreamCall): Promise<UpstreamAnswer<T>>;
  close(): void;
}

/** A 5xx answer: the downstream service is there but failing, which counts against the breaker. */
class UpstreamServerError extends Error {
  constructor(readonly status: number) { super(`upstream answered ${status}`); }
}

/** 4xx answers resolve instead of rejecting, so only real failures reach the breaker's statistics. */
async function request<T>(url: string, headers: Record<string, string>, timeoutMs: number): Promise<UpstreamAnswer<T>> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new UpstreamServerError(res.status);
  }
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export function createUpstream(opts: UpstreamOptions): Upstream {
  const log = opts.logger?.child({ upstream: opts.name });
  const breaker = new CircuitBreaker<[string, Record<string, string>], UpstreamAnswer<unknown>>(
    (url, headers) => request(url, headers, opts.timeoutMs),
    { timeout: opts.timeoutMs, resetTimeout: opts.resetTimeoutMs, volumeThreshold: opts.volumeThreshold, errorThresholdPercentage: opts.errorThresholdPercentage ?? 50 },
  );
  let closed = false;
  const probe = () => breaker.fire(`${opts.baseUrl}/health`, {}).catch(() => undefined);
  breaker.on('open', () => log?.warn('upstream breaker opened: failing fast'));
  breaker.on('halfOpen', () => {
    log?.info('upstream breaker half-open: probing');
    setImmediate(() => { if (!closed) void probe(); });
  });
  breaker.on('close', () => log?.info('upstream breaker closed: service reachable again'));
  const retryAfter = String(Math.max(1, Math.ceil(opts.resetTimeoutMs / 1000)));

  return {
    name: opts.name,
    async get<T>(path: string, call: UpstreamCall): Promise<UpstreamAnswer<T>> {
      const url = new URL(path, opts.baseUrl);
      for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (call.requestId) headers['x-request-id'] = call.requestId;
      if (call.correlationId) headers['x-correlation-id'] = call.correlationId;
      headers.authorization = await opts.token.authorization();
      try {
        const answer = (await breaker.fire(url.toString(), headers)) as UpstreamAnswer<T>;
        // The service refused the exchange's own token (expired early, key rotated): fetch a new one next time.
        if (answer.status === 401) opts.token.invalidate();
        return answer;
      } catch (err) {
        const e = err as Error & { code?: string };
        const reason = e.code === 'EOPENBREAKER' ? 'circuit_open' : e.code === 'ETIMEDOUT' || e.name === 'TimeoutError' ? 'timeout' : err instanceof UpstreamServerError ? 'server_error' : 'unreachable';
        if (reason !== 'circuit_open') log?.warn({ reason, err: e.message }, 'upstream call failed');
        throw Problems.unavailable('upstream_unavailable', '依赖的业务系统暂不可用，请稍后再试', `${opts.name} 服务暂不可用`, {
          extra: { upstream: opts.name, reason },
          headers: { 'retry-after': retryAfter },
        });
      }
    },
    close() {
      closed = true;
      breaker.shutdown();
    },
  };
}
