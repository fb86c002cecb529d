/**
 * One case transition, written in the caller's transaction: the case row, its history entry, the
 * audit entry, the process event for supervision (case.transitioned, X) and the status for the
 * applicant (case.status.changed, OUTBOUND), both through the outbox.
 */
import { buildMessage, type CaseStatus } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { audit } from '@hall/db';
import type { Prisma } from './generated/prisma/client.js';
import type { Db } from './db.js';
import { endOfDay } from './deadlines.js';

export type Tx = Prisma.TransactionClient;
export type CaseRow = NonNullable<Awaited<ReturnType<Db['case']['findFirst']>>>;
export type TaskRow = NonNullable<Awaited<ReturnType<Db['caseTask']['findFirst']>>>;
export interface Actor { id: string; name: string }
export const SYSTEM: Actor = { id: 'system', name: '系统' };

/** The provincial exchange stages (省级数据交换 7+1 环节). */
export type Stage = '网上受理' | '受理' | '审批过程' | '补交告知' | '补交受理' | '特别程序申请' | '特别程序结果' | '办结';

export interface MissingMaterial { materialCode: string; name: string; reason?: string }

export interface TransitionArgs {
  action: string;
  to: CaseStatus;
  actor: Actor;
  stage: Stage;
  at: Date;
  /** The workflow step the action belongs to (history). */
  step?: string;
  /** The step the case is in after the transition (case.transitioned `step`); defaults to `step`. */
  enters?: string;
  reason?: string;
  note?: string;
  missingMaterials?: MissingMaterial[];
  certificateId?: string;
  detail?: Record<string, unknown>;
  /** Further columns of the case to write with the status. */
  data?: Prisma.CaseUpdateInput;
  /** false: history and supervision only (the applicant's status does not change). */
  notifyApplicant?: boolean;
}

export async function transition(tx: Tx, c: CaseRow, a: TransitionArgs): Promise<CaseRow> {
  const from = c.status as CaseStatus;
  const updated = await tx.case.update({
    where: { id: c.id },
    data: { ...a.data, status: a.to, updatedAt: a.at, ...(a.certificateId ? { certificateId: a.certificateId } : {}) },
  });
  const detail = { ...a.detail, ...(a.missingMaterials ? { missingMaterials: a.missingMaterials } : {}), ...(a.note ? { note: a.note } : {}) };
  await tx.caseAction.create({
    data: {
      caseId: c.id, action: a.action, fromStatus: a.action === 'receive' ? null : from, toStatus: a.to, actorId: a.actor.id, actorName: a.actor.name,
      reason: a.reason ?? null, at: a.at, stepKey: a.step ?? null, stage: a.stage, detail: Object.keys(detail).length ? (detail as object) : undefined,
    },
  });
  await audit(tx, { actor: a.actor.id, action: `case.${a.action}`, target: `case:${c.caseNumber}`, detail: { from, to: a.to, ...(a.step ? { step: a.step } : {}), ...(a.reason ? { reason: a.reason } : {}) } });
  const dueAt = updated.dueDate ? endOfDay(updated.dueDate) : undefined;
  if (a.notifyApplicant !== false) {
    await enqueue(tx, buildMessage('case.status.changed', {
      zone: 'extranet', correlationId: c.applicationId,
      payload: {
        applicationId: c.applicationId, caseNumber: c.caseNumber, status: a.to, at: a.at.toISOString(),
        ...(a.reason ? { reason: a.reason } : {}), ...(a.certificateId ? { certificateId: a.certificateId } : {}),
        ...(a.missingMaterials ? { missingMaterials: a.missingMaterials } : {}), ...(dueAt ? { dueAt } : {}), ...(a.note ? { note: a.note } : {}),
      },
    }));
  }
  await enqueue(tx, buildMessage('case.transitioned', {
    zone: 'extranet', correlationId: c.applicationId,
    payload: {
      caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, itemCode: c.itemCode, department: c.department,
      action: a.action, from: a.action === 'receive' ? null : from, to: a.to, actor: a.actor.id.slice(0, 64), at: a.at.toISOString(), stage: a.stage,
      ...(a.reason ? { reason: a.reason } : {}), ...((a.enters ?? a.step) ? { step: a.enters ?? a.step } : {}), ...(dueAt ? { dueAt } : {}),
    },
  }));
  return updated;
}

/** A history entry without a status change (claim, reassignment, delegation, a late withdrawal): audited, no process event. */
export async function record(tx: Tx, c: CaseRow, a: { action: string; actor: Actor; at: Date; step?: string; reason?: string; detail?: Record<string, unknown> }): Promise<void> {
  await tx.caseAction.create({
    data: { caseId: c.id, action: a.action, fromStatus: c.status, toStatus: c.status, actorId: a.actor.id, actorName: a.actor.name, reason: a.reason ?? null, at: a.at, stepKey: a.step ?? null, detail: a.detail ? (a.detail as object) : undefined },
  });
  await audit(tx, { actor: a.actor.id, action: `case.${a.action}`, target: `case:${c.caseNumber}`, detail: { ...(a.step ? { step: a.step } : {}), ...(a.reason ? { reason: a.reason } : {}), ...a.detail } });
}
