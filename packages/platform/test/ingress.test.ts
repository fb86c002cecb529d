/**
 * The zone ingress (issue 20): it answers an upload over a service's limit with 413 problem+json
 * (not "write EPIPE"), handles `Expect: 100-continue`, never answers with the proxy's internal text, and
 * sets X-Forwarded-For from the address it saw, so identity (trusting the loopback ingress only)
 * limits logins per citizen address instead of one limit for the whole zone.
 */
import http from 'node:http';
import { Writable } from 'node:stream';
import { buildHttpApp, type HttpApp } from '../../http/src/index.js';
import { createLogger } from '../../logging/src/index.js';
import { startIngress } from '../src/ingress.js';
import { startIdentity } from '../../../services/identity/test/helpers.js';

type Identity = Awaited<ReturnType<typeof startIdentity>>;
let identity: Identity;
let front: HttpApp;
let ingress: { url: string; close(): Promise<void> };

interface Answer { status: number; type: string; body: string }

/** One request from a chosen loopback address, optionally with Expect: 100-continue. */
function send(path: string, opts: { from?: string; body?: Buffer | string; contentType?: string; expectContinue?: boolean; method?: string } = {}): Promise<Answer> {
  const url = new URL(path, ingress.url);
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method: opts.method ?? (body ? 'POST' : 'GET'), localAddress: opts.from ?? '127.0.0.1', agent: false,
      headers: { ...(body ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(body.length) } : {}), ...(opts.expectContinue ? { expect: '100-continue' } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }));
    });
    // A service may answer (413) before the whole body is written; the client's write then fails, the answer does not.
    req.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err); });
    if (opts.expectContinue) req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

beforeAll(async () => {
  identity = await startIdentity('public', { LOGIN_RATE_PER_IP: '3', LOGIN_RATE_PER_USER: '50' });
  const destination = new Writable({ write(_c, _e, cb) { cb(); } });
  // The front service: the shared app factory every service is built with, 1 MiB body limit.
  front = await buildHttpApp({ service: 'front', logger: createLogger({ service: 'front', destination }), trustProxy: ['loopback'] });
  front.post('/v1/upload', async (req: { body: unknown; ip: string }) => ({ received: Buffer.byteLength(JSON.stringify(req.body)), ip: req.ip }));
  await front.listen({ host: '127.0.0.1', port: 0 });
  ingress = await startIngress({ identityUrl: identity.svc.url, frontUrl: `http://127.0.0.1:${(front.server.address() as { port: number }).port}` });
}, 90_000);
afterAll(async () => { await ingress?.close(); await front?.close(); await identity?.close(); }, 60_000);

describe('zone ingress', () => {
  it('should answer an upload over the service limit with 413 problem+json, not the broken pipe', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(3 * 1024 * 1024) });
    const r = await send('/v1/upload', { body: big });
    expect(r.status).toBe(413);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'payload_too_large' });
    expect(r.body).not.toMatch(/EPIPE|ECONNRESET|socket/i);
  });

  it('should handle Expect: 100-continue, for a small body and for one over the limit', async () => {
    const ok = await send('/v1/upload', { body: '{"a":1}', expectContinue: true });
    expect([ok.status, JSON.parse(ok.body).received]).toEqual([200, 7]);
    const big = await send('/v1/upload', { body: JSON.stringify({ data: 'x'.repeat(2 * 1024 * 1024) }), expectContinue: true });
    expect([big.status, JSON.parse(big.body).code]).toEqual([413, 'payload_too_large']);
    expect(big.body).not.toMatch(/expect header|not supported/i);
  });

  it('should set X-Forwarded-For from the address it saw, replacing what the client sent', async () => {
    const r = await send('/v1/upload', { body: '{"a":1}', from: '127.0.0.3' });
    expect(JSON.parse(r.body).ip).toBe('127.0.0.3');
  });

  it('should limit logins per client address, not per ingress: one address at its limit leaves the other free', async () => {
    const login = (from: string, i: number) => send('/auth/v1/auth/login', { from, body: JSON.stringify({ username: `nobody${i}`, password: 'Wrong#Pass1' }) });
    const a: number[] = [];
    for (let i = 0; i < 4; i++) a.push((await login('127.0.0.2', i)).status);
    expect(a).toEqual([401, 401, 401, 429]);
    const b = await login('127.0.0.4', 9);
    expect(b.status).toBe(401);
  });

  it("should answer problem+json 502, not the proxy's text, when the service is gone", async () => {
    const gone = await startIngress({ identityUrl: 'http://127.0.0.1:9', frontUrl: 'http://127.0.0.1:9' });
    try {
      const r = await new Promise<Answer>((resolve, reject) => {
        http.get(`${gone.url}/v1/anything`, (res) => { let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: b })); }).on('error', reject);
      });
      expect([r.status, r.type.startsWith('application/problem+json'), JSON.parse(r.body).code]).toEqual([502, true, 'bad_gateway']);
      expect(r.body).not.toMatch(/ECONNREFUSED|connect/);
    } finally { await gone.close(); }
  });
});
