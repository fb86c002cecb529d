/**
 * The exchange's own service identity towards approval, certificate and catalog. Data-exchange
 * clients' tokens carry the exchange's audience only (see exchangeAudience in @hall/auth), so the
 * exchange cannot forward them: it calls the other services with a token of its own, fetched from
 * the zone identity's client-credentials endpoint with the exchange's credentials, cached until
 * shortly before it expires. The exchange has already checked the client's scopes, applied its
 * rate limit and written the audit by then; it narrows the answers to the client's scopes itself.
 */
import { Problems } from '@hall/http';
import type { Logger } from '@hall/logging';

export interface ServiceTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scopes the exchange needs downstream. */
  scopes: readonly string[];
  timeoutMs: number;
  logger?: Logger;
  now?: () => number;
}

export interface ServiceToken {
  /** `Bearer …` for the Authorization header. */
  authorization(): Promise<string>;
  /** Forget the cached token (a downstream service answered 401: the key rotated or it expired early). */
  invalidate(): void;
}

export function createServiceToken(opts: ServiceTokenOptions): ServiceToken {
  const now = opts.now ?? Date.now;
  let cached: { value: string; until: number } | null = null;
  let pending: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const basic = Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64');
    let res: Response;
    try {
      res = await fetch(opts.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: opts.scopes.join(' ') }).toString(),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      opts.logger?.warn({ err: (err as Error).message }, 'service token: identity unreachable');
      throw unavailable();
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      opts.logger?.error({ status: res.status }, 'service token refused by identity');
      throw unavailable();
    }
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw unavailable();
    // Renewed a minute early (or at half its life when shorter), so no call leaves with a token about to expire.
    const life = (body.expires_in ?? 60) * 1000;
    cached = { value: `Bearer ${body.access_token}`, until: now() + Math.max(life / 2, life - 60_000) };
    return cached.value;
  }

  return {
    async authorization() {
      if (cached && now() < cached.until) return cached.value;
      pending ??= fetchToken().finally(() => { pending = null; });
      return pending;
    },
    invalidate() { cached = null; },
  };
}

const unavailable = () => Problems.unavailable('upstream_unavailable', '依赖的业务系统暂不可用，请稍后再试', '数据交换平台未能取得服务令牌', { extra: { upstream: 'identity' } });
