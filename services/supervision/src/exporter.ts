/**
 * Provincial export (省电子监察数据交换): the transmitter scans the front-end exchange table
 * (province_exchange) for rows not yet sent, posts them in batches to the province's endpoint and
 * marks them sent; a failed batch is retried later with backoff, its error kept on the rows.
 */
import type { Logger } from '@hall/logging';
import type { Db } from './db.js';
import { chainRecord } from './chain.js';

export interface ExportRecord {
  id: string; stage: string; stageName: string; caseNumber: string; itemCode: string; department: string;
  actor: string | null; occurredAt: string; opinion: string | null; promisedDays: number | null; data: unknown;
}
/** Hands one batch to the province; throws to have it retried. */
export type ProvinceSink = (rows: ExportRecord[]) => Promise<void>;

export function httpSink(url: string, timeoutMs = 10_000): ProvinceSink {
  return async (rows) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: rows }), signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`province endpoint answered ${res.status}`);
  };
}

export async function exportOnce(db: Db, sink: ProvinceSink, opts: { batchSize?: number; maxBackoffMs?: number; now?: Date } = {}): Promise<{ sent: number; failed: number }> {
  const now = opts.now ?? new Date();
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRawUnsafe<{ id: string; attempts: number }[]>(
      `SELECT id::text, attempts FROM province_exchange WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
        ORDER BY created_at, occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED`, now, opts.batchSize ?? 100);
    if (rows.length === 0) return { sent: 0, failed: 0 };
    const full = await tx.provinceExchange.findMany({ where: { id: { in: rows.map((r) => r.id) } }, orderBy: [{ createdAt: 'asc' }, { occurredAt: 'asc' }] });
    const records: ExportRecord[] = full.map((r) => ({ id: r.id, stage: r.stage, stageName: r.stageName, caseNumber: r.caseNumber, itemCode: r.itemCode, department: r.department, actor: r.actor, occurredAt: r.occurredAt.toISOString(), opinion: r.opinion, promisedDays: r.promisedDays, data: r.data }));
    let error: string | null = null;
    try { await sink(records); } catch (err) { error = String((err as Error).message).slice(0, 500); }
    for (const r of full) {
      if (error === null) {
        await tx.provinceExchange.update({ where: { id: r.id }, data: { sentAt: now, attempts: { increment: 1 }, lastError: null, nextAttemptAt: null } });
      } else {
        const backoff = Math.min(opts.maxBackoffMs ?? 300_000, 1000 * 2 ** r.attempts);
        await tx.provinceExchange.update({ where: { id: r.id }, data: { attempts: { increment: 1 }, lastError: error, nextAttemptAt: new Date(now.getTime() + backoff) } });
      }
      await chainRecord(tx, 'province_exchange', r.id);
    }
    return error === null ? { sent: full.length, failed: 0 } : { sent: 0, failed: full.length };
  });
}

export function startExporter(opts: { db: Db; sink: ProvinceSink; logger: Logger; intervalMs: number }): { stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (running) {
      let sent = 0;
      try {
        const r = await exportOnce(opts.db, opts.sink);
        sent = r.sent;
        if (r.failed) opts.logger.warn({ failed: r.failed }, 'provincial export failed; will retry');
      } catch (err) { opts.logger.error({ err: (err as Error).message }, 'provincial export scan failed'); }
      if (sent > 0) continue;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, opts.intervalMs).unref(); });
    }
  })();
  return { stop: async () => { running = false; wake?.(); await loop; } };
}
