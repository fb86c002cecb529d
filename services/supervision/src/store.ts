/**
 * Supervision's writes, each in the caller's transaction and each chained (chain.ts): process
 * events, items, the case projection with its anomaly hits and warning resolutions, 好差评
 * rectification tasks, and the provincial exchange rows. Handlers and routes hold no SQL.
 */
import { randomUUID } from 'node:crypto';
import { addWorkingDays } from '@hall/calendar';
import { enqueueNotification } from '@hall/notify';
import { enqueue } from '@hall/messaging';
import { buildMessage, type CertificateFailed, type EvaluationSubmitted, type ItemPublished, type MessageOf, type MessageType, type WorkflowSpec } from '@hall/contracts';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { chainRecord } from './chain.js';
import { CLOSED, STAGES, STAGE_OF_STATUS, clockStart, foldCase, isPaused, orderEvents, usedDays, dueDate, type CaseEvent, type CaseState, type Transition } from './cases.js';
import { DEFAULT_RULES, RULE_NAMES, evaluateRules, type Rules } from './rules.js';

export type Tx = Prisma.TransactionClient;

export async function loadRules(db: Tx | Db): Promise<Rules> {
  const rows = await db.ruleConfig.findMany();
  const rules = structuredClone(DEFAULT_RULES) as Rules;
  for (const r of rows) if ((RULE_NAMES as string[]).includes(r.rule)) (rules as Record<string, unknown>)[r.rule] = { enabled: r.enabled, params: r.params };
  return rules;
}

/** Which case (if any) a message is about: every case-related contract carries `caseNumber`. */
export function caseOf(m: MessageOf<MessageType>): { caseNumber: string | null; department: string | null } {
  const p = m.payload as { caseNumber?: unknown; department?: unknown };
  return { caseNumber: typeof p.caseNumber === 'string' ? p.caseNumber : null, department: typeof p.department === 'string' ? p.department : null };
}

/** Records the event once; false when it had been recorded before (a redelivery). */
export async function recordEvent(tx: Tx, m: { id: string; type: string; correlationId: string; occurredAt: string; payload: unknown }, d: { caseNumber: string | null; department: string | null; stage: string | null }): Promise<boolean> {
  const r = await tx.processEvent.createMany({
    data: [{ messageId: m.id, type: m.type, correlationId: m.correlationId, caseNumber: d.caseNumber, department: d.department, stage: d.stage, payload: m.payload as object, occurredAt: new Date(m.occurredAt) }],
    skipDuplicates: true,
  });
  if (r.count === 0) return false;
  await chainRecord(tx, 'process_event', m.id);
  return true;
}

export const stageOf = (t: Transition): string | null => { const c = STAGE_OF_STATUS[t.to]; return c ? STAGES[c] : null; };

export async function saveItem(tx: Tx, p: ItemPublished['payload']): Promise<void> {
  const existing = await tx.item.findUnique({ where: { code: p.code } });
  if (existing && existing.version > p.version) return; // an older version arriving late changes nothing
  const data = {
    version: p.version, name: p.name, department: p.department, departmentName: p.departmentName, hall: p.hall,
    promisedDays: p.promisedDays, statutoryDays: p.statutoryDays, online: p.online ?? true,
    workflow: (p.workflow ?? null) as Prisma.InputJsonValue, publishedAt: new Date(p.publishedAt),
    retiredAt: p.status === 'retired' ? new Date(p.retiredAt ?? p.publishedAt) : null,
  };
  await tx.item.upsert({ where: { code: p.code }, create: { code: p.code, firstPublishedAt: new Date(p.publishedAt), ...data }, update: data });
  await chainRecord(tx, 'item', p.code);
  // Cases filed before the item was known get their limit and hall now.
  await tx.supervisedCase.updateMany({ where: { itemCode: p.code, promisedDays: null }, data: { promisedDays: p.promisedDays, hall: p.hall } });
}

export async function caseEvents(tx: Tx | Db, caseNumber: string): Promise<CaseEvent[]> {
  const rows = await tx.processEvent.findMany({ where: { caseNumber, type: 'case.transitioned' } });
  return orderEvents(rows.map((r) => ({ messageId: r.messageId, occurredAt: r.occurredAt, payload: r.payload as unknown as Transition })));
}

/** 制证失败 (certificate.failed): an anomaly of the case, once per failure event, with the cause. */
export async function recordCertificateFailure(tx: Tx, messageId: string, p: CertificateFailed['payload']): Promise<void> {
  const id = randomUUID();
  await tx.anomaly.create({
    data: { id, rule: 'certificate_failed', caseNumber: p.request.caseNumber, department: p.request.department, messageId, actor: 'system', detail: { code: p.code, reason: p.reason, certificateType: p.request.certificateType, requestId: p.requestId, at: p.failedAt }, detectedAt: new Date() },
  });
  await chainRecord(tx, 'anomaly', id);
}

