/**
 * Reading cases and tasks: the staff inbox (my tasks by position, soonest deadline first), case
 * search, the department view for admins, case detail with its history and workflow position.
 * State changes live in engine.ts; every read here applies the one visibility rule (engine.ts).
 */
import type { ItemPublished } from '@hall/contracts';
import type { Db } from './db.js';
import type { Tx, CaseRow, TaskRow } from './transitions.js';
import { visibilitySql, visibilityArgs, forgetWorkflow, type Staff } from './engine.js';

export type { CaseRow, TaskRow } from './transitions.js';

export interface InboxRow {
  id: string; case_id: string; step_key: string; step_name: string; kind: string; department: string; position: string; status: string;
  assignee_id: string | null; assignee_name: string | null; delegated_by: string | null; due_date: string; opened_at: Date; limit_days: number;
  case_number: string; item_name: string; applicant_name: string; case_status: string; paused_since: string | null; case_due_date: string | null;
}

/** Region prefix a staff member's region covers (city 341600 → 3416, county 341621 → 341621). */
function regionPrefix(region?: string): string | null {
  if (!region) return null;
  return /^\d{4}00$/.test(region) ? region.slice(0, 4) : region;
}

/** The inbox counts its tasks up to this many (a clerk does not page further; the count stays cheap). */
export const INBOX_COUNT_CAP = 10_000;

const TASK_COLUMNS = `t.id, t.case_id, t.step_key, t.step_name, t.kind, t.department, t.position, t.status, t.assignee_id, t.assignee_name, t.delegated_by, t.due_date, t.opened_at, t.limit_days,
  c.case_number, c.item_name, c.applicant->>'name' AS applicant_name, c.status AS case_status, c.paused_since, c.due_date AS case_due_date`;

