import { canonicalJson } from '@hall/contracts';
import { generateKeyPair, signBytes, verifyBytes, publicJwk, publicKeyFromJwk, sm3Hex, ALGORITHMS, SM2_DEFAULT_USER_ID } from './signature.js';
import { verifyCertificateFile, CERTIFICATE_FILE_FORMAT } from './verify-offline.js';
import { sm2 } from 'sm-crypto-v2';

describe('SM3 known answers (GB/T 32905-2016, Appendix A)', () => {
  it('hashes "abc"', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });
  it('hashes the 512-bit message "abcd" × 16', () => {
    expect(sm3Hex('abcd'.repeat(16))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });
});

describe('SM2 known answer (GM/T 0003.5-2012 / GB/T 32918.5 Appendix A, recommended curve)', () => {
  const d = '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';
  const pub = '04' + '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' + 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13';
  const r = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3';
  const s = 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';
  const msg = Buffer.from('message digest');
  const sig = Buffer.from(r + s, 'hex').toString('base64');

  it('derives the published public key from the published private key', () => {
    expect(sm2.getPublicKeyFromPrivateKey(d)).toBe(pub);
  });
  it('computes the published e = SM3(Z_A || M) with ID 1234567812345678', () => {
    expect(SM2_DEFAULT_USER_ID).toBe('1234567812345678');
    expect(sm2.getHash(msg.toString('hex'), pub, SM2_DEFAULT_USER_ID)).toBe('f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640');
  });
  it('verifies the published signature (r, s) with the published public key', () => {
    expect(verifyBytes('SM2-SM3', msg, sig, pub)).toBe(true);
  });
  it('refuses the published signature for another message, a changed s, or another key', () => {
    expect(verifyBytes('SM2-SM3', Buffer.from('message digesT'), sig, pub)).toBe(false);
    const bad = Buffer.from(r + s, 'hex'); bad[63]! ^= 0x01;
    expect(verifyBytes('SM2-SM3', msg, bad.toString('base64'), pub)).toBe(false);
    expect(verifyBytes('SM2-SM3', msg, sig, generateKeyPair('SM2-SM3').publicKey)).toBe(false);
  });
});

describe.each(ALGORITHMS)('%s', (algorithm) => {
  const k = generateKeyPair(algorithm);
  const doc = { id: '1.2.156.3005.2.11100000000017.11341621003000001X.000001.1.8', holder: { name: '周梦婕' }, data: { 孩次: 1 } };
  const data = Buffer.from(canonicalJson(doc));

  it('round-trips: sign, then verify with the public key', () => {
    const sig = signBytes(algorithm, data, k.privateKey, k.publicKey);
    expect(verifyBytes(algorithm, data, sig, k.publicKey)).toBe(true);
  });

  it('fails when one byte of the data or of the signature changes', () => {
    const sig = signBytes(algorithm, data, k.privateKey, k.publicKey);
    for (const i of [0, Math.floor(data.length / 2), data.length - 1]) {
      const d2 = Buffer.from(data); d2[i]! ^= 0x01;
      expect(verifyBytes(algorithm, d2, sig, k.publicKey)).toBe(false);
    }
    const raw = Buffer.from(sig, 'base64');
    for (const i of [0, 31, raw.length - 1]) {
      const s2 = Buffer.from(raw); s2[i]! ^= 0x01;
      expect(verifyBytes(algorithm, data, s2.toString('base64'), k.publicKey)).toBe(false);
    }
  });

  it('fails with another key or the other algorithm, and never throws on garbage', () => {
    const sig = signBytes(algorithm, data, k.privateKey, k.publicKey);
    expect(verifyBytes(algorithm, data, sig, generateKeyPair(algorithm).publicKey)).toBe(false);
    expect(verifyBytes(algorithm === 'Ed25519' ? 'SM2-SM3' : 'Ed25519', data, sig, k.publicKey)).toBe(false);
    expect(verifyBytes(algorithm, data, 'not base64 at all', 'nor a key')).toBe(false);
    expect(verifyBytes('RSA', data, sig, k.publicKey)).toBe(false);
  });

  it('publishes the public key as a JWK that gives back the same key', () => {
    const jwk = publicJwk('dept-1', algorithm, k.publicKey);
    expect(jwk).toMatchObject({ kid: 'dept-1', alg: algorithm, use: 'sig', kty: algorithm === 'Ed25519' ? 'OKP' : 'EC', crv: algorithm === 'Ed25519' ? 'Ed25519' : 'SM2' });
    expect(JSON.stringify(jwk)).not.toContain(k.privateKey.slice(-20));
    expect(publicKeyFromJwk(jwk).trim()).toBe(k.publicKey.trim());
  });

  it('verifies a certificate file offline with the published key set, and refuses a tampered one', () => {
    const signature = signBytes(algorithm, data, k.privateKey, k.publicKey);
    const keys = { keys: [publicJwk('other', algorithm, generateKeyPair(algorithm).publicKey), publicJwk('dept-1', algorithm, k.publicKey)] };
    const file = { format: CERTIFICATE_FILE_FORMAT, document: doc, signature, algorithm, keyId: 'dept-1' };
    expect(verifyCertificateFile(file, keys)).toEqual({ valid: true, reason: 'ok' });
    expect(verifyCertificateFile({ ...file, document: { ...doc, data: { 孩次: 2 } } }, keys)).toEqual({ valid: false, reason: 'bad_signature' });
    expect(verifyCertificateFile({ ...file, keyId: 'missing' }, keys)).toEqual({ valid: false, reason: 'no_key' });
    expect(verifyCertificateFile({ ...file, keyId: 'other' }, keys)).toEqual({ valid: false, reason: 'bad_signature' });
    expect(verifyCertificateFile({ nonsense: true }, keys)).toEqual({ valid: false, reason: 'malformed' });
  });
});

describe('the offline verification command', () => {
  it('exits 0 for a valid certificate file, 1 for a tampered one, 2 for unusable input', async () => {
    const { spawnSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'verify-offline.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-'));
    try {
      const k = generateKeyPair('SM2-SM3');
      const document = { id: '1.2.156.3005.2.11100000000017.11341621003000001X.000007.1.5', data: { 孩次: 1 } };
      const file = { format: CERTIFICATE_FILE_FORMAT, document, signature: signBytes('SM2-SM3', Buffer.from(canonicalJson(document)), k.privateKey, k.publicKey), algorithm: 'SM2-SM3', keyId: 'k1' };
      fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify({ keys: [publicJwk('k1', 'SM2-SM3', k.publicKey)] }));
      fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(file));
      fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...file, document: { ...document, data: { 孩次: 2 } } }));
      fs.writeFileSync(path.join(dir, 'junk.json'), 'not json');
      const run = (f: string) => spawnSync(process.execPath, ['--import', 'tsx', script, path.join(dir, f), path.join(dir, 'keys.json')], { encoding: 'utf8', timeout: 60_000 });
      const good = run('good.json');
      expect(good.status).toBe(0);
      expect(JSON.parse(good.stdout)).toEqual({ valid: true, reason: 'ok' });
      const bad = run('bad.json');
      expect(bad.status).toBe(1);
      expect(JSON.parse(bad.stdout)).toEqual({ valid: false, reason: 'bad_signature' });
      expect(run('junk.json').status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
