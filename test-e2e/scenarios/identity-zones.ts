/**
 * Unified identity across the whole platform: every service verifies from its zone identity's JWKS;
 * a public-realm token is refused by every extranet service and a staff (or API-client) token by
 * every internet service; login, refresh and the client-credentials grant work through the real
 * processes; a rotated key is picked up by the other services without a restart.
 */
import type { Platform } from '@hall/platform';
import { sharedPlatform } from '../src/platform.js';
import { call, eventually, login } from '../src/client.js';

let platform: Platform;

describe('scenario: identity-zones', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    // Demo accounts are seeded right after a service starts listening: wait until both realms have them.
    await eventually('demo accounts', async () => (await call('POST', `${platform.url('identity-staff')}/v1/oauth/token`, { json: { grant_type: 'client_credentials', client_id: 'gy-gaj-exchange', client_secret: 'Exchange#Demo-2026-secret' } })).status === 200);
    await eventually('demo accounts', async () => (await call('POST', `${platform.url('identity-public')}/v1/auth/login`, { json: { username: 'daiban01', password: 'Hall#2026' } })).status === 200);
  }, 180_000);


  /** One authenticated route of every service, by process name. */
  const PROTECTED: Record<string, string> = {
    'identity-public': '/v1/me',
    declaration: '/v1/applications',
    'identity-staff': '/v1/me',
    catalog: '/v1/items',
    approval: '/v1/cases',
    certificate: '/v1/certificates/00000000000000000X/verify',
    supervision: '/v1/events',
    exchange: '/v1/audit/calls',
  };

  describe('identity across zones', () => {
    it('refuses a public-realm token in every extranet service and a staff or client token in every internet service', async () => {
      const publicToken = await login(platform.url('identity-public'), 'zhoumengjie');
      const staffToken = await login(platform.url('identity-staff'), 'supervisor01');
      const client = await call('POST', `${platform.url('identity-staff')}/v1/oauth/token`, {
        body: Buffer.from('grant_type=client_credentials&client_id=gy-gaj-exchange&client_secret=Exchange%23Demo-2026-secret'), contentType: 'application/x-www-form-urlencoded',
      });
      expect(client.status).toBe(200);
      const clientToken = client.body.access_token as string;

      for (const [name, route] of Object.entries(PROTECTED)) {
        const zone = platform.processes[name]!.spec.zone;
        const own = zone === 'internet' ? [publicToken] : [staffToken];
        const foreign = zone === 'internet' ? [staffToken, clientToken] : [publicToken];
        for (const token of foreign) {
          const r = await call('GET', `${platform.url(name)}${route}`, { token });
          expect([name, r.status, r.body?.code]).toEqual([name, 401, 'unauthenticated']);
        }
        // The zone's own token gets past authentication (a guard may still answer 403).
        for (const token of own) {
          const r = await call('GET', `${platform.url(name)}${route}`, { token });
          expect([name, r.status === 401]).toEqual([name, false]);
        }
      }
    });

    it('logs in, refreshes, and after a key rotation the other services accept tokens of the new key at once', async () => {
      const staffId = platform.url('identity-staff');
      const r = await call('POST', `${staffId}/v1/auth/login`, { json: { username: 'admin01', password: 'Hall#2026' } });
      expect(r.status).toBe(200);
      const refreshed = await call('POST', `${staffId}/v1/auth/refresh`, { json: { refreshToken: r.body.refreshToken } });
      expect(refreshed.status).toBe(200);
      const oldToken = refreshed.body.accessToken as string;
      expect((await call('GET', `${platform.url('approval')}/v1/cases`, { token: oldToken })).status).not.toBe(401);

      const rotated = await call('POST', `${staffId}/v1/admin/keys/rotate`, { token: oldToken });
      expect(rotated.status).toBe(200);
      // The rotating process signs with the new key at once (other replicas within 10 s).
      const newToken = await login(staffId, 'window01');
      expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe(rotated.body.kid);
      expect(newToken).not.toBe('');
      for (const name of ['approval', 'catalog', 'supervision']) {
        expect([name, (await call('GET', `${platform.url(name)}${PROTECTED[name]}`, { token: newToken })).status === 401]).toEqual([name, false]);
        expect([name, (await call('GET', `${platform.url(name)}${PROTECTED[name]}`, { token: oldToken })).status === 401]).toEqual([name, false]);
      }
    });

    // One door (issue 20): a data-exchange client's token carries the exchange's audience, so it is
    // refused by approval and certificate directly; through the exchange (its service token
    // downstream) it works, limited and audited.
    it('refuses a client token on approval and certificate directly, and serves it through the exchange with an audit record', async () => {
      const client = await call('POST', `${platform.url('identity-staff')}/v1/oauth/token`, { json: { grant_type: 'client_credentials', client_id: 'gy-gaj-exchange', client_secret: 'Exchange#Demo-2026-secret' } });
      const token = client.body.access_token as string;
      for (const [name, route] of [['approval', '/v1/cases/by-number/GY-TEST-00000000-000001/status'], ['certificate', '/v1/certificates/00000000000000000X/verify'], ['catalog', '/v1/items']] as const) {
        const r = await call('GET', `${platform.url(name)}${route}`, { token });
        expect([name, r.status, r.headers.get('content-type')?.startsWith('application/problem+json'), r.body?.code]).toEqual([name, 401, true, 'unauthenticated']);
      }
      const through = await call('GET', `${platform.url('exchange')}/v1/cases/GY-TEST-00000000-000001/status`, { token });
      expect([through.status, through.body?.code]).toEqual([404, 'case_not_found']);
      const items = await call('GET', `${platform.url('exchange')}/v1/catalog/items?pageSize=5`, { token });
      expect(items.status).toBe(200);
      const supervisor = await login(platform.url('identity-staff'), 'supervisor01');
      const audit = await call('GET', `${platform.url('exchange')}/v1/audit/calls?clientId=gy-gaj-exchange&pageSize=50`, { token: supervisor });
      expect(audit.status).toBe(200);
      const endpoints = (audit.body.items as { endpoint: string; status: number }[]).map((c) => `${c.endpoint} ${c.status}`);
      expect(endpoints).toEqual(expect.arrayContaining(['/v1/cases/:caseNumber/status 404', '/v1/catalog/items 200']));
    });
  });
});