export function caseRepository(db: Db) {
  return {
    async saveItem(tx: Tx, p: ItemPublished['payload']): Promise<void> {
      const data = { name: p.name, department: p.department, departmentName: p.departmentName, certificateType: p.certificateType ?? null, promisedDays: p.promisedDays, publication: p as object };
      await tx.itemDefinition.upsert({ where: { code_version: { code: p.code, version: p.version } }, create: { code: p.code, version: p.version, ...data }, update: data });
      forgetWorkflow(p.code, p.version);
    },

    /**
     * My inbox: live tasks of my department for my positions (unclaimed or claimed by me) and tasks
     * delegated or reassigned to me; soonest deadline first. Each position is read in index order
     * (department, position, due date) and the pages merged, so 100 000 open tasks cost one short
     * index range per position; the total is counted up to INBOX_COUNT_CAP.
     */
    async inbox(s: Staff, q: { skip: number; take: number; mine?: boolean }): Promise<[InboxRow[], number]> {
      const own = q.mine ? 't.assignee_id = $3' : '(t.assignee_id IS NULL OR t.assignee_id = $3)';
      const region = `(t.region IS NULL OR ($4::text IS NOT NULL AND t.region LIKE $4 || '%'))`;
      const pool = `t.department = $1 AND t.position = p.position AND t.status IN ('open', 'claimed') AND ${own} AND ${region}`;
      const assigned = `t.department = $1 AND t.assignee_id = $3 AND t.status = 'claimed' AND NOT (t.position = ANY($2::text[]))`;
      const args = [s.department, s.positions, s.id, regionPrefix(s.region)];
      const rows = await db.$queryRawUnsafe<InboxRow[]>(
        `WITH pool AS (
           SELECT t.* FROM unnest($2::text[]) AS p(position)
           CROSS JOIN LATERAL (SELECT t.* FROM case_task t WHERE ${pool} ORDER BY t.due_date, t.opened_at LIMIT $5::int + $6::int) t
         ), page AS (
           SELECT * FROM (SELECT * FROM pool UNION ALL SELECT t.* FROM case_task t WHERE ${assigned}) u ORDER BY due_date, opened_at LIMIT $5 OFFSET $6
         )
         SELECT ${TASK_COLUMNS} FROM page t JOIN "case" c ON c.id = t.case_id ORDER BY t.due_date, t.opened_at`, ...args, q.take, q.skip);
      const total = await db.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT (SELECT count(*) FROM (SELECT 1 FROM unnest($2::text[]) AS p(position) JOIN case_task t ON ${pool} LIMIT ${INBOX_COUNT_CAP}) x)
              + (SELECT count(*) FROM case_task t WHERE ${assigned}) AS n`, ...args);
      return [rows, Math.min(Number(total[0]!.n), INBOX_COUNT_CAP)];
    },

    /** The department view (admins): every live task of the department, with its assignee. */
    async departmentTasks(department: string, q: { skip: number; take: number; position?: string }): Promise<[InboxRow[], number]> {
      const where = `t.department = $1 AND t.status IN ('open', 'claimed') AND ($2::text IS NULL OR t.position = $2)`;
      const rows = await db.$queryRawUnsafe<InboxRow[]>(
        `WITH page AS (SELECT t.* FROM case_task t WHERE ${where} ORDER BY t.due_date, t.opened_at LIMIT $3 OFFSET $4)
         SELECT ${TASK_COLUMNS} FROM page t JOIN "case" c ON c.id = t.case_id ORDER BY t.due_date, t.opened_at`, department, q.position ?? null, q.take, q.skip);
      const total = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM case_task t WHERE ${where}`, department, q.position ?? null);
      return [rows, Number(total[0]!.n)];
    },

    /** Cases I may see, newest first; `q` searches case number, receipt number, item, applicant name and the form's values. */
    async search(s: Staff, q: { status?: string; q?: string; certificateFailed?: boolean; skip: number; take: number }): Promise<[CaseRow[], number]> {
      const like = q.q ? `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
      const where = `${visibilitySql('c', 1)} AND ($5::text IS NULL OR c.status = $5)
        AND ($6::text IS NULL OR c.case_number ILIKE $6 OR c.receipt_no ILIKE $6 OR c.item_name ILIKE $6 OR c.applicant->>'name' ILIKE $6 OR c.form::text ILIKE $6)${q.certificateFailed ? ' AND c.certificate_failure IS NOT NULL' : ''}`;
      const args = [...visibilityArgs(s), q.status ?? null, like];
      const ids = await db.$queryRawUnsafe<{ id: string }[]>(`SELECT c.id FROM "case" c WHERE ${where} ORDER BY c.received_at DESC, c.id LIMIT $7 OFFSET $8`, ...args, q.take, q.skip);
      const total = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "case" c WHERE ${where}`, ...args);
      const rows = await db.case.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
      const order = new Map(ids.map((r, i) => [r.id, i]));
      return [rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!), Number(total[0]!.n)];
    },

    /** By case number (办件编号), for status queries; `department` limits it to one department's cases. */
    findByNumber: (caseNumber: string, department?: string) => db.case.findFirst({ where: { caseNumber, ...(department ? { department } : {}) } }),

    async get(id: string, s: Staff) {
      const visible = await db.$queryRawUnsafe<{ id: string }[]>(`SELECT c.id FROM "case" c WHERE c.id = $5::uuid AND ${visibilitySql('c', 1)}`, ...visibilityArgs(s), id);
      if (!visible.length) return null;
      const c = (await db.case.findUnique({ where: { id } }))!;
      const [history, tasks, item] = await Promise.all([
        db.caseAction.findMany({ where: { caseId: id }, orderBy: { id: 'asc' } }),
        db.caseTask.findMany({ where: { caseId: id }, orderBy: { openedAt: 'asc' } }),
        db.itemDefinition.findUnique({ where: { code_version: { code: c.itemCode, version: c.itemVersion } } }),
      ]);
      return { c, history, tasks: tasks as TaskRow[], item };
    },
  };
}
