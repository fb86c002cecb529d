/**
 * The bad-input harness: enumerates a service's routes as fastify registers them (an onRoute hook
 * put in front of the service's own `routes`), then throws hostile requests at every one with
 * fast-check and checks the invariant — a 4xx answer is problem+json with a stable code and a
 * Chinese title, nothing is ever a 5xx, and a refused request changed no row of the service's
 * database (checksums of every table before and after, recomputed only when a write was logged).
 */
import fs from 'node:fs';
import { createHmac, randomUUID, sign as cryptoSign } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { generateSigningKey } from '@hall/auth';
import { registeredRoutes } from '@hall/http';
import { bodyArbitrary, headersArbitrary, paramArbitrary, queryArbitrary, type RawBody } from './hostile.js';

export interface CollectedRoute {
  method: string; url: string; schema: { body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown };
  /** The route runs the zone's app.authenticate in onRequest, before parsing and validation (a protected route). */
  authenticated?: boolean;
}

/** Every route the running app registered (recorded by @hall/http's buildHttpApp), minus HEAD/OPTIONS twins. */
export function routesOf(app: unknown): CollectedRoute[] {
  const out: CollectedRoute[] = [];
  const authenticate = (app as { authenticate?: unknown }).authenticate;
  for (const r of registeredRoutes(app as Parameters<typeof registeredRoutes>[0])) {
    if (r.method === 'HEAD' || r.method === 'OPTIONS') continue;
    const authenticated = authenticate !== undefined && r.hooks('onRequest').includes(authenticate);
    if (!out.some((x) => x.method === r.method && x.url === r.url)) out.push({ method: r.method, url: r.url, schema: (r.schema ?? {}) as CollectedRoute['schema'], authenticated });
  }
  return out;
}

/**
 * Issue 20: validation ran before authentication, so anonymous callers learned protected routes'
 * schemas from field-level 400s. Why an anonymous answer of a protected route breaks that, or
 * undefined: it must be 401 `unauthenticated`, without field errors. Only a request fastify cannot
 * route (a malformed URL, a parameter over maxParamLength, or one that a parameter made another
 * route's) is answered otherwise.
 */
export function anonymousViolation(res: Answer): string | undefined {
  let p: { code?: unknown; errors?: unknown } = {};
  try { p = JSON.parse(res.body) as typeof p; } catch { /* reported below */ }
  // Refused by the router (frameworkErrorHandler), or routed elsewhere: this route's hooks never ran.
  if (['400 bad_url', '414 uri_too_long', '404 route_not_found'].includes(`${res.statusCode} ${String(p.code)}`)) return undefined;
  if (res.statusCode !== 401 || p.code !== 'unauthenticated' || p.errors !== undefined) return `anonymous caller of a protected route answered ${res.statusCode}: ${res.body.slice(0, 200)}`;
  return undefined;
}

