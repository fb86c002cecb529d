/** Every service's schema.prisma matches what its SQL migrations build (the drift check). */
import fs from 'node:fs';
import path from 'node:path';
import { migrate, checkDrift } from '@hall/db';
import { createTestDatabase } from '@hall/testkit';
import { REPO_ROOT } from '../src/index.js';

const services = fs.readdirSync(path.join(REPO_ROOT, 'services')).filter((s) => fs.existsSync(path.join(REPO_ROOT, 'services', s, 'prisma/schema.prisma')));

describe('schema drift', () => {
  it('covers all eight services', () => {
    expect(services.sort()).toEqual(['approval', 'catalog', 'certificate', 'declaration', 'exchange', 'identity', 'relay', 'supervision']);
  });

  it.each(services)('%s: migrations build exactly what schema.prisma declares', async (service) => {
    const db = await createTestDatabase({ prefix: `drift_${service}` });
    try {
      const dir = path.join(REPO_ROOT, 'services', service, 'prisma');
      const r = await migrate({ databaseUrl: db.url, migrationsDir: path.join(dir, 'migrations') });
      expect(r.applied).toContain('20260101000000_messaging');
      expect(await checkDrift({ databaseUrl: db.url, schemaPath: path.join(dir, 'schema.prisma') })).toEqual([]);
    } finally {
      await db.drop();
    }
  }, 30_000);
});