/** Rebuilds the case from all its events, records new anomaly hits and resolves warnings that no longer apply. */
export async function recomputeCase(tx: Tx, caseNumber: string): Promise<CaseState | null> {
  // Two events of one case handled at once: the second waits, then reads the first one's commit.
  await lockKey(tx, `case:${caseNumber}`);
  const events = await caseEvents(tx, caseNumber);
  if (events.length === 0) return null;
  const s = foldCase(events);
  const item = await tx.item.findUnique({ where: { code: s.itemCode } });
  // The application (IN stream) and the case (X stream) may be handled at the same moment.
  await lockKey(tx, `application:${s.applicationId}`);
  const online = (await tx.processEvent.count({ where: { type: 'application.submitted', correlationId: s.applicationId } })) > 0;
  const promisedDays = item?.promisedDays ?? null;
  const used = s.completedAt ? usedDays(s.pauses, clockStart(s), s.completedAt) : null;
  const data = {
    caseId: s.caseId, applicationId: s.applicationId, itemCode: s.itemCode, department: s.department, hall: item?.hall ?? null,
    status: s.status, online, receivedAt: s.receivedAt, acceptedAt: s.acceptedAt, closedAt: s.closedAt, completedAt: s.completedAt,
    promisedDays, usedDays: used, withinLimit: used !== null && promisedDays !== null ? used <= promisedDays : null,
    paused: isPaused(s), supplements: s.supplements, currentStep: s.currentStep, stepEnteredAt: s.stepEnteredAt,
    responsible: s.responsible, lastResult: s.lastResult, updatedAt: new Date(),
  };
  await tx.supervisedCase.upsert({ where: { caseNumber }, create: { caseNumber, ...data }, update: data });

  const rules = await loadRules(tx);
  const accounts = [...new Set(events.filter((e) => e.payload.to === 'accepted').map((e) => e.payload.actor))];
  const shifts = accounts.length ? await tx.dutyShift.findMany({ where: { account: { in: accounts } } }) : [];
  const hits = evaluateRules(events, s, { rules, onDuty: (a, at) => shifts.some((x) => x.account === a && x.startsAt <= at && at < x.endsAt) });
  const existing = new Map((await tx.anomaly.findMany({ where: { caseNumber } })).map((a) => [`${a.rule}\u0000${a.messageId}`, a]));
  const current = new Set<string>();
  for (const h of hits) {
    const key = `${h.rule}\u0000${h.messageId}`;
    current.add(key);
    const had = existing.get(key);
    if (had) {
      if (had.retractedAt) { await tx.anomaly.update({ where: { id: had.id }, data: { retractedAt: null } }); await chainRecord(tx, 'anomaly', had.id); }
      continue;
    }
    const id = randomUUID();
    await tx.anomaly.create({ data: { id, rule: h.rule, caseNumber, department: s.department, messageId: h.messageId, actor: h.actor, detail: h.detail as Prisma.InputJsonValue, detectedAt: new Date() } });
    await chainRecord(tx, 'anomaly', id);
  }
  // A hit the complete history no longer supports (a late event filled the gap) is retracted, not
  // deleted; a rule switched off since leaves its earlier hits alone.
  for (const [key, a] of existing) {
    if (current.has(key) || a.retractedAt || !rules[a.rule as keyof Rules]?.enabled) continue;
    await tx.anomaly.update({ where: { id: a.id }, data: { retractedAt: new Date() } });
    await chainRecord(tx, 'anomaly', a.id);
  }

  const open = await tx.warning.findMany({ where: { caseNumber, resolvedAt: null } });
  for (const w of open) {
    let resolution: string | null = null;
    if (s.closedAt) resolution = s.status === 'completed' ? (data.withinLimit === false || w.level === 'red' ? 'completed_late' : 'completed_in_time') : s.status;
    else if (w.scope.startsWith('step:') && w.scope !== `step:${s.currentStep}`) resolution = 'step_completed';
    if (!resolution) continue;
    await tx.warning.update({ where: { id: w.id }, data: { resolvedAt: s.closedAt ?? new Date(), resolution } });
    await chainRecord(tx, 'warning', w.id);
  }
  return s;
}

/** A transaction-level advisory lock on a string key. */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  await tx.$queryRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))::text', key);
}

/** An online application (网上申报) marks its case as filed online, whichever of the two arrives first. */
export async function markOnline(tx: Tx, applicationId: string): Promise<void> {
  await lockKey(tx, `application:${applicationId}`);
  await tx.supervisedCase.updateMany({ where: { applicationId }, data: { online: true } });
}

