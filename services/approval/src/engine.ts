/**
 * The workflow engine (审批流程引擎): runs a case through its item version's workflow.
 *
 * Each reached step becomes a task (case_task) offered to a position within a department (and
 * region); one staff member claims it (an atomic conditional update: of two claims exactly one
 * wins) and completes it with an outcome. Successors open when a step is done; a step with several
 * successors starts parallel branches (并联审批) and a `join` step opens only when every branch
 * reaching it is done or skipped. A step whose `when` condition the form does not satisfy is
 * skipped (conditional routing). A refusal in a branch denies the case (cancelling the other
 * branches) unless the step says `onRefuse: 'continue'`.
 *
 * Besides the steps: supplements (补交告知 → 补交受理) and special procedures (特别程序) pause the
 * clock; the applicant may withdraw before a decision; payment steps wait for the fees (fees.ts);
 * the completion step (办结) waits for the certificate where the item issues one.
 *
 * Every function here runs in one transaction with the case row locked (SELECT … FOR UPDATE), so
 * concurrent actions on one case serialize; every transition goes through transitions.ts (history,
 * audit, outbox).
 */
import { randomUUID } from 'node:crypto';
import { buildMessage, TERMINAL_STATUSES, type ApplicationSubmitted, type ApplicationSupplemented, type ApplicationWithdrawn, type CaseStatus, type CertificateFailed, type CertificateIssued, type ItemPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { chinaDateCompact } from '@hall/service';
import { regionCovers } from '@hall/auth';
import type { Db } from './db.js';
import { Prisma } from './generated/prisma/client.js';
import { transition, record, SYSTEM, type Actor, type CaseRow, type TaskRow, type Tx, type MissingMaterial } from './transitions.js';
import { workflowOf, conditionHolds, type Step, type Workflow } from './workflow.js';
import { today, dueDateOf, pausedWorkingDays } from './deadlines.js';
import { enterPaymentStep } from './fees.js';

export type EngineErrorCode =
  | 'case_not_found' | 'task_not_found' | 'invalid_transition' | 'task_claimed' | 'case_paused' | 'position_required'
  | 'not_department_admin' | 'reason_required' | 'invalid_outcome' | 'already_paused' | 'not_in_special_procedure' | 'not_payment_pending'
  | 'no_certificate_failure';

export class EngineError extends Error {
  constructor(public readonly code: EngineErrorCode, public readonly current?: string) { super(code); }
}

/** The staff member acting, from the token. */
export interface Staff { id: string; name: string; department?: string; positions: string[]; region?: string; roles: string[] }
export const DEPT_ADMIN = 'dept_admin';

export type Outcome = 'accept' | 'reject' | 'pass' | 'refuse' | 'approve' | 'deny' | 'complete';
const OUTCOMES: Record<Step['kind'], Outcome[]> = { accept: ['accept', 'reject'], review: ['pass', 'refuse'], decision: ['approve', 'deny'], complete: ['complete'], payment: [] };
const NEEDS_REASON = new Set<Outcome>(['reject', 'refuse', 'deny']);
/** The clock stands still or the case waits for the applicant: no step may be completed. */
export const PAUSED = new Set<string>(['supplement_requested', 'special_procedure', 'payment_pending']);
/** The terminal statuses (@hall/contracts): nothing more happens to the case. */
export const CLOSED: ReadonlySet<string> = TERMINAL_STATUSES;
/** Before a decision: the applicant may still withdraw, staff may still ask for a supplement. */
const PRE_DECISION = new Set<string>(['received', 'accepted', 'under_review', 'supplement_requested', 'supplement_received', 'special_procedure', 'special_procedure_done']);
const ACTIVE_BEFORE_DECISION = new Set<string>(['received', 'accepted', 'under_review', 'supplement_received', 'special_procedure_done']);
const LIVE = ['open', 'claimed'];

export const SPECIAL_PROCEDURES = { hearing: '听证', expert_review: '专家评审', inspection: '现场勘验' } as const;
export type SpecialProcedureKind = keyof typeof SPECIAL_PROCEDURES;

export class CaseNotYetKnown extends Error {}

// —— reading ——

const workflows = new Map<string, Workflow>();
export async function itemOf(tx: Tx, c: Pick<CaseRow, 'itemCode' | 'itemVersion'>) {
  return tx.itemDefinition.findUnique({ where: { code_version: { code: c.itemCode, version: c.itemVersion } } });
}
export async function workflowFor(tx: Tx, c: Pick<CaseRow, 'itemCode' | 'itemVersion'>): Promise<Workflow> {
  const key = `${c.itemCode}@${c.itemVersion}`;
  const hit = workflows.get(key);
  if (hit) return hit;
  const item = await itemOf(tx, c);
  if (!item) throw new Error(`item ${key} unknown to approval`);
  const wf = workflowOf(item.publication as ItemPublished['payload']);
  workflows.set(key, wf);
  return wf;
}
/** Forget cached workflows (a version re-published with changes). */
export const forgetWorkflow = (code: string, version: number) => workflows.delete(`${code}@${version}`);

async function lockCase(tx: Tx, id: string): Promise<CaseRow | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id FROM "case" WHERE id = $1::uuid FOR UPDATE', id);
  return rows.length ? tx.case.findUnique({ where: { id } }) : null;
}
async function lockCaseByApplication(tx: Tx, applicationId: string): Promise<CaseRow | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id FROM "case" WHERE application_id = $1::uuid FOR UPDATE', applicationId);
  return rows.length ? tx.case.findUnique({ where: { id: rows[0]!.id } }) : null;
}

