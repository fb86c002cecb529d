/**
 * Password reset (找回密码): a six-digit code sent through the notification sender, stored only as
 * a keyed hash, valid for a few minutes and for a few attempts. The code and its notification
 * commit together, so a code is never valid without having been sent.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import { enqueueNotification } from '@hall/notify';
import type { Db } from './db.js';
import type { DataKey } from './secrets.js';

export const RESET_MAX_ATTEMPTS = 5;

export function resetRepository(db: Db, dataKey: DataKey, ttlMinutes: number) {
  const hashOf = (accountId: string, code: string) => dataKey.hash(`reset:${accountId}:${code}`);
  return {
    async request(account: { id: string; phone: string }): Promise<void> {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await db.$transaction(async (tx) => {
        // One live code at a time: a new request ends the previous one.
        await tx.passwordReset.updateMany({ where: { accountId: account.id, usedAt: null }, data: { usedAt: new Date() } });
        await tx.passwordReset.create({ data: { id: randomUUID(), accountId: account.id, codeHash: hashOf(account.id, code), expiresAt: new Date(Date.now() + ttlMinutes * 60_000) } });
        await enqueueNotification(tx, {
          channel: 'sms', recipient: account.phone, subject: '重置密码验证码', secret: true,
          body: `【一网通办】您正在重置密码，验证码 ${code}，${ttlMinutes} 分钟内有效。如非本人操作，请忽略。`,
        });
        await audit(tx, { actor: account.id, action: 'password.reset_requested', target: account.id });
      });
    },
    /** Consumes the code; true when it was right (and then the password is changed in the same transaction). */
    async confirm(accountId: string, code: string, apply: (tx: Parameters<Parameters<Db['$transaction']>[0]>[0]) => Promise<void>): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const live = await tx.passwordReset.findFirst({ where: { accountId, usedAt: null, expiresAt: { gt: new Date() }, attempts: { lt: RESET_MAX_ATTEMPTS } }, orderBy: { createdAt: 'desc' } });
        if (!live) return false;
        if (live.codeHash !== hashOf(accountId, code)) {
          await tx.passwordReset.update({ where: { id: live.id }, data: { attempts: { increment: 1 } } });
          return false;
        }
        await tx.passwordReset.update({ where: { id: live.id }, data: { usedAt: new Date() } });
        await apply(tx);
        await audit(tx, { actor: accountId, action: 'password.reset', target: accountId });
        return true;
      });
    },
  };
}
