// Test helpers shared by the auth test files: zones, principals, raw JWS building for forgeries.
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@hall/logging';
import { buildHttpApp, type HttpApp } from '@hall/http';
import { authPlugin, requirePosition, requireRealm, requireRole, type AuthOptions, type Principal } from '../src/index.js';

export const ZONES = {
  internet: { issuer: 'https://id.internet.hall.gov.cn', audience: 'hall-internet' },
  extranet: { issuer: 'https://id.extranet.hall.gov.cn', audience: 'hall-extranet' },
} as const;

export const applicant: Principal = { sub: 'u-1001', realm: 'public', name: '张三', roles: ['applicant'], region: '340100' };
export const approver: Principal = {
  sub: 's-2001', realm: 'staff', name: '李四', roles: ['case_officer', 'approver'], department: 'SCJGJ', positions: ['审批岗'], region: '340100',
};

export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Signs arbitrary header and payload with a real key, for tokens the signer refuses to make. */
export function rawSign(header: Record<string, unknown>, payload: Record<string, unknown>, privateKeyPem: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const key = createPrivateKey(privateKeyPem);
  const sig = header.alg === 'ES256' ? cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : cryptoSign(null, Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

export function claimsFor(principal: Principal, zone: { issuer: string; audience: string }, extra: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return { ...principal, iss: zone.issuer, aud: zone.audience, iat, exp: iat + 600, ...extra };
}

/** A service app as a zone would run it: buildHttpApp, authPlugin, then guarded routes. */
export async function buildZoneApp(auth: AuthOptions): Promise<{ app: HttpApp; logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { logs.push(JSON.parse(String(chunk))); cb(); } });
  const app = await buildHttpApp({ service: 'auth-test', logger: createLogger({ service: 'auth-test', destination }) });
  await app.register(authPlugin, auth);
  app.get('/me', { preHandler: [app.authenticate] }, async (request) => request.principal);
  app.get('/staff/cases', { preHandler: [app.authenticate, requireRealm('staff')] }, async () => ({ cases: [] }));
  app.get('/public/applications', { preHandler: [app.authenticate, requireRealm('public')] }, async () => ({ applications: [] }));
  app.post('/cases/:id/approve', {
    preHandler: [app.authenticate, requireRealm('staff'), requireRole('approver', 'director'), requirePosition('审批岗')],
  }, async (request) => ({ approvedBy: request.principal.sub }));
  app.post('/cases/:id/accept', { preHandler: [app.authenticate, requirePosition('受理岗')] }, async () => ({ ok: true }));
  // Misconfigured routes: the guards must still fail closed.
  // (A guard in preHandler without app.authenticate is refused at registration, order.access.test.ts;
  // in onRequest it runs before validation, so it is allowed, and must still answer 401.)
  app.get('/guard-without-authenticate', { onRequest: [requireRole('approver')] }, async () => ({ ok: true }));
  app.get('/principal-without-authenticate', async (request) => request.principal);
  await app.ready();
  return { app, logs };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
