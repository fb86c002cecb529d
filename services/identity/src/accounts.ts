/** Account repository: all SQL for accounts and their audit trail lives here. */
import { randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

export type AccountRow = Awaited<ReturnType<Db['account']['findFirst']>> & {};
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function accountRepository(db: Db) {
  return {
    findByUsername: (realm: string, username: string) => db.account.findUnique({ where: { realm_username: { realm, username } } }),
    findById: (id: string) => db.account.findUnique({ where: { id } }),
    findByIdNumberHash: (realm: string, idNumberHash: string) => db.account.findFirst({ where: { realm, idNumberHash } }),
    /** Counts a failed login; the `threshold`-th locks the account for `lockMinutes` from `now`. */
    async recordFailure(id: string, threshold: number, lockMinutes: number, now: Date): Promise<{ locked: boolean }> {
      return db.$transaction(async (tx) => {
        const acc = await tx.account.update({ where: { id }, data: { failedLogins: { increment: 1 } } });
        if (acc.failedLogins >= threshold) {
          await tx.account.update({ where: { id }, data: { lockedUntil: new Date(now.getTime() + lockMinutes * 60_000), failedLogins: 0 } });
          await audit(tx, { actor: 'system', action: 'account.locked', target: id, detail: { reason: 'failed_logins', threshold } });
          return { locked: true };
        }
        return { locked: false };
      });
    },
    recordSuccess: (id: string) => db.account.update({ where: { id }, data: { failedLogins: 0, lockedUntil: null } }),
    /** Creates the account if its username is free in the realm; audited. Returns whether it was created. */
    async ensure(data: Omit<Prisma.AccountCreateInput, 'id'>, actor: string): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const existing = await tx.account.findUnique({ where: { realm_username: { realm: data.realm, username: data.username } } });
        if (existing) return false;
        await createIn(tx, data, actor);
        return true;
      });
    },
    /** Creates an account; a taken username or ID number surfaces as Prisma's P2002. */
    create: (data: Omit<Prisma.AccountCreateInput, 'id'>, actor: string) => db.$transaction((tx) => createIn(tx, data, actor)),
    /** Changes an account and audits it in one transaction; `extra` runs in the same transaction. */
    async update(id: string, data: Prisma.AccountUpdateInput, a: { actor: string; action: string; detail?: Record<string, unknown> }, extra?: (tx: Tx) => Promise<void>) {
      return db.$transaction(async (tx) => {
        const row = await tx.account.update({ where: { id }, data: { ...data, updatedAt: new Date() } });
        await audit(tx, { actor: a.actor, action: a.action, target: id, detail: a.detail ?? {} });
        if (extra) await extra(tx);
        return row;
      });
    },
    list: (where: Prisma.AccountWhereInput, skip: number, take: number) =>
      db.$transaction([db.account.findMany({ where, orderBy: { createdAt: 'asc' }, skip, take }), db.account.count({ where })]),
  };
}

async function createIn(tx: Tx, data: Omit<Prisma.AccountCreateInput, 'id'>, actor: string): Promise<AccountRow> {
  const id = randomUUID();
  const row = await tx.account.create({ data: { ...data, id } });
  await audit(tx, { actor, action: 'account.created', target: id, detail: { realm: data.realm, username: data.username, kind: data.kind } });
  return row;
}
