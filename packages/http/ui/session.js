// The sign-in of a web UI (the portal, the staff console), kept in this tab's sessionStorage, with
// silent renewal: identity's refresh token buys a new access token shortly before it runs out or
// when the API answers 401, so a clerk or citizen never loses work to the 15-minute token. Identity
// rotates refresh tokens on every use and ends the whole sign-in when one is used twice.
// Served to every UI at /lib/session.js by serveUi (packages/http/src/ui.ts); no build step.

/** Renewed this long before the access token runs out. */
const EARLY_MS = 60_000;

/**
 * A session stored under `${prefix}token`, `${prefix}refresh`, `${prefix}expires-at` and
 * `${prefix}principal`; identity is reached under /auth/ on the page's own origin.
 */
export function createSession(prefix) {
  const key = (name) => `${prefix}${name}`;
  const session = {
    get token() { return sessionStorage.getItem(key('token')); },
    get refreshToken() { return sessionStorage.getItem(key('refresh')); },
    /** When the access token runs out (ms since the epoch), as the sign-in answer said. */
    get expiresAt() { return Number(sessionStorage.getItem(key('expires-at')) ?? 0); },
    get principal() { return JSON.parse(sessionStorage.getItem(key('principal')) ?? 'null'); },
    /** Keeps a sign-in or renewal answer of identity: access token, the next refresh token, principal. */
    set(tokens) {
      sessionStorage.setItem(key('token'), tokens.accessToken);
      if (tokens.refreshToken) sessionStorage.setItem(key('refresh'), tokens.refreshToken);
      sessionStorage.setItem(key('expires-at'), String(Date.now() + (tokens.expiresIn ?? 900) * 1000));
      sessionStorage.setItem(key('principal'), JSON.stringify(tokens.principal));
    },
    clear() { for (const k of ['token', 'refresh', 'expires-at', 'principal']) sessionStorage.removeItem(key(k)); },
  };

  let renewing = null;
  /** One renewal at a time, however many requests found the token expired; false once the sign-in has ended. */
  function renew() {
    renewing ??= (async () => {
      const refreshToken = session.refreshToken;
      if (!refreshToken) return false;
      const res = await fetch('/auth/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) }).catch(() => null);
      if (!res?.ok) return false;
      session.set(await res.json());
      return true;
    })().finally(() => { renewing = null; });
    return renewing;
  }

  /** The access token, renewed first when it runs out within a minute. */
  async function freshToken() {
    if (session.token && session.expiresAt - Date.now() < EARLY_MS) await renew();
    return session.token;
  }

  /**
   * fetch with the bearer token. A 401 renews the token and sends the request once more; when the
   * sign-in has ended, the session is cleared and `onEnded()` runs (the UI's login page and back).
   * Sign-in calls themselves (/auth/v1/auth/: login, refresh, logout) go as they are; identity's
   * other routes under /auth/ (consents, representations, companies) carry the token like the API.
   */
  async function authorizedFetch(path, init = {}, onEnded = () => {}) {
    const own = !path.startsWith('/auth/v1/auth/');
    const send = async () => {
      const token = own ? await freshToken() : null;
      return fetch(path, { ...init, headers: { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    };
    let res = await send();
    if (res.status === 401 && own && session.token && (await renew())) res = await send();
    if (res.status === 401 && own) { session.clear(); onEnded(); }
    return res;
  }

  /** Ends the sign-in at identity too (the refresh token's whole family), then here. */
  function logout() {
    const refreshToken = session.refreshToken;
    if (refreshToken) fetch('/auth/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) }).catch(() => {});
    session.clear();
  }

  return { session, renew, freshToken, authorizedFetch, logout };
}

/**
 * One page on screen at a time. Pages are drawn after their requests answer, so a page asked for
 * earlier whose answer comes late would draw over the one asked for since (a stale inbox over the
 * certificates page, a slow page over the next after 退出). `route()` calls `start()`; `api()`
 * takes `current` before its request and hands its answer through `keep()`: when a navigation has
 * started in between, the answer never arrives, so the stale page never draws (as with an ended
 * sign-in, where the login page takes over).
 */
export function createNavigation() {
  let n = 0;
  return {
    start() { return ++n; },
    get current() { return n; },
    keep(startedAt, value) { return startedAt === n ? value : new Promise(() => {}); },
  };
}
