import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@hall/logging';
import { serveUi, buildHttpApp, Problems, ProblemError, ProblemSchema, StrictObject, Type, type HttpApp, type HttpPlugin } from '../src/index.js';

function captureLogs(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { lines, logger: createLogger({ service: 'test', level, destination }) };
}

const SECRET = 'db password is hunter2 at 10.0.0.5';

async function build(opts: { readiness?: Record<string, () => Promise<unknown>>; level?: string; readinessTimeoutMs?: number } = {}) {
  const { lines, logger } = captureLogs(opts.level);
  const app: HttpApp = await buildHttpApp({ service: 'declaration', logger, bodyLimit: 1024, ...opts });
  const Applicant = StrictObject({ name: Type.String({ minLength: 1 }), age: Type.Integer({ minimum: 0 }) });
  app.post('/applicants', {
    schema: { body: Applicant, response: { 201: Type.Object({ name: Type.String(), age: Type.Integer() }), '4xx': ProblemSchema } },
  }, async (request, reply) => reply.code(201).send(request.body));
  app.get('/cases/:id', {
    schema: { params: StrictObject({ id: Type.String({ pattern: '^C\\d+$' }) }) },
  }, async (request) => {
    throw Problems.conflict('case_already_accepted', '该办件已受理', `办件 ${request.params.id} 已受理，不能重复受理`, { extra: { caseId: request.params.id } });
  });
  // An encapsulated child plugin keeps the TypeBox typing when annotated as HttpPlugin.
  const search: HttpPlugin<{ prefix: string }> = async (child) => {
    child.get('/search', { schema: { querystring: StrictObject({ q: Type.String(), page: Type.Integer({ minimum: 1, default: 1 }) }) } },
      async (request) => ({ q: request.query.q.trim(), page: request.query.page }));
  };
  await app.register(search, { prefix: '/v1' });
  app.get('/boom', async () => { throw new Error(SECRET); });
  app.get('/boom-async', async () => { await Promise.resolve(); throw new TypeError(SECRET); });
  // Shaped like @hall/storage's StorageUnavailableError and Prisma's PrismaClientKnownRequestError.
  app.get('/storage-down', async () => { throw Object.assign(new Error(`store unreachable: ${SECRET}`), { name: 'StorageUnavailableError', code: 'storage_unavailable' }); });
  app.get('/db-busy/:code', async (request) => {
    throw Object.assign(new Error(`Transaction API error: ${SECRET}`), { name: 'PrismaClientKnownRequestError', code: (request.params as { code: string }).code });
  });
  app.get('/versions/:version', { schema: { params: StrictObject({ version: Type.Integer({ minimum: 1 }) }), querystring: StrictObject({ n: Type.Optional(Type.Integer({ maximum: 10 })), big: Type.Optional(Type.Integer({ maximum: 1e12 })) }) } },
    async (request) => ({ version: request.params.version, big: request.query.big ?? null }));
  app.get('/page', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><title>办事指南</title>'));
  app.get('/teapot', async () => { throw Object.assign(new Error('I am a teapot'), { statusCode: 418 }); });
  await app.ready();
  return { app, lines };
}

function problem(res: { headers: Record<string, unknown>; body: string }) {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return JSON.parse(res.body) as Record<string, unknown>;
}

describe('buildHttpApp', () => {
  let app: HttpApp;
  let lines: Record<string, unknown>[];
  beforeEach(async () => ({ app, lines } = await build()));
  afterEach(async () => { await app.close(); });

  it('accepts a valid body', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', payload: { name: '张三', age: 30 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: '张三', age: 30 });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', headers: { 'content-type': 'application/json' }, payload: '{"name": "张三",' });
    expect(res.statusCode).toBe(400);
    expect(problem(res)).toMatchObject({ type: 'https://hall.gov.cn/problems/malformed_json', code: 'malformed_json', status: 400, instance: '/applicants' });
  });

  it('rejects an unknown property instead of stripping it', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', payload: { name: '张三', age: 30, isAdmin: true } });
    expect(res.statusCode).toBe(400);
    const body = problem(res);
    expect(body).toMatchObject({ code: 'validation_failed', title: '请求参数校验失败', status: 400 });
    expect(body.errors).toEqual([{ field: '/body/isAdmin', message: '不允许的字段' }]);
  });

  it('rejects a value of the wrong type, naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', payload: { name: '张三', age: { years: 30 } } });
    expect(res.statusCode).toBe(400);
    expect(problem(res).errors).toEqual([{ field: '/body/age', message: '类型应为 integer' }]);
  });

  it('does not coerce body scalars: a number for a string or a string for an integer is a 400', async () => {
    for (const payload of [{ name: 123, age: 30 }, { name: '张三', age: '30' }, { name: null, age: 30 }]) {
      const res = await app.inject({ method: 'POST', url: '/applicants', payload });
      expect(res.statusCode).toBe(400);
      expect(problem(res).code).toBe('validation_failed');
    }
  });

  it('applies querystring defaults and coercion in an encapsulated plugin', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/search?q=%20营业执照%20' });
    expect(res.json()).toEqual({ q: '营业执照', page: 1 });
    expect((await app.inject({ method: 'GET', url: '/v1/search?q=a&page=2' })).json()).toEqual({ q: 'a', page: 2 });
    expect((await app.inject({ method: 'GET', url: '/v1/search?q=a&sort=asc' })).statusCode).toBe(400);
  });

  it('reports a missing required property at its own path', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', payload: { age: 30 } });
    expect(problem(res).errors).toEqual([{ field: '/body/name', message: '缺少必填字段' }]);
  });

  it('validates params with the request part in the field path', async () => {
    const res = await app.inject({ method: 'GET', url: '/cases/X1' });
    expect(res.statusCode).toBe(400);
    expect(problem(res).errors).toEqual([{ field: '/params/id', message: '格式不正确' }]);
  });

  it('answers an oversize body with 413 payload_too_large', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', payload: { name: 'x'.repeat(2048), age: 1 } });
    expect(res.statusCode).toBe(413);
    expect(problem(res)).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await app.inject({ method: 'POST', url: '/applicants', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(res.statusCode).toBe(415);
    expect(problem(res)).toMatchObject({ code: 'unsupported_media_type', status: 415 });
  });

  it('turns a thrown ProblemError into its status, code, detail and extra members', async () => {
    const res = await app.inject({ method: 'GET', url: '/cases/C42' });
    expect(res.statusCode).toBe(409);
    expect(problem(res)).toEqual({
      type: 'https://hall.gov.cn/problems/case_already_accepted',
      title: '该办件已受理',
      status: 409,
      code: 'case_already_accepted',
      detail: '办件 C42 已受理，不能重复受理',
      instance: '/cases/C42',
      requestId: res.headers['x-request-id'],
      caseId: 'C42',
    });
  });

  it.each(['/boom', '/boom-async'])('answers a plain Error from %s with a bare 500 and logs it', async (url) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('at '); // no stack frames
    expect(problem(res)).toEqual({
      type: 'https://hall.gov.cn/problems/internal_error', title: '服务器内部错误', status: 500, code: 'internal_error',
      instance: url, requestId: res.headers['x-request-id'],
    });
    const logged = lines.find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({ level: 50, reqId: res.headers['x-request-id'], url });
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('answers an object store outage with 503 storage_unavailable and Retry-After, logged as a warning', async () => {
    const res = await app.inject({ method: 'GET', url: '/storage-down' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(problem(res)).toMatchObject({ code: 'storage_unavailable', status: 503, title: '文件存储服务暂不可用，请稍后再试' });
    expect(res.body).not.toContain('hunter2');
    expect(lines.find((l) => l.msg === 'dependency unavailable')).toMatchObject({ level: 40, code: 'storage_unavailable' });
    expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false);
  });

  it.each(['P2024', 'P2028', 'P2034', 'P1001'])('answers the transient Prisma error %s with 503 database_busy', async (code) => {
    const res = await app.inject({ method: 'GET', url: `/db-busy/${code}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(problem(res)).toMatchObject({ code: 'database_busy', status: 503, title: '系统繁忙，请稍后再试' });
    expect(res.body).not.toContain('hunter2');
  });

  it('keeps other Prisma errors (a bug, e.g. P2002 unhandled) a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/db-busy/P2002' });
    expect(res.statusCode).toBe(500);
    expect(problem(res)).toMatchObject({ code: 'internal_error' });
  });

  it.each(['1e309', '3000000000', '-1', '1.5'])('refuses the integer %s outside a route\'s bounds or the 32-bit default with 400', async (v) => {
    const res = await app.inject({ method: 'GET', url: `/versions/${v}` });
    expect(res.statusCode).toBe(400);
    expect(problem(res)).toMatchObject({ code: 'validation_failed' });
  });

  it('keeps a route\'s own integer bounds and accepts values inside them', async () => {
    expect((await app.inject({ method: 'GET', url: '/versions/2147483647?big=999999999999' })).json()).toEqual({ version: 2147483647, big: 999999999999 });
    expect((await app.inject({ method: 'GET', url: '/versions/1?n=-3000000000' })).statusCode).toBe(400);
  });

  it('passes other framework 4xx through with a generic code', async () => {
    const res = await app.inject({ method: 'GET', url: '/teapot' });
    expect(res.statusCode).toBe(418);
    expect(problem(res)).toMatchObject({ code: 'client_error', status: 418 });
    expect(res.body).not.toContain('I am a teapot');
  });

  it('answers an unknown route with 404 route_not_found', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(res.statusCode).toBe(404);
    expect(problem(res)).toMatchObject({ code: 'route_not_found', status: 404, instance: '/nowhere?x=1', detail: '未找到接口 GET /nowhere' });
  });

  it('echoes a valid x-request-id and uses it as the problem requestId and log reqId', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'gw-2026.11.26_abc-1' } });
    expect(res.headers['x-request-id']).toBe('gw-2026.11.26_abc-1');
    expect(problem(res).requestId).toBe('gw-2026.11.26_abc-1');
    expect(lines.some((l) => l.reqId === 'gw-2026.11.26_abc-1')).toBe(true);
  });

  it.each([['too long', 'a'.repeat(65)], ['bad characters', 'abc def<script>'], ['empty', '']])('replaces an x-request-id that is %s with a uuid', async (_why, id) => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('binds a valid x-correlation-id onto request.log and ignores an invalid one', async () => {
    app.log.info('boot'); // unrelated line, to show the binding is per request
    await app.inject({ method: 'POST', url: '/applicants', headers: { 'x-correlation-id': 'APP-20261126-0001' }, payload: { name: '张三', age: 1 } });
    const reqLines = lines.filter((l) => l.reqId !== undefined);
    expect(reqLines.length).toBeGreaterThan(0);
    expect(reqLines.every((l) => l.correlationId === 'APP-20261126-0001')).toBe(true);
    lines.length = 0;
    await app.inject({ method: 'POST', url: '/applicants', headers: { 'x-correlation-id': 'x'.repeat(100) }, payload: { name: '张三', age: 1 } });
    expect(lines.some((l) => 'correlationId' in l)).toBe(false);
  });

  it('sends the API set of helmet security headers on JSON answers, errors too, and the full set on documents', async () => {
    for (const url of ['/health', '/boom', '/nowhere']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'self'");
      expect(res.headers['origin-agent-cluster']).toBeUndefined();
    }
    const page = await app.inject({ method: 'GET', url: '/page' });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("object-src 'none'");
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['origin-agent-cluster']).toBe('?1');
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('answers /health without running readiness checks and keeps it out of info logs', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', service: 'declaration' });
    expect(lines.filter((l) => l.reqId === res.headers['x-request-id'])).toEqual([]);
  });
});

describe('serveUi', () => {
  it('gives a UI\'s pages the CSP directives it asks for (the console\'s blob: previews) and leaves its other files and the API alone', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>审批工作台</title>');
    fs.writeFileSync(path.join(root, 'app.js'), 'export {};');
    const app: HttpApp = await buildHttpApp({ service: 'approval', logger: captureLogs().logger });
    app.get('/v1/ping', async () => ({ ok: true }));
    await serveUi(app, root, { csp: { 'img-src': ["'self'", 'data:', 'blob:'], 'object-src': ['blob:'], 'frame-src': ["'self'", 'blob:'] } });
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain('object-src blob:');
      expect(csp).toContain("frame-src 'self' blob:");
      // helmet's other defaults stay.
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect((await app.inject({ method: 'GET', url: '/app.js' })).headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'self'");
      // The shared sign-in module every UI imports.
      const lib = await app.inject({ method: 'GET', url: '/lib/session.js' });
      expect(lib.statusCode).toBe(200);
      expect(lib.headers['content-type']).toMatch(/javascript/);
      expect(lib.body).toContain('export function createSession');
      expect((await app.inject({ method: 'GET', url: '/v1/ping' })).headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'self'");
    } finally {
      await app.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps helmet\'s default page CSP (no blob:, object-src none) for a UI that asks for nothing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>门户</title>');
    const app: HttpApp = await buildHttpApp({ service: 'declaration', logger: captureLogs().logger });
    await serveUi(app, root);
    try {
      const csp = (await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'] as string;
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('blob:');
    } finally {
      await app.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('GET /ready', () => {
  it('answers 200 with every check ok', async () => {
    const { app } = await build({ readiness: { database: async () => 1, nats: async () => undefined } });
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', nats: 'ok' } });
    await app.close();
  });

  it('answers 503 not_ready naming the failing check', async () => {
    const { app } = await build({
      readiness: { database: async () => 1, nats: async () => { throw new Error('connection refused'); }, sync: () => { throw new Error('thrown synchronously'); } },
    });
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(problem(res)).toMatchObject({ code: 'not_ready', status: 503, checks: { database: 'ok', nats: 'connection refused', sync: 'thrown synchronously' } });
    await app.close();
  });

  it('fails a check that does not answer within the timeout', async () => {
    const { app } = await build({ readinessTimeoutMs: 50, readiness: { slow: () => new Promise(() => {}) } });
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(problem(res).checks).toEqual({ slow: 'timed out after 50 ms' });
    await app.close();
  });

  it('logs probe requests at debug only', async () => {
    const { app, lines } = await build({ level: 'debug' });
    const res = await app.inject({ method: 'GET', url: '/ready' });
    const mine = lines.filter((l) => l.reqId === res.headers['x-request-id']);
    expect(mine.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(mine.every((l) => l.level === 20)).toBe(true);
    await app.close();
  });
});

describe('ProblemError', () => {
  it('refuses a non-error status', () => {
    expect(() => new ProblemError(200, 'ok', '成功')).toThrow(RangeError);
  });
  it('exposes statusCode for fastify and third-party handlers', () => {
    expect(Problems.notFound('case_not_found', '办件不存在').statusCode).toBe(404);
  });
  it('builds each factory with its status', () => {
    const statuses = Object.values(Problems).map((make) => make('c', '标题').status);
    expect(statuses).toEqual([400, 401, 403, 404, 409, 422, 429, 503]);
  });
});

describe('request loggers made on first use (lazy-logger.ts)', () => {
  it('below the level writes nothing; at the level the line carries reqId and correlationId, also from a child and after a level change', async () => {
    const { lines, logger } = captureLogs('warn');
    const app: HttpApp = await buildHttpApp({ service: 'declaration', logger });
    app.get('/work', async (request) => {
      request.log.info('quiet');
      request.log.warn({ step: 1 }, 'loud');
      request.log.child({ part: 'materials' }).error('nested');
      const before = request.log.level;
      request.log.level = 'info';
      request.log.info('now heard');
      const bindings = (request.log as unknown as { bindings(): Record<string, unknown> }).bindings();
      return { before, after: request.log.level, debug: (request.log as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled('debug'), bindings };
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/work', headers: { 'x-request-id': 'lazy-1', 'x-correlation-id': 'APP-1' } });
      expect(res.json()).toMatchObject({ before: 'warn', after: 'info', debug: false, bindings: { reqId: 'lazy-1', correlationId: 'APP-1' } });
      const mine = lines.filter((l) => l.reqId === 'lazy-1');
      // 'request completed' too: the request's logger is at info from then on, as a pino child would be.
      expect(mine.map((l) => l.msg)).toEqual(['loud', 'nested', 'now heard', 'request completed']);
      expect(mine.every((l) => l.correlationId === 'APP-1')).toBe(true);
      expect(mine[0]).toMatchObject({ step: 1, level: 40 });
      expect(mine[1]).toMatchObject({ part: 'materials', level: 50 });
      expect(logger.level).toBe('warn'); // the level change stayed on the request's child
    } finally {
      await app.close();
    }
  });
});
