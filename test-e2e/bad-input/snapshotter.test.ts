/**
 * The bad-input harness's own check, against a real Postgres: the snapshotter sees every committed
 * change of a checksummed table (also one committed after a hash it answered from its cache), and
 * fuzzService reports a refused request that wrote a row, and a read route that wrote one; it
 * finds a service's protected routes and reports one that answers an anonymous caller with
 * anything but 401 (issue 20: validation before authentication).
 */
import pg from 'pg';
import { authPlugin, generateSigningKey, requireRealm } from '@hall/auth';
import { buildHttpApp, StrictObject, Type } from '@hall/http';
import { createTestDatabase, type TestDatabase } from '@hall/testkit';
import { createLogger } from '../../packages/logging/src/index.js';
import { fuzzService, routesOf, snapshotter, type Injector } from '../src/fuzz.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ prefix: 'fuzzsnap' });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE TABLE thing (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE outbox (id uuid PRIMARY KEY, type text NOT NULL, subject text NOT NULL, payload jsonb NOT NULL, published_at timestamptz);
    CREATE TABLE call_log (id serial PRIMARY KEY);
    INSERT INTO thing (name) VALUES ('周梦婕');
    INSERT INTO outbox (id, type, subject, payload) VALUES ('6f1c2a52-2d7e-4d53-9a43-2b1d0f0c1a01', 'x', 'hall.x', '{}')`);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('snapshotter', () => {
  it('hashes again only after a committed write, and then sees it', async () => {
    const snap = await snapshotter(db.url, ['call_log']);
    try {
      const s0 = await snap.snapshot();
      expect(Object.keys(s0).sort()).toEqual(['outbox', 'thing']);
      expect(snap.diff(s0, await snap.snapshot())).toEqual([]);
      expect(snap.stats).toEqual({ snapshots: 2, hashed: 1 });

      await client.query(`INSERT INTO thing (name) VALUES ('刘代办')`);
      const s1 = await snap.snapshot();
      expect(snap.diff(s0, s1)).toEqual(['thing']);

      // Rows of an ignored table, and outbox columns outside the checksum, are no change.
      await client.query('INSERT INTO call_log DEFAULT VALUES');
      await client.query('UPDATE outbox SET published_at = now()');
      expect(snap.diff(s1, await snap.snapshot())).toEqual([]);
      await client.query(`UPDATE outbox SET payload = '{"a":1}'`);
      const s2 = await snap.snapshot();
      expect(snap.diff(s1, s2)).toEqual(['outbox']);

      // A write in flight while a snapshot is taken: not seen then, seen once committed (the
      // snapshot answered from the cache in between must not hide it).
      await client.query('BEGIN');
      await client.query(`UPDATE thing SET name = '王受理' WHERE id = 1`);
      expect(snap.diff(s2, await snap.snapshot())).toEqual([]);
      await client.query('COMMIT');
      const s3 = await snap.snapshot();
      expect(snap.diff(s2, s3)).toEqual(['thing']);

      // Rolled back: no change. Deleted and truncated: a change.
      await client.query('BEGIN');
      await client.query('DELETE FROM thing');
      await client.query('ROLLBACK');
      expect(snap.diff(s3, await snap.snapshot())).toEqual([]);
      await client.query('DELETE FROM thing WHERE id = 1');
      const s4 = await snap.snapshot();
      expect(snap.diff(s3, s4)).toEqual(['thing']);
      await client.query('TRUNCATE thing');
      expect(snap.diff(s4, await snap.snapshot())).toEqual(['thing']);

      await client.query('CREATE TABLE later (id int)');
      expect(await snap.newTables()).toEqual(['later']);
      await client.query('DROP TABLE later');
    } finally { await snap.close(); }
  });

  it('fuzzService reports a refused request that wrote a row, and a read route that wrote one', async () => {
    const problem = (status: number) => ({ statusCode: status, headers: { 'content-type': 'application/problem+json; charset=utf-8' }, body: JSON.stringify({ type: 'about:blank', status, code: 'request.invalid', title: '请求无效' }) });
    const calls: Record<string, number> = {};
    const app: Injector = {
      async inject(o) {
        const route = `${o.method} ${o.url.split('?')[0]}`;
        calls[route] = (calls[route] ?? 0) + 1;
        // Refused, but its third call writes a row first.
        if (route === 'POST /v1/leaky') {
          if (calls[route] === 3) await client.query(`INSERT INTO thing (name) VALUES ('泄漏')`);
          return problem(400);
        }
        // A read route whose fifth call changes a checksummed column.
        if (route === 'GET /v1/counted') {
          if (calls[route] === 5) await client.query(`UPDATE outbox SET subject = 'hall.y'`);
          return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
        }
        return problem(400);
      },
    };
    const report = await fuzzService({
      name: 'harness', app, databaseUrl: db.url, authorizations: [''], ignoreTables: ['call_log'],
      routes: [
        { method: 'POST', url: '/v1/leaky', schema: {} },
        { method: 'GET', url: '/v1/counted', schema: {} },
        { method: 'POST', url: '/v1/tight', schema: {} },
      ],
    }, { seed: 1, runsPerRoute: 20 });
    expect(report.failures).toHaveLength(2);
    expect(report.failures[0]).toMatch(/^harness GET \/v1\/counted \(seed 1\): reads changed outbox$/);
    expect(report.failures[1]).toMatch(/^harness POST \/v1\/leaky .*answered 400 but changed thing/);
    // Hashed at the start, after the leaky write, and after the read route's write; else cached.
    expect(report.snapshots.hashed).toBe(3);
    expect(report.snapshots.snapshots).toBeGreaterThan(2 * 40);
  });
});

describe('protected routes', () => {
  it('routesOf marks the routes that authenticate before validation, and only those', async () => {
    const key = generateSigningKey('EdDSA');
    const app = await buildHttpApp({ service: 'fuzz-harness', logger: createLogger({ service: 'fuzz-harness', level: 'silent' }) });
    try {
      await app.register(authPlugin, { publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], issuer: 'https://id.extranet.hall.gov.cn', audience: 'hall-extranet' });
      const body = StrictObject({ reason: Type.String() });
      app.post('/v1/guarded', { preHandler: [app.authenticate, requireRealm('staff')], schema: { body } }, async () => ({}));
      app.get('/v1/mine', { preHandler: app.authenticate }, async () => ({}));
      app.post('/v1/public', { schema: { body } }, async () => ({}));
      await app.ready();
      const marked = Object.fromEntries(routesOf(app).filter((r) => r.url.startsWith('/v1/')).map((r) => [`${r.method} ${r.url}`, r.authenticated]));
      expect(marked).toEqual({ 'POST /v1/guarded': true, 'GET /v1/mine': true, 'POST /v1/public': false });
    } finally { await app.close(); }
  });

  it('fuzzService reports a protected route that answers an anonymous caller with its schema errors', async () => {
    const answer = (status: number, p: object) => ({ statusCode: status, headers: { 'content-type': 'application/problem+json; charset=utf-8' }, body: JSON.stringify({ type: 'about:blank', status, title: '请求无效', ...p }) });
    const app: Injector = {
      async inject(o) {
        if (o.url.startsWith('/v1/late')) return answer(400, { code: 'validation_failed', errors: [{ field: '/reason', message: '必填' }] });
        return answer(401, { code: 'unauthenticated', title: '未登录或登录已过期' });
      },
    };
    const report = await fuzzService({
      name: 'harness', app, databaseUrl: db.url, authorizations: [''],
      routes: [{ method: 'POST', url: '/v1/late/:id', schema: {}, authenticated: true }, { method: 'POST', url: '/v1/early/:id', schema: {}, authenticated: true }],
    }, { seed: 1, runsPerRoute: 5 });
    expect(report.protectedRoutes).toBe(2);
    expect(report.failures).toEqual([
      expect.stringMatching(/^harness POST \/v1\/late\/:id: anonymous caller of a protected route answered 400/),
      expect.stringMatching(/^harness POST \/v1\/late\/:id \(seed \d+, .*anonymous caller of a protected route answered 400/),
    ]);
  });
});