/** Writes the stage row of the provincial front-end exchange table for a transition (once per event). */
export async function writeExchangeRow(tx: Tx, messageId: string, t: Transition, occurredAt: Date): Promise<void> {
  // The stage approval names wins (a review step that keeps the status is still 审批过程); the status decides otherwise.
  const named = t.stage ? (Object.keys(STAGES) as (keyof typeof STAGES)[]).find((k) => STAGES[k] === t.stage) : undefined;
  const code = named ?? STAGE_OF_STATUS[t.to];
  if (!code) return;
  const c = await tx.supervisedCase.findUnique({ where: { caseNumber: t.caseNumber } });
  const id = randomUUID();
  const r = await tx.provinceExchange.createMany({
    data: [{
      id, sourceMessageId: messageId, stage: code, stageName: STAGES[code], caseNumber: t.caseNumber, itemCode: t.itemCode, department: t.department,
      actor: t.actor, occurredAt, opinion: t.reason ?? null, promisedDays: c?.promisedDays ?? null,
      data: { caseId: t.caseId, applicationId: t.applicationId, action: t.action, from: t.from, to: t.to, ...(t.step ? { step: t.step } : {}), ...(code === 'completion' ? { result: c?.lastResult ?? t.to, withinLimit: c?.withinLimit ?? null } : {}) },
    }],
    skipDuplicates: true,
  });
  if (r.count) await chainRecord(tx, 'province_exchange', id);
}

/** Staff to tell about a case: the responsible account and the department's heads, where contact details are known. */
export async function recipients(tx: Tx, department: string, responsible: string | null): Promise<{ channel: 'sms' | 'email'; recipient: string }[]> {
  const contacts = await tx.staffContact.findMany({ where: { OR: [{ department, head: true }, ...(responsible ? [{ account: responsible }] : [])] } });
  return contacts.flatMap((c): { channel: 'sms' | 'email'; recipient: string }[] => (c.phone ? [{ channel: 'sms', recipient: c.phone }] : c.email ? [{ channel: 'email', recipient: c.email }] : []));
}

/** 差评 (level ≤ 2) opens a rectification task due in `days` working days; the department's heads are told. */
export async function openRectification(tx: Tx, p: EvaluationSubmitted['payload'], days: number): Promise<void> {
  if (p.level > 2) return;
  const id = randomUUID();
  const deadline = addWorkingDays(new Date(p.evaluatedAt), days);
  const r = await tx.rectification.createMany({
    data: [{ id, evaluationId: p.evaluationId, caseNumber: p.caseNumber, department: p.department, level: p.level, comment: p.comment ?? null, openedAt: new Date(p.evaluatedAt), deadline, status: 'open' }],
    skipDuplicates: true,
  });
  if (!r.count) return;
  await chainRecord(tx, 'rectification', id);
  for (const to of await recipients(tx, p.department, null)) {
    await enqueueNotification(tx, { ...to, subject: '差评整改通知', body: `办件 ${p.caseNumber} 收到差评（${p.level} 星）${p.comment ? `：${p.comment}` : ''}。请于 ${deadline} 前完成整改并反馈。` });
  }
}

export const LEVEL_TEXT = { yellow: '黄牌预警', red: '红牌警告' } as const;

/** Raises a warning once (per case, scope and level): chained, told to the staff and heads, and published as supervision.warning.raised. */
export async function raiseWarning(tx: Tx, w: { caseNumber: string; department: string; scope: string; level: 'yellow' | 'red'; limitDays: number; usedDays: number; dueDate: string; responsible: string | null; at: Date }): Promise<boolean> {
  const id = randomUUID();
  const r = await tx.warning.createMany({ data: [{ id, caseNumber: w.caseNumber, department: w.department, scope: w.scope, level: w.level, limitDays: w.limitDays, usedDays: w.usedDays, dueDate: w.dueDate, responsible: w.responsible, raisedAt: w.at }], skipDuplicates: true });
  if (!r.count) return false;
  const to = await recipients(tx, w.department, w.responsible);
  const what = w.scope === 'case' ? '承诺时限' : `环节“${w.scope.slice(5)}”时限`;
  for (const x of to) {
    await enqueueNotification(tx, { ...x, subject: `电子监察${LEVEL_TEXT[w.level]}`, body: `办件 ${w.caseNumber} 的${what}为 ${w.limitDays} 个工作日，已用 ${w.usedDays} 个工作日，${w.level === 'red' ? '已超期' : '即将到期'}（到期日 ${w.dueDate}）。请尽快办理。` });
  }
  await tx.warning.update({ where: { id }, data: { notified: to.length } });
  await chainRecord(tx, 'warning', id);
  await enqueue(tx, buildMessage('supervision.warning.raised', {
    zone: 'extranet', correlationId: w.caseNumber, occurredAt: w.at,
    payload: { warningId: id, caseNumber: w.caseNumber, department: w.department, level: w.level, scope: w.scope, limitDays: w.limitDays, usedDays: w.usedDays, dueDate: w.dueDate, ...(w.responsible ? { responsible: w.responsible } : {}), raisedAt: w.at.toISOString() },
  }));
  return true;
}

export const workflowStepLimit = (workflow: unknown, step: string | null): number | null => {
  if (!step || !workflow) return null;
  const s = (workflow as WorkflowSpec).steps?.find((x) => x.key === step);
  return s?.limitDays ?? null;
};
export { CLOSED, dueDate };
