/**
 * Deadline monitoring (时限监察): a periodic scan over open cases that raises a yellow warning when
 * the configured share of a limit (the item's promised limit, or the current workflow step's
 * limitDays) is used and a red card when it is exceeded, all in working days with pauses left out.
 * The clock is injected, so tests scan at chosen instants.
 */
import type { Logger } from '@hall/logging';
import type { Db } from './db.js';
import { clockStart, foldCase, usedDays, dueDate } from './cases.js';
import { lockChain } from './chain.js';
import { caseEvents, loadRules, raiseWarning, workflowStepLimit } from './store.js';

export interface ScanResult { scanned: number; raised: { caseNumber: string; scope: string; level: 'yellow' | 'red' }[] }

function levelFor(used: number, limit: number, share: number): ('yellow' | 'red')[] {
  const out: ('yellow' | 'red')[] = [];
  if (limit > 0 && used >= Math.ceil(limit * share - 1e-9)) out.push('yellow');
  if (used > limit) out.push('red');
  return out;
}

export async function scanDeadlines(db: Db, now: Date): Promise<ScanResult> {
  const rules = await loadRules(db);
  const result: ScanResult = { scanned: 0, raised: [] };
  if (!rules.deadline_warning.enabled) return result;
  const share = rules.deadline_warning.params.yellowShare;
  const open = await db.supervisedCase.findMany({ where: { closedAt: null }, orderBy: { receivedAt: 'asc' } });
  for (const c of open) {
    result.scanned++;
    await db.$transaction(async (tx) => {
      // The chain lock first: event handlers take it before the case row, so must we (no deadlock).
      await lockChain(tx);
      const events = await caseEvents(tx, c.caseNumber);
      if (events.length === 0) return;
      const s = foldCase(events);
      const item = await tx.item.findUnique({ where: { code: c.itemCode } });
      const checks: { scope: string; start: Date; limit: number }[] = [];
      if (item) checks.push({ scope: 'case', start: clockStart(s), limit: item.promisedDays });
      const stepLimit = workflowStepLimit(item?.workflow, s.currentStep);
      if (stepLimit !== null && s.stepEnteredAt) checks.push({ scope: `step:${s.currentStep}`, start: s.stepEnteredAt, limit: stepLimit });
      for (const k of checks) {
        if (now < k.start) continue;
        const used = usedDays(s.pauses, k.start, now);
        if (k.scope === 'case') await tx.supervisedCase.update({ where: { caseNumber: c.caseNumber }, data: { usedDays: used } });
        for (const level of levelFor(used, k.limit, share)) {
          const raised = await raiseWarning(tx, { caseNumber: c.caseNumber, department: c.department, scope: k.scope, level, limitDays: k.limit, usedDays: used, dueDate: dueDate(s.pauses, k.start, k.limit, now), responsible: s.responsible, at: now });
          if (raised) result.raised.push({ caseNumber: c.caseNumber, scope: k.scope, level });
        }
      }
    });
  }
  return result;
}

export function startScanner(opts: { db: Db; logger: Logger; intervalMs: number; clock: () => Date; afterScan?: () => void }): { stop(): void } {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await scanDeadlines(opts.db, opts.clock());
      if (r.raised.length) { opts.logger.info({ raised: r.raised.length }, 'deadline warnings raised'); opts.afterScan?.(); }
    } catch (err) { opts.logger.error({ err: (err as Error).message }, 'deadline scan failed'); } finally { busy = false; }
  }, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
