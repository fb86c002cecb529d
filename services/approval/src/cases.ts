/**
 * Case repository and the state machine of the golden path:
 *   received (网上受理) → accepted (受理) | rejected (不予受理)
 *   accepted → approved (审批通过) | denied (不予许可)
 *   approved → completed (办结) once the certificate is issued (or at once if the item issues none)
 * Every transition writes the case, its history row and its messages (status to the applicant
 * through OUTBOUND, process event for supervision) in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage, type ApplicationSubmitted, type CaseStatus, type ItemPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { chinaDateCompact } from '@hall/service';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;
export type CaseRow = NonNullable<Awaited<ReturnType<Db['case']['findFirst']>>>;
export interface Actor { id: string; name: string }
export const SYSTEM: Actor = { id: 'system', name: '系统' };

export class TransitionError extends Error {
  constructor(public readonly reason: 'not_found' | 'invalid_transition', public readonly current?: string) { super(reason); }
}

/** `GY-WJW-20261126-000001`: department, date (Asia/Shanghai), sequence of the day. */
async function nextCaseNumber(tx: Tx, department: string, at: Date): Promise<string> {
  const ymd = chinaDateCompact(at);
  const scope = `${department}:${ymd}`;
  const rows = await tx.$queryRawUnsafe<{ value: number }[]>(
    'INSERT INTO case_number_counter (scope, value) VALUES ($1, 1) ON CONFLICT (scope) DO UPDATE SET value = case_number_counter.value + 1 RETURNING value', scope);
  return `${department.toUpperCase()}-${ymd}-${String(rows[0]!.value).padStart(6, '0')}`;
}

async function emit(tx: Tx, c: CaseRow, action: string, from: CaseStatus | null, to: CaseStatus, actor: Actor, at: Date, extra: { reason?: string; certificateId?: string } = {}) {
  await tx.caseAction.create({ data: { caseId: c.id, action, fromStatus: from, toStatus: to, actorId: actor.id, actorName: actor.name, reason: extra.reason ?? null, at } });
  await enqueue(tx, buildMessage('case.status.changed', {
    zone: 'extranet', correlationId: c.applicationId,
    payload: { applicationId: c.applicationId, caseNumber: c.caseNumber, status: to, at: at.toISOString(), ...(extra.reason ? { reason: extra.reason } : {}), ...(extra.certificateId ? { certificateId: extra.certificateId } : {}) },
  }));
  await enqueue(tx, buildMessage('case.transitioned', {
    zone: 'extranet', correlationId: c.applicationId,
    payload: { caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, itemCode: c.itemCode, department: c.department, action, from, to, actor: actor.id, at: at.toISOString(), ...(extra.reason ? { reason: extra.reason } : {}) },
  }));
}

export function caseRepository(db: Db) {
  return {
    async saveItem(tx: Tx, p: ItemPublished['payload']): Promise<void> {
      const data = { name: p.name, department: p.department, departmentName: p.departmentName, certificateType: p.certificateType ?? null, promisedDays: p.promisedDays, publication: p as object };
      await tx.itemDefinition.upsert({ where: { code_version: { code: p.code, version: p.version } }, create: { code: p.code, version: p.version, ...data }, update: data });
    },

    /** Creates the case for an inbound application; returns null when the item version is not known here yet. */
    async createFromApplication(tx: Tx, msg: ApplicationSubmitted): Promise<CaseRow | null> {
      const a = msg.payload;
      // One case per application, whatever message id the application arrives under.
      const existing = await tx.case.findUnique({ where: { applicationId: a.applicationId } });
      if (existing) return existing;
      const item = await tx.itemDefinition.findUnique({ where: { code_version: { code: a.itemCode, version: a.itemVersion } } });
      if (!item) return null;
      const now = new Date();
      const c = await tx.case.create({
        data: {
          id: randomUUID(), caseNumber: await nextCaseNumber(tx, item.department, now), applicationId: a.applicationId, receiptNo: a.receiptNo,
          itemCode: a.itemCode, itemVersion: a.itemVersion, itemName: item.name, department: item.department,
          applicant: a.applicant as object, form: a.form as object, materials: a.materials as object, status: 'received', receivedAt: now, updatedAt: now,
        },
      });
      await emit(tx, c, 'receive', null, 'received', SYSTEM, now);
      return c;
    },

    /**
     * Moves a case from one of `from` to `to`, locking its row so two clerks cannot both act.
     * `department` limits the case to the actor's own department (others see "not found").
     */
    async transition(args: { caseId: string; department?: string; from: CaseStatus[]; to: CaseStatus; action: string; actor: Actor; reason?: string; certificateId?: string; after?: (tx: Tx, c: CaseRow) => Promise<void> }, tx?: Tx): Promise<CaseRow> {
      const run = async (t: Tx) => {
        const locked = await t.$queryRawUnsafe<{ status: string; department: string }[]>('SELECT status, department FROM "case" WHERE id = $1::uuid FOR UPDATE', args.caseId);
        const row = locked[0];
        if (!row || (args.department && row.department !== args.department)) throw new TransitionError('not_found');
        if (!args.from.includes(row.status as CaseStatus)) throw new TransitionError('invalid_transition', row.status);
        const now = new Date();
        const c = await t.case.update({ where: { id: args.caseId }, data: { status: args.to, updatedAt: now, ...(args.certificateId ? { certificateId: args.certificateId } : {}) } });
        await emit(t, c, args.action, row.status as CaseStatus, args.to, args.actor, now, { reason: args.reason, certificateId: args.certificateId });
        if (args.after) await args.after(t, c);
        return c;
      };
      return tx ? run(tx) : db.$transaction(run);
    },

    async requestCertificate(tx: Tx, c: CaseRow): Promise<boolean> {
      const item = await tx.itemDefinition.findUnique({ where: { code_version: { code: c.itemCode, version: c.itemVersion } } });
      if (!item?.certificateType) return false;
      const applicant = c.applicant as { accountId: string; name: string };
      await enqueue(tx, buildMessage('certificate.requested', {
        zone: 'extranet', correlationId: c.applicationId,
        payload: { caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, certificateType: item.certificateType, department: c.department, holder: { accountId: applicant.accountId, name: applicant.name }, data: { itemName: c.itemName, ...(c.form as object) } },
      }));
      return true;
    },

    list: (q: { department: string; status?: string; skip: number; take: number }) => {
      const where = { department: q.department, ...(q.status ? { status: q.status } : {}) };
      return db.$transaction([db.case.findMany({ where, orderBy: { receivedAt: 'desc' }, skip: q.skip, take: q.take }), db.case.count({ where })]);
    },
    /** By case number (办件编号), for status queries; `department` limits it to one department's cases. */
    findByNumber: (caseNumber: string, department?: string) => db.case.findFirst({ where: { caseNumber, ...(department ? { department } : {}) } }),

    async get(id: string, department: string) {
      const c = await db.case.findFirst({ where: { id, department } });
      if (!c) return null;
      const history = await db.caseAction.findMany({ where: { caseId: id }, orderBy: { id: 'asc' } });
      return { c, history };
    },
  };
}
