/**
 * A busy pool must make a transaction wait, not fail: with Prisma's defaults (maxWait 2 s) the second
 * transaction below fails with P2028 "Unable to start a transaction in the given time", which is what
 * made revocations answer 500 on a loaded CI machine. createPrismaClient sets longer limits.
 */
import { TRANSACTION_OPTIONS } from '@hall/db';
import { createTestDatabase } from '@hall/testkit';
import { createPrisma } from '../src/db.js';

it('waits for the only pooled connection past the Prisma 2 s default instead of failing with P2028', async () => {
  expect(TRANSACTION_OPTIONS.maxWait).toBeGreaterThan(3000);
  const database = await createTestDatabase({ prefix: 'txwait' });
  const db = createPrisma(database.url, 1);
  try {
    const holder = db.$transaction(async (tx) => { await tx.$executeRawUnsafe('SELECT pg_sleep(2.6)'); return 'first'; });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const waiter = await db.$transaction(async (tx) => (await tx.$queryRawUnsafe<{ n: number }[]>('SELECT 1 AS n'))[0]!.n);
    expect(waiter).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(2000);
    expect(await holder).toBe('first');
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}, 30_000);
