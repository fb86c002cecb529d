/**
 * The audit trail every service keeps of its state changes (table from the shared migration
 * `20260101000001_audit`). Written inside the caller's transaction, so a change and its audit
 * row commit or roll back together.
 */
import type { SqlExecutor } from './client.js';

export const AUDIT_MIGRATION_DIR = new URL('../migrations/20260101000001_audit', import.meta.url).pathname;

export interface AuditRecord { actor: string; action: string; target: string; detail?: Record<string, unknown> }

export async function audit(tx: SqlExecutor, r: AuditRecord): Promise<void> {
  await tx.$executeRawUnsafe('INSERT INTO audit_entry (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)', r.actor, r.action, r.target, JSON.stringify(r.detail ?? {}));
}
