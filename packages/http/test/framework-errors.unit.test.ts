/**
 * Refusals made before any route runs — the router's (a path that does not percent-decode, a path
 * parameter over the length limit) and Node's HTTP parser's (CR/LF in a header, smuggling, header
 * overflow) — are problem+json like every other 4xx; U+0000 anywhere in the input is a 400. Found by the bad-input suite (docs/quality.md).
 */
import net from 'node:net';
import { createLogger } from '@hall/logging';
import { buildHttpApp, registeredRoutes, type HttpApp } from '../src/index.js';

let app: HttpApp;
let port = 0;
beforeAll(async () => {
  app = await buildHttpApp({ service: 'test', logger: createLogger({ service: 'test', level: 'silent' }) });
  app.get('/v1/things/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  await app.register(async (child) => { child.post('/v1/nested', async () => ({ ok: true })); });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as net.AddressInfo).port;
});
afterAll(async () => { await app.close(); });

function raw(request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    let data = '';
    sock.on('data', (c) => { data += c.toString('utf8'); });
    sock.on('error', () => {});
    sock.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
    sock.write(request);
  });
}

describe('refusals before routing', () => {
  it('answers a path that does not percent-decode with a 400 problem', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/things/%ZZ' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: 'bad_url', status: 400, title: '请求地址不合法' });
  });

  it('answers an over-long path parameter with a 414 problem', async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/things/${'a'.repeat(500)}` });
    expect(r.statusCode).toBe(414);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: 'uri_too_long', status: 414 });
  });

  it.each([
    ['a bare CR in a header value', 'GET /v1/things/1 HTTP/1.1\r\nHost: x\r\nX-A: a\rSet-Cookie: x=1\r\n\r\n', 400, 'bad_request'],
    ['Content-Length with Transfer-Encoding', 'POST /v1/nested HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'bad_request'],
    ['headers over the limit', `GET /v1/things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('answers %s on the raw socket with a problem', async (_what, request, status, code) => {
    const r = await raw(request);
    expect(r.status).toBe(status);
    expect(r.head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ code, status });
  });
});

describe('NUL characters', () => {
  it.each([
    ['a path parameter', { method: 'GET' as const, url: '/v1/things/a%00b' }],
    ['a query value', { method: 'GET' as const, url: '/v1/things/1?q=%00' }],
    ['a JSON body string', { method: 'POST' as const, url: '/v1/nested', headers: { 'content-type': 'application/json' }, payload: '{"a":{"b":["x\\u0000y"]}}' }],
    ['a JSON body key', { method: 'POST' as const, url: '/v1/nested', headers: { 'content-type': 'application/json' }, payload: '{"a\\u0000":1}' }],
  ])('refuses U+0000 in %s with a 400 problem', async (_what, req) => {
    const r = await app.inject(req);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'nul_character', status: 400 });
  });

  it('lets everything else through', async () => {
    expect((await app.inject({ method: 'GET', url: `/v1/things/${encodeURIComponent('周梦婕\u200b')}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/nested', headers: { 'content-type': 'application/json' }, payload: '{"a":"\\u0001 𠀀"}' })).statusCode).toBe(200);
  });
});

describe('registeredRoutes', () => {
  it('lists every route, in child plugins too', () => {
    const routes = registeredRoutes(app).map((r) => `${r.method} ${r.url}`);
    expect(routes).toEqual(expect.arrayContaining(['GET /v1/things/:id', 'POST /v1/nested', 'GET /health']));
  });
});
