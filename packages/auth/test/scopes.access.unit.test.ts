/** API clients (realm 'client') carry scopes; requireScope lets through only a client holding all of them. */
import { createTokenSigner, generateSigningKey, requireRealm, requireScope, type Principal } from '../src/index.js';
import { buildHttpApp } from '@hall/http';
import { createLogger } from '@hall/logging';
import { authPlugin } from '../src/index.js';

const key = generateSigningKey('EdDSA');
const zone = { issuer: 'hall-identity-extranet', audience: 'hall-extranet' };
const signer = createTokenSigner({ privateKeyPem: key.privateKeyPem, kid: key.kid, alg: key.alg, ...zone });
const client = (scopes: string[]): Principal => ({ sub: 'client-gaj', realm: 'client', name: '市公安局人口库系统', roles: [], scopes });

async function app() {
  const a = await buildHttpApp({ service: 't', logger: createLogger({ service: 't', level: 'silent' }) });
  await a.register(authPlugin, { publicKeys: [{ kid: key.kid, pem: key.publicKeyPem }], ...zone });
  a.get('/v1/certificates', { preHandler: [a.authenticate, requireRealm('client'), requireScope('certificate:verify')] }, async (req) => ({ scopes: req.principal.scopes }));
  return a;
}

describe('requireScope', () => {
  it('should let a client with the scope through and carry its scopes in the principal', async () => {
    const a = await app();
    const r = await a.inject({ method: 'GET', url: '/v1/certificates', headers: { authorization: `Bearer ${signer.sign(client(['certificate:verify', 'case:status']))}` } });
    expect(r.statusCode).toBe(200);
    expect(r.json().scopes).toEqual(['certificate:verify', 'case:status']);
  });
  it('should not let a client without the scope through, naming what is missing', async () => {
    const a = await app();
    const r = await a.inject({ method: 'GET', url: '/v1/certificates', headers: { authorization: `Bearer ${signer.sign(client(['case:status']))}` } });
    expect(r.statusCode).toBe(403);
    expect(r.json().detail ?? r.json().title).toBeDefined();
    expect(JSON.stringify(r.json())).toContain('certificate:verify');
  });
  it('should not let a staff token pass a client-only route even with a scopes claim', async () => {
    const a = await app();
    const staff = signer.sign({ sub: 's1', realm: 'staff', name: '职员', roles: ['staff'], scopes: ['certificate:verify'] });
    expect((await a.inject({ method: 'GET', url: '/v1/certificates', headers: { authorization: `Bearer ${staff}` } })).statusCode).toBe(403);
  });
});