/** An anonymous request to a protected route with nothing valid in it: every parameter, the query and the body wrong. */
export function anonymousGarbage(route: CollectedRoute): { method: string; url: string; headers: Record<string, string>; payload?: string } {
  const path = route.url.replace(/:([A-Za-z0-9_]+)/g, 'not-an-id-%E5%91%A8').replace(/\*$/, 'x');
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
  return { method: route.method, url: `${path}?page=-1&pageSize=abc&unknown=1`, headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), 'idempotency-key': '!' }, ...(hasBody ? { payload: '{"unknown":true,"broken":' } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Tokens: the zone's legitimate principals and the classic JWT attacks.

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
interface KeyFile { kid: string; alg: 'EdDSA' | 'ES256'; privateKeyPem: string; publicKeyPem: string }

export function signJwt(key: KeyFile, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64(claims)}`;
  const sig = key.alg === 'EdDSA' ? cryptoSign(null, Buffer.from(input), key.privateKeyPem) : cryptoSign('sha256', Buffer.from(input), { key: key.privateKeyPem, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

export const ISSUER = { internet: 'hall-identity-internet', extranet: 'hall-identity-extranet' } as const;
export const AUDIENCE = { internet: 'hall-internet', extranet: 'hall-extranet' } as const;
type Zone = 'internet' | 'extranet';
const other = (z: Zone): Zone => (z === 'internet' ? 'extranet' : 'internet');

/** Authorization header values that must all be refused with 401 (and never reach a handler). */
export function attackAuthorizations(keyFile: string, zone: Zone): Record<string, string> {
  const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as KeyFile;
  const now = Math.floor(Date.now() / 1000);
  const principal = zone === 'internet'
    ? { sub: randomUUID(), realm: 'public', name: '周梦婕', roles: ['applicant'] }
    : { sub: randomUUID(), realm: 'staff', name: '王受理', roles: ['staff', 'sys_admin', 'supervisor'], department: 'gy-wjw', positions: ['acceptance', 'review', 'approval'] };
  const claims = { ...principal, iss: ISSUER[zone], aud: AUDIENCE[zone], iat: now, exp: now + 600, jti: randomUUID() };
  const unsigned = (header: Record<string, unknown>, c: Record<string, unknown>) => `${b64(header)}.${b64(c)}`;
  const hs = unsigned({ alg: 'HS256', typ: 'JWT', kid: key.kid }, claims);
  const foreign = generateSigningKey('EdDSA');
  return {
    'alg none': `Bearer ${unsigned({ alg: 'none', typ: 'JWT', kid: key.kid }, claims)}.`,
    'alg none, no kid': `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, claims)}.`,
    'HS256 signed with the public key': `Bearer ${hs}.${createHmac('sha256', key.publicKeyPem).update(hs).digest('base64url')}`,
    'HS256 signed with the public key (trimmed PEM)': `Bearer ${hs}.${createHmac('sha256', key.publicKeyPem.trim()).update(hs).digest('base64url')}`,
    expired: `Bearer ${signJwt(key, { ...claims, iat: now - 7200, exp: now - 3600 })}`,
    'not yet valid (iat in the future, exp far ahead)': `Bearer ${signJwt(key, { ...claims, iat: now + 3600, exp: now + 7200, nbf: now + 3600 })}`,
    'wrong audience': `Bearer ${signJwt(key, { ...claims, aud: 'hall-admin' })}`,
    'other zone audience': `Bearer ${signJwt(key, { ...claims, aud: AUDIENCE[other(zone)] })}`,
    'wrong issuer': `Bearer ${signJwt(key, { ...claims, iss: 'https://evil.example' })}`,
    'token of the other zone (its own key, issuer, audience)': `Bearer ${signJwt(foreign as KeyFile, { ...claims, iss: ISSUER[other(zone)], aud: AUDIENCE[other(zone)] })}`,
    'unknown key with this zone’s kid': `Bearer ${signJwt({ ...(foreign as KeyFile), kid: key.kid }, claims)}`,
    'signature of another token': `Bearer ${signJwt(key, claims).split('.').slice(0, 2).join('.')}.${signJwt(key, { ...claims, sub: 'x' }).split('.')[2]}`,
    'claims tampered after signing': `Bearer ${(() => { const t = signJwt(key, claims).split('.'); return `${t[0]}.${b64({ ...claims, roles: [...(claims.roles as string[]), 'sys_admin'], sub: randomUUID() })}.${t[2]}`; })()}`,
    'valid signature, not a principal (no roles)': `Bearer ${signJwt(key, { sub: randomUUID(), iss: ISSUER[zone], aud: AUDIENCE[zone], iat: now, exp: now + 600 })}`,
    'valid signature, realm root': `Bearer ${signJwt(key, { ...claims, realm: 'root' })}`,
    'no exp': `Bearer ${signJwt(key, { ...claims, exp: undefined })}`,
    'kid path traversal': `Bearer ${signJwt(key, claims, { kid: '../../../../etc/passwd' })}`,
    'kid 10 KB': `Bearer ${signJwt(key, claims, { kid: 'k'.repeat(10_000) })}`,
    'three dots': 'Bearer ...',
    garbage: 'Bearer 周梦婕',
    'empty bearer': 'Bearer ',
    'basic auth': `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    'token 16 KB': `Bearer ${'a'.repeat(16_000)}`,
    'json instead of a token': 'Bearer {"alg":"none"}',
  };
}

// ---------------------------------------------------------------------------------------------
// Database checksums.

/** Tables whose checksum covers only some columns; an update of the other columns is no change. */
const KEPT_COLUMNS: Record<string, string[]> = {
  // The publisher marks rows sent in the background; what was enqueued is what counts.
  outbox: ['id', 'type', 'subject', 'payload'],
};