/** Whether a staff member may act on a task: its department, its region, and its position (or a delegation to them). */
export function mayAct(s: Staff, t: Pick<TaskRow, 'department' | 'position' | 'region' | 'assigneeId' | 'delegatedBy'>): boolean {
  if (!s.department || s.department !== t.department) return false;
  if (t.region && !(s.region && regionCovers(s.region, t.region))) return false;
  return s.positions.includes(t.position) || (!!t.delegatedBy && t.assigneeId === s.id);
}
const actorOf = (s: Staff): Actor => ({ id: s.id, name: s.name });

// —— creating a case ——

/** `GY-WJW-20261126-000001`: department, date (Asia/Shanghai), sequence of the day. */
async function nextCaseNumber(tx: Tx, department: string, at: Date): Promise<string> {
  const ymd = chinaDateCompact(at);
  const rows = await tx.$queryRawUnsafe<{ value: number }[]>(
    'INSERT INTO case_number_counter (scope, value) VALUES ($1, 1) ON CONFLICT (scope) DO UPDATE SET value = case_number_counter.value + 1 RETURNING value', `${department}:${ymd}`);
  return `${department.toUpperCase()}-${ymd}-${String(rows[0]!.value).padStart(6, '0')}`;
}

/** Creates the case for an inbound application (once per application id); null when the item version is not known here yet. */
export async function createCase(tx: Tx, msg: ApplicationSubmitted, now = new Date()): Promise<CaseRow | null> {
  const a = msg.payload;
  const existing = await tx.case.findUnique({ where: { applicationId: a.applicationId } });
  if (existing) return existing;
  const item = await tx.itemDefinition.findUnique({ where: { code_version: { code: a.itemCode, version: a.itemVersion } } });
  if (!item) return null;
  // Two deliveries of one application racing: the unique application id lets exactly one insert.
  const id = randomUUID();
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO "case" (id, case_number, application_id, receipt_no, item_code, item_version, item_name, department, applicant, form, materials, status, received_at, updated_at, promised_days)
     VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, 'received', $12, $12, $13) ON CONFLICT (application_id) DO NOTHING`,
    id, await nextCaseNumber(tx, item.department, now), a.applicationId, a.receiptNo, a.itemCode, a.itemVersion, item.name, item.department,
    JSON.stringify(a.applicant), JSON.stringify(a.form), JSON.stringify(a.materials), now, item.promisedDays);
  if (!inserted) return tx.case.findUnique({ where: { applicationId: a.applicationId } });
  let c = (await tx.case.findUnique({ where: { id } }))!;
  const wf = await workflowFor(tx, c);
  c = await transition(tx, c, { action: 'receive', to: 'received', actor: SYSTEM, stage: '网上受理', at: now, enters: wf.first.key });
  return openStep(tx, c, wf, wf.first, now);
}

// —— moving through the workflow ——

async function openStep(tx: Tx, c: CaseRow, wf: Workflow, step: Step, now: Date): Promise<CaseRow> {
  if (await tx.caseTask.findUnique({ where: { caseId_stepKey: { caseId: c.id, stepKey: step.key } } })) return c;
  if (step.predecessors.length > 1) {
    const preds = await tx.caseTask.findMany({ where: { caseId: c.id, stepKey: { in: step.predecessors } } });
    if (preds.length < step.predecessors.length || preds.some((t) => t.status !== 'done' && t.status !== 'skipped')) return c; // the join waits
  }
  const on = today(now);
  const limit = step.limitDays ?? 0;
  const base = {
    id: randomUUID(), caseId: c.id, stepKey: step.key, stepName: step.name, kind: step.kind, department: step.department, position: step.position,
    region: step.region ?? null, limitDays: limit, openedOn: on, dueDate: dueDateOf(on, limit, 0), openedAt: now,
  };
  if (step.index > 0 && !conditionHolds(step.when, c.form as Record<string, unknown>)) {
    await tx.caseTask.create({ data: { ...base, status: 'skipped', outcome: 'skipped', completedAt: now, completedBy: SYSTEM.id } });
    await record(tx, c, { action: 'skip_step', actor: SYSTEM, at: now, step: step.key, reason: `不满足“${step.name}”环节的办理条件，自动跳过` });
    return advance(tx, c, wf, step, now);
  }
  if (step.kind === 'payment') {
    await tx.caseTask.create({ data: { ...base, status: 'waiting' } });
    // The applicant's time to pay does not count against the promised limit: the clock stands still.
    if (!c.pausedSince) c = await tx.case.update({ where: { id: c.id }, data: { pausedSince: on } });
    return enterPaymentStep(tx, c, step, now);
  }
  if (step.kind === 'complete') return openCompletion(tx, c, step, base, now);
  await tx.caseTask.create({ data: { ...base, status: 'open' } });
  return c;
}

async function advance(tx: Tx, c: CaseRow, wf: Workflow, step: Step, now: Date): Promise<CaseRow> {
  for (const key of step.successors) {
    if (CLOSED.has(c.status)) break;
    c = await openStep(tx, c, wf, wf.byKey.get(key)!, now);
  }
  return c;
}

/** 办结: waits for the certificate where the item issues one; completes at once for the system or a 即办件; else a task. */
async function openCompletion(tx: Tx, c: CaseRow, step: Step, base: Omit<Parameters<Tx['caseTask']['create']>[0]['data'], 'status'>, now: Date): Promise<CaseRow> {
  const item = await itemOf(tx, c);
  const publication = item?.publication as ItemPublished['payload'] | undefined;
  if (item?.certificateType) {
    await tx.caseTask.create({ data: { ...base, status: 'waiting' } as never });
    await requestCertificate(tx, c, item.certificateType);
    await record(tx, c, { action: 'certificate_request', actor: SYSTEM, at: now, step: step.key, detail: { certificateType: item.certificateType } });
    return c;
  }
  if (step.position === 'system' || c.promisedDays === 0 || publication?.kind === 'immediate') {
    await tx.caseTask.create({ data: { ...base, status: 'done', outcome: 'complete', completedAt: now, completedBy: SYSTEM.id } as never });
    return completeCase(tx, c, SYSTEM, now, step.key);
  }
  await tx.caseTask.create({ data: { ...base, status: 'open' } as never });
  return c;
}

/** Asks the certificate service for the case's certificate (a new message each time: a retry is a new request). */
async function requestCertificate(tx: Tx, c: CaseRow, certificateType: string): Promise<void> {
  const applicant = c.applicant as { accountId: string; name: string };
  await enqueue(tx, buildMessage('certificate.requested', {
    zone: 'extranet', correlationId: c.applicationId,
    payload: { caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, certificateType, department: c.department, holder: { accountId: applicant.accountId, name: applicant.name }, data: { itemName: c.itemName, ...(c.form as object) } },
  }));
}

/**
 * The step the case is in once `step` is done: the first successor that will open (skipping steps
 * whose condition fails, and joins still waiting for other branches), else another live branch.
 */
async function stepAfter(tx: Tx, c: CaseRow, wf: Workflow, step: Step): Promise<string | undefined> {
  const form = c.form as Record<string, unknown>;
  const seen = new Set<string>();
  const resolved = new Set((await tx.caseTask.findMany({ where: { caseId: c.id, status: { in: ['done', 'skipped'] } }, select: { stepKey: true } })).map((t) => t.stepKey));
  resolved.add(step.key);
  const walk = (s: Step): string | undefined => {
    for (const key of s.successors) {
      if (seen.has(key)) continue;
      seen.add(key);
      const n = wf.byKey.get(key)!;
      if (!conditionHolds(n.when, form)) { resolved.add(n.key); const deeper = walk(n); if (deeper) return deeper; continue; }
      if (n.predecessors.length > 1 && !n.predecessors.every((p) => resolved.has(p))) continue;
      return n.key;
    }
    return undefined;
  };
  const next = walk(step);
  if (next) return next;
  const other = await tx.caseTask.findFirst({ where: { caseId: c.id, status: { in: [...LIVE, 'waiting'] }, stepKey: { not: step.key } }, orderBy: { dueDate: 'asc' } });
  return other?.stepKey;
}

async function cancelLive(tx: Tx, caseId: string, now: Date): Promise<void> {
  await tx.caseTask.updateMany({ where: { caseId, status: { in: [...LIVE, 'waiting'] } }, data: { status: 'cancelled', completedAt: now } });
}

async function completeCase(tx: Tx, c: CaseRow, actor: Actor, now: Date, step: string, certificateId?: string, reason?: string): Promise<CaseRow> {
  await cancelLive(tx, c.id, now);
  return transition(tx, c, { action: 'complete', to: 'completed', actor, stage: '办结', at: now, step, certificateId, reason });
}

// —— staff actions on tasks ——

async function loadTask(tx: Tx, taskId: string, s: Staff): Promise<{ c: CaseRow; task: TaskRow }> {
  const found = await tx.caseTask.findUnique({ where: { id: taskId } });
  if (!found || found.department !== s.department) throw new EngineError('task_not_found');
  const c = (await lockCase(tx, found.caseId))!;
  const task = (await tx.caseTask.findUnique({ where: { id: taskId } }))!;
  return { c, task };
}

/** Claims an open task: a conditional update, so of two concurrent claims exactly one wins. */
export async function claimTask(db: Db, taskId: string, s: Staff, now = new Date()): Promise<TaskRow> {
  return db.$transaction(async (tx) => {
    const task = await tx.caseTask.findUnique({ where: { id: taskId } });
    if (!task || task.department !== s.department) throw new EngineError('task_not_found');
    if (!mayAct(s, task)) throw new EngineError('position_required');
    const won = await tx.$executeRawUnsafe(
      `UPDATE case_task SET status = 'claimed', assignee_id = $2, assignee_name = $3, claimed_at = $4 WHERE id = $1::uuid AND status = 'open'`, taskId, s.id, s.name, now);
    const after = (await tx.caseTask.findUnique({ where: { id: taskId } }))!;
    if (!won) {
      if (after.status === 'claimed' && after.assigneeId === s.id) return after;
      throw new EngineError(after.status === 'claimed' ? 'task_claimed' : 'invalid_transition', after.status);
    }
    const c = (await tx.case.findUnique({ where: { id: task.caseId } }))!;
    await record(tx, c, { action: 'claim', actor: actorOf(s), at: now, step: task.stepKey });
    return after;
  });
}

/** Gives a claimed task back to the position's pool. */
export async function releaseTask(db: Db, taskId: string, s: Staff, now = new Date()): Promise<TaskRow> {
  return db.$transaction(async (tx) => {
    const { c, task } = await loadTask(tx, taskId, s);
    if (task.status !== 'claimed' || task.assigneeId !== s.id) throw new EngineError('invalid_transition', task.status);
    const t = await tx.caseTask.update({ where: { id: taskId }, data: { status: 'open', assigneeId: null, assigneeName: null, claimedAt: null, delegatedBy: null } });
    await record(tx, c, { action: 'release', actor: actorOf(s), at: now, step: task.stepKey });
    return t;
  });
}

/**
 * A department admin moves a live task: `reassign` to another holder of the position (or back to the
 * pool with no assignee), `delegate` to a named colleague who may act on it without holding the position.
 */
export async function assignTask(db: Db, taskId: string, admin: Staff, mode: 'reassign' | 'delegate', to: { id: string; name: string } | null, reason: string, now = new Date()): Promise<TaskRow> {
  return db.$transaction(async (tx) => {
    const { c, task } = await loadTask(tx, taskId, admin);
    if (!admin.roles.includes(DEPT_ADMIN)) throw new EngineError('not_department_admin');
    if (!LIVE.includes(task.status)) throw new EngineError('invalid_transition', task.status);
    const t = await tx.caseTask.update({
      where: { id: taskId },
      data: to
        ? { status: 'claimed', assigneeId: to.id, assigneeName: to.name, claimedAt: now, delegatedBy: mode === 'delegate' ? admin.id : null }
        : { status: 'open', assigneeId: null, assigneeName: null, claimedAt: null, delegatedBy: null },
    });
    await record(tx, c, { action: mode, actor: actorOf(admin), at: now, step: task.stepKey, reason, detail: { from: task.assigneeId ? { id: task.assigneeId, name: task.assigneeName } : null, to } });
    return t;
  });
}

/** Completes a task with an outcome; moves the case on (next steps, join, decision, completion). */
export async function completeTask(db: Db, args: { taskId: string; staff: Staff; outcome: Outcome; opinion?: string; now?: Date }): Promise<{ c: CaseRow; task: TaskRow }> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const { c, task } = await loadTask(tx, args.taskId, args.staff);
    return completeLoaded(tx, c, task, args.staff, args.outcome, args.opinion, now);
  });
}

/** The case-level shortcut (accept/reject/approve/deny/review/complete): the live task of that kind the staff member may act on. */
export async function completeStepOfKind(db: Db, args: { caseId: string; kind: Step['kind']; staff: Staff; outcome: Outcome; opinion?: string; now?: Date }): Promise<{ c: CaseRow; task: TaskRow }> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const c = await lockCase(tx, args.caseId);
    if (!c || !(await visibleIn(tx, c.id, args.staff))) throw new EngineError('case_not_found');
    const live = await tx.caseTask.findMany({ where: { caseId: c.id, kind: args.kind, status: { in: LIVE } }, orderBy: { openedAt: 'asc' } });
    const mine = live.filter((t) => mayAct(args.staff, t));
    const task = mine.find((t) => t.assigneeId === args.staff.id) ?? mine.find((t) => t.status === 'open') ?? mine[0];
    if (!task) throw new EngineError(live.length ? 'position_required' : 'invalid_transition', c.status);
    return completeLoaded(tx, c, task, args.staff, args.outcome, args.opinion, now);
  });
}

async function completeLoaded(tx: Tx, c: CaseRow, task: TaskRow, s: Staff, outcome: Outcome, opinion: string | undefined, now: Date): Promise<{ c: CaseRow; task: TaskRow }> {
  if (!LIVE.includes(task.status) || CLOSED.has(c.status)) throw new EngineError('invalid_transition', c.status);
  if (!mayAct(s, task)) throw new EngineError('position_required');
  if (task.status === 'claimed' && task.assigneeId !== s.id) throw new EngineError('task_claimed', task.assigneeName ?? undefined);
  if (PAUSED.has(c.status)) throw new EngineError('case_paused', c.status);
  const wf = await workflowFor(tx, c);
  const step = wf.byKey.get(task.stepKey)!;
  if (!OUTCOMES[step.kind].includes(outcome)) throw new EngineError('invalid_outcome', step.kind);
  const reason = opinion?.trim() || undefined;
  if (NEEDS_REASON.has(outcome) && (!reason || reason.length < 2)) throw new EngineError('reason_required');
  const done = await tx.caseTask.update({
    where: { id: task.id },
    data: { status: 'done', outcome, opinion: reason ?? null, completedAt: now, completedBy: s.id, ...(task.status === 'open' ? { assigneeId: s.id, assigneeName: s.name, claimedAt: now } : {}) },
  });
  const actor = actorOf(s);
  const base = { actor, at: now, step: step.key, reason };
  const deny = async (action: string, why: string): Promise<CaseRow> => {
    await cancelLive(tx, c.id, now);
    return transition(tx, c, { ...base, action, to: 'denied', stage: '审批过程', reason: why, data: { decidedAt: now } });
  };
  let next: CaseRow;
  switch (outcome) {
    case 'accept': {
      const on = today(now);
      next = await transition(tx, c, { ...base, action: 'accept', to: 'accepted', stage: '受理', enters: await stepAfter(tx, c, wf, step), data: { clockStart: on, dueDate: dueDateOf(on, c.promisedDays, 0) } });
      next = await advance(tx, next, wf, step, now);
      break;
    }
    case 'reject':
      await cancelLive(tx, c.id, now);
      next = await transition(tx, c, { ...base, action: 'reject', to: 'rejected', stage: '受理', data: { decidedAt: now } });
      break;
    case 'refuse':
      if (step.onRefuse !== 'continue') { next = await deny('deny', `${step.name}（${step.departmentName}）不同意：${reason}`); break; }
    // falls through: the refusal is recorded as the step's opinion and the case moves on
    case 'pass': {
      const to: CaseStatus = c.status === 'approved' || c.status === 'paid' ? c.status : 'under_review';
      next = await transition(tx, c, { ...base, action: 'review', to, stage: '审批过程', enters: await stepAfter(tx, c, wf, step), detail: { outcome }, notifyApplicant: to !== c.status });
      next = await advance(tx, next, wf, step, now);
      break;
    }
    case 'approve':
      next = await transition(tx, c, { ...base, action: 'approve', to: 'approved', stage: '审批过程', enters: await stepAfter(tx, c, wf, step), data: { decidedAt: now } });
      next = await advance(tx, next, wf, step, now);
      break;
    case 'deny':
      next = await deny('deny', reason!);
      break;
    case 'complete':
      next = await completeCase(tx, c, actor, now, step.key, undefined, reason);
      break;
  }
  return { c: next, task: done };
}

// —— pauses: supplement (补交) and special procedures (特别程序) ——

/** Case columns that resume the clock: the pause's working days are added to the case's and the live tasks' limits. */
async function resume(tx: Tx, c: CaseRow, now: Date) {
  if (!c.pausedSince) return {};
  const days = pausedWorkingDays(c.pausedSince, now);
  const live = await tx.caseTask.findMany({ where: { caseId: c.id, status: { in: LIVE } } });
  for (const t of live) {
    if (t.openedOn > c.pausedSince) continue; // opened during the pause: nothing of its limit was paused
    await tx.caseTask.update({ where: { id: t.id }, data: { pausedDays: t.pausedDays + days, dueDate: dueDateOf(t.openedOn, t.limitDays, t.pausedDays + days) } });
  }
  const pausedDays = c.clockStart ? c.pausedDays + days : c.pausedDays;
  return { pausedSince: null, pausedDays, dueDate: c.clockStart ? dueDateOf(c.clockStart, c.promisedDays, pausedDays) : null, pending: Prisma.DbNull };
}

/** The staff member must hold a live task of the case (open in their position, or claimed by them). */
async function requireCurrentHandler(tx: Tx, c: CaseRow, s: Staff): Promise<TaskRow> {
  const live = await tx.caseTask.findMany({ where: { caseId: c.id, status: { in: LIVE } } });
  const t = live.find((x) => mayAct(s, x) && (x.status === 'open' || x.assigneeId === s.id));
  if (!t) throw new EngineError(live.some((x) => mayAct(s, x)) ? 'task_claimed' : 'position_required');
  return t;
}

async function lockVisible(tx: Tx, caseId: string, s: Staff): Promise<CaseRow> {
  const c = await lockCase(tx, caseId);
  if (!c || !(await visibleIn(tx, c.id, s))) throw new EngineError('case_not_found');
  return c;
}

/** 补交告知: lists the missing materials; the clock stands still until the applicant's supplement arrives. */
export async function requestSupplement(db: Db, args: { caseId: string; staff: Staff; materials: MissingMaterial[]; note?: string; now?: Date }): Promise<CaseRow> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const c = await lockVisible(tx, args.caseId, args.staff);
    if (c.pausedSince) throw new EngineError('already_paused', c.status);
    if (!ACTIVE_BEFORE_DECISION.has(c.status)) throw new EngineError('invalid_transition', c.status);
    const task = await requireCurrentHandler(tx, c, args.staff);
    return transition(tx, c, {
      action: 'supplement_request', to: 'supplement_requested', actor: actorOf(args.staff), stage: '补交告知', at: now, step: task.stepKey,
      missingMaterials: args.materials, note: args.note, reason: args.note,
      data: { pausedSince: today(now), pending: { kind: 'supplement', materials: args.materials, requestedAt: now.toISOString(), step: task.stepKey } as object },
    });
  });
}

/** 补交受理: the applicant's supplement (inbound): corrected fields merged, new files added, the clock resumes. */
export async function receiveSupplement(tx: Tx, msg: ApplicationSupplemented, now = new Date()): Promise<CaseRow | null> {
  const p = msg.payload;
  const c = await lockCaseByApplication(tx, p.applicationId);
  if (!c) throw new CaseNotYetKnown(`no case for application ${p.applicationId} yet`);
  if (c.status !== 'supplement_requested') {
    await record(tx, c, { action: 'supplement_unexpected', actor: SYSTEM, at: now, reason: '收到补交材料，但办件当前不在补交告知状态，已记录备查', detail: { materials: p.materials.length } });
    return null;
  }
  const materials = [...(c.materials as object[]), ...p.materials.map((m) => ({ ...m, supplementedAt: p.supplementedAt }))];
  return transition(tx, c, {
    action: 'supplement_receive', to: 'supplement_received', actor: { id: (c.applicant as { accountId: string }).accountId, name: (c.applicant as { name: string }).name },
    stage: '补交受理', at: now, reason: p.comment, step: (c.pending as { step?: string } | null)?.step,
    data: { ...(await resume(tx, c, now)), form: { ...(c.form as object), ...p.form } as Prisma.InputJsonObject, materials: materials as Prisma.InputJsonArray },
    detail: { materials: p.materials.map((m) => m.fileName) },
  });
}

/** 特别程序 (hearing, expert review, on-site inspection) with its own limit; the clock stands still meanwhile. */
export async function startSpecialProcedure(db: Db, args: { caseId: string; staff: Staff; kind: SpecialProcedureKind; limitDays: number; reason: string; now?: Date }): Promise<CaseRow> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const c = await lockVisible(tx, args.caseId, args.staff);
    if (c.pausedSince) throw new EngineError('already_paused', c.status);
    if (!ACTIVE_BEFORE_DECISION.has(c.status) || c.status === 'received') throw new EngineError('invalid_transition', c.status);
    const task = await requireCurrentHandler(tx, c, args.staff);
    const on = today(now);
    const due = dueDateOf(on, args.limitDays, 0);
    const name = SPECIAL_PROCEDURES[args.kind];
    return transition(tx, c, {
      action: 'special_procedure_start', to: 'special_procedure', actor: actorOf(args.staff), stage: '特别程序申请', at: now, step: task.stepKey, reason: args.reason,
      note: `${name}：${args.limitDays} 个工作日内（至 ${due}），期间不计入办理时限`,
      data: { pausedSince: on, pending: { kind: args.kind, name, limitDays: args.limitDays, startedOn: on, dueDate: due, step: task.stepKey } as object },
    });
  });
}

export async function finishSpecialProcedure(db: Db, args: { caseId: string; staff: Staff; result: string; now?: Date }): Promise<CaseRow> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const c = await lockVisible(tx, args.caseId, args.staff);
    if (c.status !== 'special_procedure') throw new EngineError('not_in_special_procedure', c.status);
    const task = await requireCurrentHandler(tx, c, args.staff);
    const pending = c.pending as { kind: string; name: string; dueDate: string };
    return transition(tx, c, {
      action: 'special_procedure_finish', to: 'special_procedure_done', actor: actorOf(args.staff), stage: '特别程序结果', at: now, step: task.stepKey,
      reason: args.result, note: `${pending.name}结束：${args.result}`,
      data: await resume(tx, c, now), detail: { procedure: pending.kind, dueDate: pending.dueDate, overdue: today(now) > pending.dueDate },
    });
  });
}

// —— the applicant's withdrawal, the certificate, payment ——

/** 撤回: before a decision the case is withdrawn; after one the request is recorded and answered with a note. */
export async function withdraw(tx: Tx, msg: ApplicationWithdrawn, now = new Date()): Promise<CaseRow> {
  const p = msg.payload;
  const c = await lockCaseByApplication(tx, p.applicationId);
  if (!c) throw new CaseNotYetKnown(`no case for application ${p.applicationId} yet`);
  const applicant = c.applicant as { accountId: string; name: string };
  const actor = { id: applicant.accountId, name: applicant.name };
  if (c.status === 'withdrawn') return c;
  if (PRE_DECISION.has(c.status)) {
    await cancelLive(tx, c.id, now);
    return transition(tx, c, { action: 'withdraw', to: 'withdrawn', actor, stage: '办结', at: now, reason: p.reason, data: { pausedSince: null, pending: Prisma.DbNull } });
  }
  const note = `办件已${c.status === 'completed' ? '办结' : '作出决定'}，不能撤回`;
  await record(tx, c, { action: 'withdraw_refused', actor, at: now, reason: p.reason, detail: { note } });
  await enqueue(tx, buildMessage('case.status.changed', {
    zone: 'extranet', correlationId: c.applicationId,
    payload: { applicationId: c.applicationId, caseNumber: c.caseNumber, status: c.status as CaseStatus, at: now.toISOString(), note },
  }));
  return c;
}

/** certificate.issued: completes a case waiting at 办结 for it; a re-issue of a completed case changes nothing. */
export async function certificateIssued(tx: Tx, p: CertificateIssued['payload'], now = new Date()): Promise<CaseRow | null> {
  const c = await lockCase(tx, p.caseId);
  if (!c) throw new CaseNotYetKnown(`no case ${p.caseId}`);
  if (c.status === 'completed' || CLOSED.has(c.status)) return null;
  const waiting = await tx.caseTask.findFirst({ where: { caseId: c.id, kind: 'complete', status: 'waiting' } });
  if (!waiting) return tx.case.update({ where: { id: c.id }, data: { certificateId: p.certificateId, certificateFailure: Prisma.DbNull } });
  await tx.caseTask.update({ where: { id: waiting.id }, data: { status: 'done', outcome: 'complete', completedAt: now, completedBy: SYSTEM.id } });
  const cleared = c.certificateFailure ? await tx.case.update({ where: { id: c.id }, data: { certificateFailure: Prisma.DbNull } }) : c;
  return completeCase(tx, cleared, SYSTEM, now, waiting.stepKey, p.certificateId);
}

/**
 * certificate.failed (制证失败): the certificate service could not honour the case's request (unknown
 * type or issuer, data against the type's schema, no signing key). The case keeps waiting at 办结
 * and shows the failure with its reason (case view, the department's list) until an admin retries;
 * the history records each failure. A case no longer waiting for a certificate only records it.
 */
export async function certificateFailed(tx: Tx, p: CertificateFailed['payload'], now = new Date()): Promise<CaseRow | null> {
  const { caseId, certificateType } = p.request;
  const c = await lockCase(tx, caseId);
  if (!c) throw new CaseNotYetKnown(`no case ${caseId}`);
  const waiting = CLOSED.has(c.status) ? null : await tx.caseTask.findFirst({ where: { caseId: c.id, kind: 'complete', status: 'waiting' } });
  await record(tx, c, { action: 'certificate_failed', actor: SYSTEM, at: now, step: waiting?.stepKey, reason: `制证失败：${p.reason}`, detail: { code: p.code, certificateType, requestId: p.requestId } });
  if (!waiting) return null;
  const failure = { code: p.code, reason: p.reason, certificateType, failedAt: p.failedAt };
  return tx.case.update({ where: { id: c.id }, data: { certificateFailure: failure } });
}

/**
 * 重新制证: a department admin of the case's department asks for the certificate again after the
 * definition was fixed (issuer record, certificate type, key). The request goes out anew (the item's
 * current certificate type); the failure is cleared until the certificate service answers again.
 */
export async function retryCertificate(db: Db, caseId: string, s: Staff, now = new Date()): Promise<CaseRow> {
  return db.$transaction(async (tx) => {
    const c = await lockVisible(tx, caseId, s);
    if (!s.roles.includes(DEPT_ADMIN) || c.department !== s.department) throw new EngineError('not_department_admin');
    if (!c.certificateFailure) throw new EngineError('no_certificate_failure', c.status);
    const waiting = await tx.caseTask.findFirst({ where: { caseId: c.id, kind: 'complete', status: 'waiting' } });
    const item = await itemOf(tx, c);
    if (CLOSED.has(c.status) || !waiting || !item?.certificateType) throw new EngineError('invalid_transition', c.status);
    await requestCertificate(tx, c, item.certificateType);
    const failure = c.certificateFailure as { code: string; reason: string };
    await record(tx, c, { action: 'certificate_retry', actor: actorOf(s), at: now, step: waiting.stepKey, reason: '修正定义后重新制证', detail: { previous: failure.code, certificateType: item.certificateType } });
    return tx.case.update({ where: { id: c.id }, data: { certificateFailure: Prisma.DbNull } });
  });
}

/** The fees are paid (called by the fees side, see fees.ts): status paid, then the case moves on from the payment step. */
export async function completePaymentStep(db: Db, caseId: string, args: { reference: string; actor: Actor; now?: Date }): Promise<CaseRow> {
  const now = args.now ?? new Date();
  return db.$transaction(async (tx) => {
    const c = await lockCase(tx, caseId);
    if (!c) throw new EngineError('case_not_found');
    if (c.status !== 'payment_pending') throw new EngineError('not_payment_pending', c.status);
    const task = await tx.caseTask.findFirst({ where: { caseId, kind: 'payment', status: 'waiting' } });
    if (!task) throw new EngineError('not_payment_pending', c.status);
    await tx.caseTask.update({ where: { id: task.id }, data: { status: 'done', outcome: 'paid', opinion: args.reference, completedAt: now, completedBy: args.actor.id } });
    const wf = await workflowFor(tx, c);
    const paid = await transition(tx, c, { action: 'pay', to: 'paid', actor: args.actor, stage: '审批过程', at: now, step: task.stepKey, enters: await stepAfter(tx, c, wf, wf.byKey.get(task.stepKey)!), note: `缴费凭证：${args.reference}`, data: { ...(await resume(tx, c, now)), paymentReference: args.reference } });
    return advance(tx, paid, wf, wf.byKey.get(task.stepKey)!, now);
  });
}

// —— visibility ——

/**
 * The one visibility rule: staff see a case when their department has a task in it for one of
 * their positions (or assigned to them); a department admin sees every case with a task of the department.
 */
export function visibilitySql(alias: string, first: number): string {
  return `EXISTS (SELECT 1 FROM case_task vt WHERE vt.case_id = ${alias}.id AND vt.department = $${first} AND (vt.position = ANY($${first + 1}::text[]) OR vt.assignee_id = $${first + 2} OR $${first + 3}::boolean))`;
}
export const visibilityArgs = (s: Staff): unknown[] => [s.department ?? '', s.positions, s.id, s.roles.includes(DEPT_ADMIN)];

export async function visibleIn(tx: Tx | Db, caseId: string, s: Staff): Promise<boolean> {
  if (!s.department) return false;
  const rows = await tx.$queryRawUnsafe<{ ok: boolean }[]>(`SELECT true AS ok FROM "case" c WHERE c.id = $1::uuid AND ${visibilitySql('c', 2)}`, caseId, ...visibilityArgs(s));
  return rows.length > 0;
}
