/**
 * Refresh tokens (刷新令牌): opaque, random, stored only as SHA-256. Each use rotates: the presented
 * token is marked used and a new one of the same family is issued. Presenting a used (or revoked)
 * token again means it was copied — the whole family is revoked, so neither the thief nor the
 * owner can continue without signing in again.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import type { Db } from './db.js';

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export type RefreshOutcome =
  | { ok: true; accountId: string; token: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' | 'revoked' };

export function refreshTokenRepository(db: Db, ttlSeconds: number) {
  async function issueIn(tx: Pick<Db, 'refreshToken'>, accountId: string, familyId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await tx.refreshToken.create({ data: { id: randomUUID(), familyId, accountId, tokenHash: hashOf(token), expiresAt: new Date(Date.now() + ttlSeconds * 1000) } });
    return token;
  }

  return {
    /** Starts a new family (a new sign-in). */
    issue: (accountId: string) => issueIn(db, accountId, randomUUID()),

    /** Rotates a token; `allowed` decides whether the account may still hold a session. */
    async rotate(token: string, allowed: (accountId: string) => Promise<boolean>): Promise<RefreshOutcome> {
      const hash = hashOf(token);
      const outcome = await db.$transaction(async (tx): Promise<RefreshOutcome | { reuse: string; accountId: string }> => {
        const row = await tx.refreshToken.findUnique({ where: { tokenHash: hash } });
        if (!row) return { ok: false, reason: 'unknown' };
        // Claim atomically: of two concurrent uses of the same token, exactly one wins.
        const claimed = await tx.refreshToken.updateMany({ where: { id: row.id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
        if (claimed.count === 0) {
          // Re-read: a concurrent request may have just used it, which is reuse as well.
          const now = await tx.refreshToken.findUniqueOrThrow({ where: { id: row.id } });
          return now.usedAt ? { reuse: row.familyId, accountId: row.accountId } : { ok: false, reason: 'revoked' };
        }
        if (row.expiresAt <= new Date()) return { ok: false, reason: 'expired' };
        if (!(await allowed(row.accountId))) {
          await tx.refreshToken.updateMany({ where: { familyId: row.familyId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: 'account_inactive' } });
          return { ok: false, reason: 'revoked' };
        }
        return { ok: true, accountId: row.accountId, token: await issueIn(tx, row.accountId, row.familyId) };
      });
      if ('reuse' in outcome) {
        await db.$transaction(async (tx) => {
          await tx.refreshToken.updateMany({ where: { familyId: outcome.reuse, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: 'reuse' } });
          await audit(tx, { actor: 'system', action: 'refresh_token.reuse_detected', target: outcome.accountId, detail: { familyId: outcome.reuse } });
        });
        return { ok: false, reason: 'reused' };
      }
      return outcome;
    },

    /** Logout: revokes the family of the token (no answer either way, so tokens cannot be probed). */
    async revokeFamilyOf(token: string): Promise<string | null> {
      const row = await db.refreshToken.findUnique({ where: { tokenHash: hashOf(token) } });
      if (!row) return null;
      await db.refreshToken.updateMany({ where: { familyId: row.familyId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: 'logout' } });
      return row.accountId;
    },

    /** Every session of the account (password change, disable). Runs inside the caller's transaction. */
    revokeAll: (tx: Pick<Db, 'refreshToken'>, accountId: string, reason: string) =>
      tx.refreshToken.updateMany({ where: { accountId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: reason } }),
  };
}