export interface Snapshotter {
  snapshot(): Promise<Record<string, string>>;
  diff(a: Record<string, string>, b: Record<string, string>): string[];
  /** Tables of the database's public schema that were not there when the snapshotter started. */
  newTables(): Promise<string[]>;
  /** Snapshots answered, and how many of them had to hash the tables. */
  readonly stats: { snapshots: number; hashed: number };
  close(): Promise<void>;
}

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * Checksums of every table of the database's public schema (row count and an md5 over the rows),
 * minus `ignoreTables`. Hashing every row is the expensive part, so it is done only when a write
 * may have happened since the last hash: a statement-level trigger on every checksummed table
 * inserts a row into fuzz.writes (schema fuzz, outside the service's own). The log is read in the
 * same statement, so the same MVCC snapshot, as the hashes; a later count of its visible rows
 * equal to that one means no writing transaction committed since (committed rows stay visible,
 * and each committed write statement left one), so the last hash still holds. A write still in
 * flight, or one rolled back, is not counted, exactly as the hash does not see it. The triggers
 * return NULL from AFTER ... FOR EACH STATEMENT, so the service sees nothing of them; their inserts
 * take no lock another insert waits on. Needs the right to create triggers (the test databases
 * are created by, and reached as, the Postgres admin).
 */
export async function snapshotter(databaseUrl: string, ignoreTables: string[] = []): Promise<Snapshotter> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The database may be dropped (WITH FORCE) while the pool is idle, when a test fails early.
  pool.on('error', () => {});
  const listTables = async () => (await pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\\_prisma%' ORDER BY 1`)).rows.map((r) => r.t);
  const present = await listTables();
  const tables = present.filter((t) => !ignoreTables.includes(t));
  await pool.query(`CREATE SCHEMA IF NOT EXISTS fuzz;
    CREATE TABLE IF NOT EXISTS fuzz.writes (at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE OR REPLACE FUNCTION fuzz.wrote() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO fuzz.writes DEFAULT VALUES; RETURN NULL; END $$;
    ${tables.map((t) => `CREATE OR REPLACE TRIGGER fuzz_wrote AFTER INSERT OR ${KEPT_COLUMNS[t] ? `UPDATE OF ${KEPT_COLUMNS[t].map(quote).join(', ')}` : 'UPDATE'} OR DELETE OR TRUNCATE ON ${quote(t)} FOR EACH STATEMENT EXECUTE FUNCTION fuzz.wrote();`).join('\n')}`);
  const rowText = (t: string) => (KEPT_COLUMNS[t] ? `(${KEPT_COLUMNS[t].map((c) => `x.${quote(c)}`).join(', ')})::text` : 'x::text');
  const WRITES = '#writes';
  const sql = [`SELECT '${WRITES}' AS t, count(*)::text AS h FROM fuzz.writes`,
    ...tables.map((t) => `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(md5(${rowText(t)}), '' ORDER BY md5(${rowText(t)}))), '') AS h FROM ${quote(t)} x`)].join(' UNION ALL ');
  let last: { writes: string; hashes: Record<string, string> } | undefined;
  const stats = { snapshots: 0, hashed: 0 };
  return {
    async snapshot() {
      stats.snapshots++;
      if (last && (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM fuzz.writes')).rows[0]!.n === last.writes) return { ...last.hashes };
      stats.hashed++;
      const rows = (await pool.query<{ t: string; h: string }>(sql)).rows;
      const hashes = Object.fromEntries(rows.filter((r) => r.t !== WRITES).map((r) => [r.t, r.h]));
      last = { writes: rows.find((r) => r.t === WRITES)!.h, hashes };
      return { ...hashes };
    },
    diff: (a, b) => Object.keys({ ...a, ...b }).filter((t) => a[t] !== b[t]),
    newTables: async () => (await listTables()).filter((t) => !present.includes(t)),
    stats,
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// The invariant.

export interface Answer { statusCode: number; headers: Record<string, unknown>; body: string }

/** Why an answer breaks the contract for bad input, or undefined when it keeps it. */
export function violation(res: Answer): string | undefined {
  if (res.statusCode >= 500) return `answered ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (res.statusCode < 400) return undefined;
  const ct = String(res.headers['content-type'] ?? '');
  if (!ct.startsWith('application/problem+json')) return `${res.statusCode} with content-type ${ct || '(none)'}: ${res.body.slice(0, 200)}`;
  let p: { code?: unknown; status?: unknown; title?: unknown };
  try { p = JSON.parse(res.body) as typeof p; } catch { return `${res.statusCode} problem body is not JSON: ${res.body.slice(0, 200)}`; }
  if (typeof p.code !== 'string' || !/^[a-z][a-z0-9_.]*$/.test(p.code)) return `${res.statusCode} without a stable code: ${res.body.slice(0, 200)}`;
  if (p.status !== res.statusCode) return `problem status ${String(p.status)} ≠ ${res.statusCode}`;
  if (typeof p.title !== 'string' || !/[\u4e00-\u9fff]/.test(p.title)) return `${res.statusCode} ${p.code} title is not Chinese: ${String(p.title)}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Fuzzing one service.

export interface Injector { inject(opts: { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer }): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> }

export interface FuzzTarget {
  name: string;
  app: Injector;
  /** Defaults to every route the app registered. */
  routes?: CollectedRoute[];
  databaseUrl: string;
  /** Authorization header values to draw from ('' = none): legitimate principals and attacks. */
  authorizations: string[];
  /** Tables that legitimately record refused requests (named with the reason in the test). */
  ignoreTables?: string[];
}

export interface FuzzReport { service: string; routes: number; protectedRoutes: number; requests: number; statuses: Record<string, number>; accepted: string[]; failures: string[]; ms: number; snapshots: { snapshots: number; hashed: number } }

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function fuzzSeed(): number {
  return process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
}

export async function fuzzService(t: FuzzTarget, opts: { seed: number; runsPerRoute: number }): Promise<FuzzReport> {
  const started = Date.now();
  const snap = await snapshotter(t.databaseUrl, t.ignoreTables);
  const all = t.routes ?? routesOf(t.app);
  const report: FuzzReport = { service: t.name, routes: all.length, protectedRoutes: all.filter((r) => r.authenticated).length, requests: 0, statuses: {}, accepted: [], failures: [], ms: 0, snapshots: snap.stats };
  const routes = [...all].sort((a, b) => `${a.method} ${a.url}`.localeCompare(`${b.method} ${b.url}`));
  try {
    // Authentication before validation, on every protected route: one anonymous request with
    // nothing valid in it (the random ones below check the same for each anonymous draw).
    for (const route of routes.filter((r) => r.authenticated)) {
      const res = await t.app.inject(anonymousGarbage(route));
      report.requests++;
      const v = violation(res) ?? anonymousViolation(res);
      if (v) report.failures.push(`${t.name} ${route.method} ${route.url}: ${v}`);
    }
    for (const [i, route] of routes.entries()) {
      const seed = opts.seed + i;
      const paramNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
      const request = fc.record({
        params: fc.tuple(...paramNames.map(() => paramArbitrary), fc.constant('')),
        wildcard: fc.constantFrom('../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/package.json', 'index.html%00.png', '周梦婕.html', '.env', 'a/'.repeat(200)),
        query: queryArbitrary(route.schema.querystring),
        body: bodyArbitrary(route.schema.body) as fc.Arbitrary<RawBody>,
        headers: headersArbitrary,
        authorization: fc.constantFrom(...t.authorizations),
      });
      const before = MUTATING.has(route.method) ? undefined : await snap.snapshot();
      const result = await fc.check(fc.asyncProperty(request, async (r) => {
        let k = 0;
        let path = route.url.replace(/:([A-Za-z0-9_]+)/g, () => r.params[k++] ?? 'x');
        if (path.endsWith('*')) path = path.slice(0, -1) + r.wildcard;
        const url = r.query ? `${path}?${r.query}` : path;
        const headers: Record<string, string> = { ...r.headers };
        if (r.authorization) headers.authorization = r.authorization;
        if (r.body.contentType) headers['content-type'] = r.body.contentType;
        const pre = MUTATING.has(route.method) ? await snap.snapshot() : undefined;
        const res = await t.app.inject({ method: route.method, url, headers, ...(r.body.payload !== undefined ? { payload: r.body.payload } : {}) });
        report.requests++;
        report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1;
        // A parameter of '..' makes the request another route's (the URL is normalised): only requests this route answers count.
        const reachesRoute = !path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
        const v = violation(res) ?? (route.authenticated && !r.authorization && reachesRoute ? anonymousViolation(res) : undefined);
        if (v) throw new Error(`${route.method} ${url.slice(0, 300)} [${r.body.label}]: ${v}`);
        if (pre) {
          if (res.statusCode >= 300) {
            const changed = snap.diff(pre, await snap.snapshot());
            if (changed.length) throw new Error(`${route.method} ${url.slice(0, 300)} [${r.body.label}] answered ${res.statusCode} but changed ${changed.join(', ')}`);
          } else if (!report.accepted.includes(`${route.method} ${route.url}`)) report.accepted.push(`${route.method} ${route.url}`);
        }
      }), { seed, numRuns: opts.runsPerRoute, endOnFailure: false });
      if (result.failed) {
        const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        report.failures.push(`${t.name} ${route.method} ${route.url} (seed ${seed}, path ${result.counterexamplePath ?? ''}): ${error.slice(0, 600)}`);
      }
      if (before) {
        const changed = snap.diff(before, await snap.snapshot());
        if (changed.length) report.failures.push(`${t.name} ${route.method} ${route.url} (seed ${seed}): reads changed ${changed.join(', ')}`);
      }
    }
    // The triggers that tell the snapshotter about writes are on the tables there at the start.
    const added = await snap.newTables();
    if (added.length) report.failures.push(`${t.name}: tables created while fuzzing, not checksummed: ${added.join(', ')}`);
  } finally {
    await snap.close();
  }
  report.ms = Date.now() - started;
  return report;
}

export function summary(r: FuzzReport): string {
  const st = Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ');
  return `${r.service}: ${r.routes} routes (${r.protectedRoutes} protected), ${r.requests} requests in ${(r.ms / 1000).toFixed(1)} s [${st}], ${r.snapshots.snapshots} snapshots (${r.snapshots.hashed} hashed)${r.accepted.length ? `; accepted (2xx) on ${r.accepted.join(', ')}` : ''}`;
}
