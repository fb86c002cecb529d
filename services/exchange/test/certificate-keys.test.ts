/** The published e-certificate keys (no token) and verification by QR payload through the exchange API. */
import { verifyCertificateFile } from '@hall/ecert';
import { startExchange, issueCertificate, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => { h = await startExchange({ with: ['certificate'] }); }, 90_000);
afterAll(async () => { await h?.close(); }, 30_000);

describe('certificate keys and QR verification through the exchange', () => {
  it('should publish the signing keys without a token, and they check a certificate file offline', async () => {
    const id = await issueCertificate(h, 'acct-keys-1');
    const r = await h.exchange.app.inject({ method: 'GET', url: '/v1/certificate-keys' });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toMatch(/PRIVATE|privateKey/);
    const keys = r.json();
    expect(keys.keys.length).toBeGreaterThan(0);
    expect(keys.keys[0]).toMatchObject({ kty: 'EC', crv: 'SM2', alg: 'SM2-SM3', department: 'gy-wjw', active: true });
    const certificate = h.downstream.certificate!.svc!;
    const file = (await certificate.app.inject({ method: 'GET', url: `/v1/certificates/${encodeURIComponent(id)}/file`, headers: h.staff(['staff']) })).json();
    expect(verifyCertificateFile(file, keys)).toEqual({ valid: true, reason: 'ok' });
  });

  it('should verify by QR payload for a client with certificate:verify, and refuse a wrong check character', async () => {
    const id = await issueCertificate(h, 'acct-keys-2');
    const qr = `https://portal.example/verify.html?id=${encodeURIComponent(id)}`;
    const ok = await h.exchange.app.inject({ method: 'GET', url: `/v1/certificates/verify?qr=${encodeURIComponent(qr)}`, headers: h.client(['certificate:verify']) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id, status: 'valid', signatureValid: true, typeName: '生育服务证' });
    const wrong = `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;
    const bad = await h.exchange.app.inject({ method: 'GET', url: `/v1/certificates/verify?qr=${encodeURIComponent(`https://portal.example/verify.html?id=${wrong}`)}`, headers: h.client(['certificate:verify']) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('certificate_id_invalid');
    expect((await h.exchange.app.inject({ method: 'GET', url: `/v1/certificates/verify?qr=${encodeURIComponent(qr)}`, headers: h.client(['case:status']) })).statusCode).toBe(403);
  });
});
