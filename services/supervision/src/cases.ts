/**
 * A case as supervision sees it, folded from its `case.transitioned` events: when it was received,
 * accepted and closed, its pauses (补交告知→补交受理, 特别程序申请→特别程序结果), its current workflow
 * step, and how many working days of its limit it has used. All day counting goes through
 * @hall/calendar's `workingDaysBetween` (the one shared calendar function).
 */
import { addWorkingDays, workingDaysBetween } from '@hall/calendar';
import { TERMINAL_STATUSES, type CaseTransitioned } from '@hall/contracts';

export type Transition = CaseTransitioned['payload'];
export interface CaseEvent { messageId: string; occurredAt: Date; payload: Transition }

/** The provincial 7+1 stages (网上受理 … 办结), by the status a transition leads to. */
export const STAGES = {
  online_receipt: '网上受理',
  acceptance: '受理',
  approval: '审批过程',
  supplement_notice: '补交告知',
  supplement_acceptance: '补交受理',
  special_request: '特别程序申请',
  special_result: '特别程序结果',
  completion: '办结',
} as const;
export type StageCode = keyof typeof STAGES;

export const STAGE_OF_STATUS: Partial<Record<Transition['to'], StageCode>> = {
  received: 'online_receipt',
  accepted: 'acceptance',
  rejected: 'acceptance', // 不予受理 is the acceptance stage's result
  under_review: 'approval',
  approved: 'approval',
  denied: 'approval',
  supplement_requested: 'supplement_notice',
  supplement_received: 'supplement_acceptance',
  special_procedure: 'special_request',
  special_procedure_done: 'special_result',
  completed: 'completion',
  withdrawn: 'completion', // 办结 with the result 撤回
  terminated: 'completion', // 办结 with the result 终止
};

const PAUSE_OPENS: Partial<Record<Transition['to'], string>> = { supplement_requested: 'supplement', special_procedure: 'special' };
const PAUSE_CLOSES: Partial<Record<Transition['to'], string>> = { supplement_received: 'supplement', special_procedure_done: 'special' };
/** Statuses after which nothing is monitored any more: the terminal statuses of @hall/contracts. */
export const CLOSED: ReadonlySet<string> = TERMINAL_STATUSES;

/**
 * Events in the order they happened. Transitions written in one transaction often share a
 * timestamp; among those, the one whose `from` is the status reached so far goes first.
 */
export function orderEvents(events: CaseEvent[]): CaseEvent[] {
  const sorted = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.messageId.localeCompare(b.messageId));
  const out: CaseEvent[] = [];
  let status: string | null = null;
  for (let i = 0; i < sorted.length;) {
    const t = sorted[i]!.occurredAt.getTime();
    let j = i;
    while (j < sorted.length && sorted[j]!.occurredAt.getTime() === t) j++;
    const group = sorted.slice(i, j);
    while (group.length) {
      const k = Math.max(0, group.findIndex((e) => e.payload.from === status));
      const [e] = group.splice(k, 1);
      out.push(e!);
      status = e!.payload.to;
    }
    i = j;
  }
  return out;
}

export interface Pause { kind: string; from: Date; to: Date | null }

export interface CaseState {
  caseId: string; applicationId: string; itemCode: string; department: string;
  status: string; receivedAt: Date; acceptedAt: Date | null; closedAt: Date | null; completedAt: Date | null;
  pauses: Pause[]; supplements: number; currentStep: string | null; stepEnteredAt: Date | null;
  responsible: string | null; lastResult: string | null;
}

export function foldCase(ordered: CaseEvent[]): CaseState {
  const first = ordered[0]!.payload;
  const s: CaseState = {
    caseId: first.caseId, applicationId: first.applicationId, itemCode: first.itemCode, department: first.department,
    status: first.to, receivedAt: ordered[0]!.occurredAt, acceptedAt: null, closedAt: null, completedAt: null,
    pauses: [], supplements: 0, currentStep: null, stepEnteredAt: null, responsible: null, lastResult: null,
  };
  for (const e of ordered) {
    const p = e.payload;
    s.status = p.to;
    if (p.to === 'received' && e === ordered[0]) s.receivedAt = e.occurredAt;
    if (p.to === 'accepted' && !s.acceptedAt) s.acceptedAt = e.occurredAt;
    if (CLOSED.has(p.to) && !s.closedAt) s.closedAt = e.occurredAt;
    if (p.to === 'completed' && !s.completedAt) s.completedAt = e.occurredAt;
    if (p.to === 'supplement_requested') s.supplements++;
    if (p.to === 'approved' || (CLOSED.has(p.to) && p.to !== 'completed')) s.lastResult = p.to;
    const opens = PAUSE_OPENS[p.to];
    if (opens && !s.pauses.some((x) => x.kind === opens && x.to === null)) s.pauses.push({ kind: opens, from: e.occurredAt, to: null });
    const closes = PAUSE_CLOSES[p.to];
    if (closes) { const open = s.pauses.find((x) => x.kind === closes && x.to === null); if (open) open.to = e.occurredAt; }
    if (p.step && p.step !== s.currentStep) { s.currentStep = p.step; s.stepEnteredAt = e.occurredAt; }
    if (p.actor && p.actor !== 'system') s.responsible = p.actor;
  }
  return s;
}

/** Working days of `pauses` that fall in (from, to]. */
export function pausedDays(pauses: Pause[], from: Date, to: Date): number {
  let n = 0;
  for (const p of pauses) {
    const a = p.from > from ? p.from : from;
    const end = p.to ?? to;
    const b = end < to ? end : to;
    if (b > a) n += Math.max(0, workingDaysBetween(a, b));
  }
  return n;
}

/** Working days used since `start` by `at`, pauses excluded. */
export const usedDays = (pauses: Pause[], start: Date, at: Date): number => Math.max(0, workingDaysBetween(start, at) - pausedDays(pauses, start, at));

/** The date a limit runs out: the limit counted from `start`, moved on by the paused working days so far. */
export const dueDate = (pauses: Pause[], start: Date, limit: number, at: Date): string => addWorkingDays(start, limit + pausedDays(pauses, start, at));

export const isPaused = (s: Pick<CaseState, 'pauses'>) => s.pauses.some((p) => p.to === null);
/** The promised limit runs from acceptance (受理), or from receipt for a case not accepted yet. */
export const clockStart = (s: Pick<CaseState, 'acceptedAt' | 'receivedAt'>) => s.acceptedAt ?? s.receivedAt;
