/**
 * Application statuses as the applicant reads them, and how the current status follows the
 * timeline. Case statuses come from the extranet (case.status.changed); a few are the portal's own
 * (submitted, supplemented, withdrawal_requested) for what the applicant did before the extranet
 * answered.
 */
import { TERMINAL_STATUSES } from '@hall/contracts';

export const STATUS_TEXT: Record<string, string> = {
  submitted: '已提交',
  received: '已接收（网上受理）',
  accepted: '已受理',
  rejected: '不予受理',
  under_review: '审查中',
  supplement_requested: '需补正材料',
  supplemented: '补正材料已提交',
  supplement_received: '补正材料已接收',
  special_procedure: '特别程序中',
  special_procedure_done: '特别程序已结束',
  payment_pending: '待缴费',
  paid: '已缴费',
  approved: '审批通过',
  denied: '不予许可',
  completed: '已办结',
  certificate_issued: '证照已签发',
  withdrawal_requested: '撤回申请已提交',
  withdrawn: '已撤回',
  terminated: '已终止办理',
};

export const statusText = (s: string): string => STATUS_TEXT[s] ?? s;

/**
 * Final statuses (the terminal statuses of @hall/contracts), ranked: a later message never undoes
 * one, only a higher-ranked final status replaces it (办结 outranks the others).
 */
const FINAL: Record<string, number> = Object.fromEntries([...TERMINAL_STATUSES].map((s) => [s, s === 'completed' ? 10 : 9]));

export const isFinal = (s: string): boolean => s in FINAL;

/**
 * Whether a status event moves the application to `next`. Statuses may arrive out of order (the
 * consumer is concurrent, the lane re-sends), and a case may go back and forth (supplement
 * requested, received, requested again), so the newest event by its own time wins, except that a
 * final status stays.
 */
export function movesTo(current: { status: string; statusAt: Date | null }, next: { status: string; at: Date }): boolean {
  const cur = FINAL[current.status];
  if (cur !== undefined) return (FINAL[next.status] ?? 0) > cur;
  if (FINAL[next.status] !== undefined) return true;
  return !current.statusAt || next.at.getTime() >= current.statusAt.getTime();
}

/** A decision has been taken (or the case ended): too late to withdraw. */
export const DECIDED: ReadonlySet<string> = new Set([...TERMINAL_STATUSES, 'approved', 'withdrawal_requested']);

/** 好差评 levels. */
export const EVALUATION_LEVELS: Record<number, string> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };
