/**
 * Circuit breakers on the calls into other services: with the real certificate service stopped,
 * calls fail with 503 and, once the breaker is open, fail fast without trying; after the service is
 * started again on the same port, calls succeed again without restarting exchange. A service that
 * accepts connections but never answers is cut off by the timeout.
 */
import net from 'node:net';
import { freePort } from '@hall/testkit';
import { startExchange, issueCertificate, waitFor, type Harness } from './helpers.js';

let h: Harness;
let hanging: net.Server;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  // Accepts and never answers: the approval side of this test.
  const port = await freePort();
  hanging = net.createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => hanging.listen(port, '127.0.0.1', r));
  h = await startExchange({ with: ['certificate'], env: { APPROVAL_URL: `http://127.0.0.1:${port}`, UPSTREAM_TIMEOUT_MS: '1000', BREAKER_VOLUME: '3' } });
}, 120_000);
afterAll(async () => {
  await h?.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => hanging?.close(r));
}, 60_000);

const timed = async (url: string, headers: Record<string, string>) => {
  const t0 = Date.now();
  const r = await h.exchange.app.inject({ method: 'GET', url, headers });
  return { r, ms: Date.now() - t0 };
};

describe('exchange circuit breakers', () => {
  it('should fail fast with 503 while the certificate service is down and recover after it restarts, without restarting exchange', async () => {
    const cert = h.downstream.certificate!;
    const id = await issueCertificate(h, 'acct-breaker');
    const client = h.client(['certificate:verify']);
    const url = `/v1/certificates/${id}/verify`;
    // Warm the certificate service's query plans first, so a slow first query on a loaded machine is not taken for an outage.
    await cert.svc!.app.inject({ method: 'GET', url, headers: h.staff(['staff']) });
    expect((await timed(url, client)).r.statusCode).toBe(200);
    const exchangeApp = h.exchange.app;

    await cert.stop();
    // The first failures are real attempts (connection refused); once they pass the threshold the breaker opens.
    const reasons: string[] = [];
    while (reasons.at(-1) !== 'circuit_open' && reasons.length < 10) {
      const { r } = await timed(url, client);
      expect(r.statusCode).toBe(503);
      reasons.push(r.json().reason);
    }
    expect(reasons[0]).toBe('unreachable');
    expect(reasons.at(-1)).toBe('circuit_open');
    expect(reasons.length).toBeLessThanOrEqual(4);
    const open = await timed(url, client);
    expect(open.r.statusCode).toBe(503);
    expect(open.r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(open.r.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'certificate', reason: 'circuit_open', title: '依赖的业务系统暂不可用，请稍后再试' });
    expect(Number(open.r.headers['retry-after'])).toBeGreaterThan(0);
    expect(open.ms).toBeLessThan(500); // no attempt: far below the 1000 ms timeout

    await cert.start();
    expect(cert.svc!.url).toBe(`http://127.0.0.1:${cert.port}`);
    // The breaker probes the service by itself once its reset period has passed.
    const back = await waitFor(async () => { const { r } = await timed(url, client); return r.statusCode === 200 && r; }, 15_000, 200);
    expect(back.json()).toMatchObject({ id, status: 'valid', signatureValid: true });
    expect(h.exchange.app).toBe(exchangeApp);
  }, 60_000);

  it('should cut off a service that does not answer: 503 after the timeout, then at once', async () => {
    const client = h.client(['case:status']);
    const url = '/v1/cases/GY-WJW-20261126-000001/status';
    for (let i = 0; i < 3; i++) {
      const { r, ms } = await timed(url, client);
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ upstream: 'approval', reason: 'timeout' });
      expect(ms).toBeGreaterThanOrEqual(900);
    }
    const { r, ms } = await timed(url, client);
    expect(r.json().reason).toBe('circuit_open');
    expect(ms).toBeLessThan(500);
  }, 30_000);
});
