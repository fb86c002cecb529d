import { canActInDepartment, canActInRegion, regionCovers, regionLevelOf, requireDepartment, requireRegion } from '../src/index.js';
import { buildHttpApp } from '@hall/http';
import { createLogger } from '@hall/logging';
import { authPlugin, createTokenSigner, generateSigningKey, type Principal } from '../src/index.js';
import { ZONES, bearer } from './helpers.js';

const clerk: Principal = { sub: 's-1', realm: 'staff', name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'], region: '341621' };

describe('department and region scope', () => {
  it('derives region levels from division codes', () => {
    expect(regionLevelOf('341600')).toBe('city');
    expect(regionLevelOf('341621')).toBe('county');
    expect(regionLevelOf('341621100')).toBe('town');
    expect(regionLevelOf('341621100201')).toBe('village');
    expect(regionLevelOf('涡阳县')).toBeUndefined();
    expect(regionLevelOf('34162')).toBeUndefined();
  });

  it('covers a region and everything below it, nothing beside or above', () => {
    expect(regionCovers('341600', '341621100201')).toBe(true);
    expect(regionCovers('341621', '341621')).toBe(true);
    expect(regionCovers('341621', '341621100')).toBe(true);
    expect(regionCovers('341621', '341622100')).toBe(false);
    expect(regionCovers('341621', '341600')).toBe(false);
    expect(regionCovers('341621100', '341621101001')).toBe(false);
    expect(regionCovers('341621', '3416219')).toBe(false);
  });

  it('should not let staff act for another department or region, nor an applicant for any', () => {
    expect(canActInDepartment(clerk, 'gy-wjw')).toBe(true);
    expect(canActInDepartment(clerk, 'gy-mzj')).toBe(false);
    expect(canActInDepartment(clerk, undefined)).toBe(false);
    expect(canActInDepartment({ ...clerk, realm: 'public' }, 'gy-wjw')).toBe(false);
    expect(canActInRegion(clerk, '341621100201')).toBe(true);
    expect(canActInRegion(clerk, '341602')).toBe(false);
    expect(canActInRegion({ ...clerk, region: undefined }, '341621')).toBe(false);
  });

  it('guards routes with requireDepartment and requireRegion (403 forbidden)', async () => {
    const k = generateSigningKey('EdDSA');
    const app = await buildHttpApp({ service: 'scope-test', logger: createLogger({ service: 'scope-test', level: 'silent' }) });
    await app.register(authPlugin, { publicKeys: [{ kid: k.kid, pem: k.publicKeyPem }], issuer: ZONES.extranet.issuer, audience: ZONES.extranet.audience });
    app.get('/depts/:dept/regions/:region', {
      preHandler: [app.authenticate, requireDepartment((r) => (r.params as { dept: string }).dept), requireRegion((r) => (r.params as { region: string }).region)],
    }, async () => ({ ok: true }));
    app.get('/unauthenticated', { preHandler: [requireDepartment(() => 'gy-wjw')] }, async () => ({ ok: true }));
    await app.ready();
    const token = createTokenSigner({ privateKeyPem: k.privateKeyPem, kid: k.kid, alg: k.alg, ...ZONES.extranet }).sign(clerk);
    const get = (url: string) => app.inject({ url, headers: bearer(token) });
    expect((await get('/depts/gy-wjw/regions/341621100')).statusCode).toBe(200);
    expect((await get('/depts/gy-mzj/regions/341621100')).statusCode).toBe(403);
    expect((await get('/depts/gy-wjw/regions/341602')).statusCode).toBe(403);
    expect((await app.inject({ url: '/unauthenticated' })).statusCode).toBe(401);
    await app.close();
  });
});
