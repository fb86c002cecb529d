/**
 * Versioned catalog records published to the certificate service (issuers, certificate types):
 * each save takes the record's advisory lock, reads the previous version, writes version + 1,
 * audits and publishes the new version in the same transaction, so two admins saving at once get
 * consecutive versions and no published version is lost or skipped. `onlyIfAbsent` lets the demo
 * seed leave an admin's edit alone.
 */
import { audit } from '@hall/db';
import type { SqlExecutor } from '@hall/messaging';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;

export interface VersionedSave<R extends { version: number }> {
  /** `issuer:gy-wjw`, `certificate-type:birth-service`: the lock, and the audit target. */
  key: string;
  actor: string;
  /** Audit action, e.g. `issuer.saved`. */
  action: string;
  onlyIfAbsent: boolean;
  find(tx: Tx): Promise<R | null>;
  /** Writes the record at `version` (the previous version + 1). */
  write(tx: Tx, prev: R | null, version: number): Promise<R>;
  detail(row: R): Record<string, unknown>;
  announce(tx: SqlExecutor, row: R): Promise<void>;
}

/** Saves a new version (see the header); null when `onlyIfAbsent` found one. */
export function saveVersioned<R extends { version: number }>(db: Db, s: VersionedSave<R>): Promise<R | null> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', s.key);
    const prev = await s.find(tx);
    if (prev && s.onlyIfAbsent) return null;
    const row = await s.write(tx, prev, (prev?.version ?? 0) + 1);
    await audit(tx, { actor: s.actor, action: s.action, target: s.key, detail: { version: row.version, ...s.detail(row) } });
    await s.announce(tx, row);
    return row;
  });
}

/** Publishes every record again in one transaction (at start: streams keep 30 days, a new certificate database still learns them). */
export async function announceAll<R>(db: Db, rows: R[], announce: (tx: SqlExecutor, row: R) => Promise<void>): Promise<number> {
  if (rows.length) await db.$transaction(async (tx) => { for (const r of rows) await announce(tx, r); });
  return rows.length;
}
