/**
 * Offline verification of an e-certificate file with a published public key — no network, no
 * database. Usage:
 *
 *   npx tsx packages/ecert/src/verify-offline.ts <certificate.json> <keys.json>
 *
 * certificate.json is the certificate file (GET /v1/certificates/:id/file on the extranet, 下载证照文件
 * in the portal): { format, document, signature, algorithm, keyId }. keys.json is a published key set
 * ({ keys: [jwk...] }, as served by the exchange's /v1/certificate-keys) or a single JWK. Exit code 0
 * when the signature is valid, 1 when it is not, 2 on unusable input.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '@hall/contracts';
import { publicKeyFromJwk, verifyBytes, isAlgorithm, type PublicJwk } from './signature.js';

export const CERTIFICATE_FILE_FORMAT = 'hall-e-certificate/1';

export interface CertificateFile { format: string; document: Record<string, unknown>; signature: string; algorithm: string; keyId: string }

export interface OfflineResult { valid: boolean; reason: 'ok' | 'no_key' | 'algorithm_mismatch' | 'bad_signature' | 'malformed' }

/** Checks a certificate file's signature with a key set (or one key); the key is picked by kid. */
export function verifyCertificateFile(file: unknown, keys: unknown): OfflineResult {
  const f = file as Partial<CertificateFile> | null;
  if (!f || typeof f !== 'object' || !f.document || typeof f.signature !== 'string' || typeof f.algorithm !== 'string' || typeof f.keyId !== 'string') return { valid: false, reason: 'malformed' };
  const set = (keys as { keys?: PublicJwk[] } | null)?.keys ?? [keys as PublicJwk];
  const jwk = set.find((k) => k && k.kid === f.keyId);
  if (!jwk) return { valid: false, reason: 'no_key' };
  if (!isAlgorithm(jwk.alg) || jwk.alg !== f.algorithm) return { valid: false, reason: 'algorithm_mismatch' };
  let publicKey: string;
  try { publicKey = publicKeyFromJwk(jwk); } catch { return { valid: false, reason: 'malformed' }; }
  return verifyBytes(f.algorithm, Buffer.from(canonicalJson(f.document)), f.signature, publicKey) ? { valid: true, reason: 'ok' } : { valid: false, reason: 'bad_signature' };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const [certPath, keysPath] = process.argv.slice(2);
  if (!certPath || !keysPath) {
    process.stderr.write('usage: verify-offline <certificate.json> <keys.json>\n');
    process.exit(2);
  }
  let r: OfflineResult;
  try {
    r = verifyCertificateFile(JSON.parse(fs.readFileSync(certPath, 'utf8')), JSON.parse(fs.readFileSync(keysPath, 'utf8')));
  } catch (err) {
    process.stderr.write(`cannot read input: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(r.valid ? 0 : r.reason === 'malformed' ? 2 : 1);
}
