/**
 * 投诉 (administrative complaints), supervision side. A complaint filed at the portal arrives
 * inbound (complaint.filed); supervision records it against the answerable department, assigns it
 * to a handler, and tracks it against a deadline of COMPLAINT_ANSWER_WORKING_DAYS working days
 * (@hall/calendar). The answer leaves through the outbox as complaint.answered (OUTBOUND lane, back
 * to the complainant, anonymous ones by tracking code). A complaint still unanswered after its
 * deadline raises a red warning once: a complaint_warning row and hall.x.supervision.complaint.overdue.
 * These tables are separate from the case deadline warnings. Complaints and their outcomes count in
 * each department's statistics (GET /v1/complaints/statistics).
 */
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject, type HttpApp } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import type { Principal } from '@hall/auth';
import { addWorkingDays, chinaDate } from '@hall/calendar';
import { buildMessage, type ComplaintFiled } from '@hall/contracts';
import { consume, enqueue, handleOnce } from '@hall/messaging';
import { PageQuery, PageOf, pageWindow, type ServiceContext } from '@hall/service';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;
type ComplaintRow = NonNullable<Awaited<ReturnType<Db['complaint']['findFirst']>>>;

/** 投诉答复时限: working days from filing to answer. */
export const COMPLAINT_ANSWER_WORKING_DAYS = 10;
export const UNASSIGNED = 'unassigned';

/** The end (23:59:59.999 China time) of the working day `days` working days after `filedAt`. */
export function complaintDueAt(filedAt: Date, days = COMPLAINT_ANSWER_WORKING_DAYS): Date {
  const day = addWorkingDays(chinaDate(filedAt), days);
  return new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 86_400_000 - 1);
}

async function recordFiled(tx: Tx, m: ComplaintFiled): Promise<void> {
  const p = m.payload;
  let department = p.target.department ?? null;
  if (!department && p.target.caseNumber) {
    const ev = await tx.processEvent.findFirst({ where: { caseNumber: p.target.caseNumber, department: { not: null } } });
    department = ev?.department ?? null;
  }
  const filedAt = new Date(p.filedAt);
  await tx.complaint.create({
    data: {
      id: p.complaintId, trackingCode: p.trackingCode, targetKind: p.target.kind, caseNumber: p.target.caseNumber ?? null, staffName: p.target.staffName ?? null,
      department: department ?? UNASSIGNED, category: p.category, content: p.content, anonymous: p.anonymous,
      complainantName: p.complainant?.name ?? null, complainantPhone: p.complainant?.phone ?? null, filedAt, dueAt: complaintDueAt(filedAt),
    },
  });
  await tx.complaintAction.create({ data: { complaintId: p.complaintId, action: 'receive', actor: 'system', detail: { department: department ?? UNASSIGNED } } });
}

/** Raises a warning for every complaint past its deadline and still unanswered at `now` (once each). */
export async function sweepOverdueComplaints(db: Db, now: Date): Promise<number> {
  return db.$transaction(async (tx) => {
    const due = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT c.id::text AS id FROM complaint c LEFT JOIN complaint_warning w ON w.complaint_id = c.id
        WHERE c.status <> 'answered' AND c.due_at < $1 AND w.complaint_id IS NULL
        ORDER BY c.due_at LIMIT 100 FOR UPDATE OF c SKIP LOCKED`, now);
    for (const { id } of due) {
      const c = await tx.complaint.findUniqueOrThrow({ where: { id } });
      await tx.complaintWarning.create({ data: { complaintId: id, department: c.department, level: 'red', dueAt: c.dueAt, raisedAt: now } });
      await tx.complaintAction.create({ data: { complaintId: id, action: 'overdue', actor: 'system', detail: { dueAt: c.dueAt.toISOString() } } });
      await enqueue(tx, buildMessage('supervision.complaint.overdue', {
        zone: 'extranet', correlationId: `complaint:${id}`, occurredAt: now,
        payload: { complaintId: id, trackingCode: c.trackingCode, department: c.department, dueAt: c.dueAt.toISOString(), workingDaysLimit: COMPLAINT_ANSWER_WORKING_DAYS, raisedAt: now.toISOString() },
      }));
    }
    return due.length;
  });
}

const OUTCOME = Type.Union([Type.Literal('substantiated'), Type.Literal('partly'), Type.Literal('unsubstantiated')]);
const ComplaintView = Type.Object({
  id: Type.String(), trackingCode: Type.String(), targetKind: Type.String(), caseNumber: Type.Union([Type.String(), Type.Null()]), staffName: Type.Union([Type.String(), Type.Null()]),
  department: Type.String(), category: Type.String(), content: Type.String(), anonymous: Type.Boolean(), complainantName: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(), assignee: Type.Union([Type.String(), Type.Null()]), assigneeName: Type.Union([Type.String(), Type.Null()]), filedAt: Type.String(), dueAt: Type.String(), overdue: Type.Boolean(),
  outcome: Type.Union([Type.String(), Type.Null()]), answer: Type.Union([Type.String(), Type.Null()]), answeredAt: Type.Union([Type.String(), Type.Null()]),
});

export async function registerComplaintRoutes(app: HttpApp, ctx: ServiceContext<unknown, Db>, clock: () => Date): Promise<void> {
  const db = ctx.prisma;
  // Supervisors see every complaint; a department's complaint handlers (投诉处理) see their own department's.
  const reader = [app.authenticate, requireRealm('staff'), requireRole('supervisor', 'complaint_handler')];
  const scope = (p: Principal): Prisma.ComplaintWhereInput => {
    if (p.roles.includes('supervisor')) return {};
    if (!p.department) throw Problems.forbidden('no_department', '账号未归属任何部门');
    return { department: p.department };
  };
  const view = (c: ComplaintRow) => ({
    id: c.id, trackingCode: c.trackingCode, targetKind: c.targetKind, caseNumber: c.caseNumber, staffName: c.staffName, department: c.department, category: c.category,
    content: c.content, anonymous: c.anonymous, complainantName: c.complainantName, status: c.status, assignee: c.assignee, assigneeName: c.assigneeName,
    filedAt: c.filedAt.toISOString(), dueAt: c.dueAt.toISOString(), overdue: c.status !== 'answered' ? clock() > c.dueAt : Boolean(c.answeredAt && c.answeredAt > c.dueAt),
    outcome: c.outcome, answer: c.answer, answeredAt: c.answeredAt?.toISOString() ?? null,
  });
  const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
  /** The complaint, locked, if the caller may act on it. */
  const lockVisible = async (tx: Tx, p: Principal, id: string) => {
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id::text AS id FROM complaint WHERE id = $1::uuid FOR UPDATE', id);
    const c = rows[0] ? await tx.complaint.findFirst({ where: { id, ...scope(p) } }) : null;
    if (!c) throw Problems.notFound('complaint_not_found', '投诉不存在');
    return c;
  };

  app.get('/v1/complaints', {
    preHandler: reader,
    schema: { querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String({ maxLength: 16 })), department: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: PageOf(ComplaintView) } },
  }, async (req) => {
    const where: Prisma.ComplaintWhereInput = { ...(req.query.status ? { status: req.query.status } : {}), ...(req.query.department ? { department: req.query.department } : {}), ...scope(req.principal) };
    const [rows, total] = await db.$transaction([db.complaint.findMany({ where, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], ...pageWindow(req.query) }), db.complaint.count({ where })]);
    return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  // Complaints and outcomes per department (counts in the department's statistics).
  const Stat = Type.Object({ department: Type.String(), total: Type.Integer(), answered: Type.Integer(), open: Type.Integer(), overdue: Type.Integer(), substantiated: Type.Integer(), partly: Type.Integer(), unsubstantiated: Type.Integer() });
  app.get('/v1/complaints/statistics', { preHandler: reader, schema: { querystring: Type.Object({ department: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: Type.Object({ departments: Type.Array(Stat) }) } } }, async (req) => {
    const s = scope(req.principal);
    const dept = (s.department as string | undefined) ?? req.query.department ?? null;
    const rows = await db.$queryRawUnsafe<{ department: string; total: bigint; answered: bigint; overdue: bigint; substantiated: bigint; partly: bigint; unsubstantiated: bigint }[]>(
      `SELECT c.department, count(*) AS total, count(*) FILTER (WHERE c.status = 'answered') AS answered, count(w.complaint_id) AS overdue,
              count(*) FILTER (WHERE c.outcome = 'substantiated') AS substantiated, count(*) FILTER (WHERE c.outcome = 'partly') AS partly,
              count(*) FILTER (WHERE c.outcome = 'unsubstantiated') AS unsubstantiated
         FROM complaint c LEFT JOIN complaint_warning w ON w.complaint_id = c.id
        WHERE ($1::text IS NULL OR c.department = $1) GROUP BY c.department ORDER BY c.department`, dept);
    return { departments: rows.map((r) => ({ department: r.department, total: Number(r.total), answered: Number(r.answered), open: Number(r.total) - Number(r.answered), overdue: Number(r.overdue), substantiated: Number(r.substantiated), partly: Number(r.partly), unsubstantiated: Number(r.unsubstantiated) })) };
  });

  app.get('/v1/complaints/:id', { preHandler: reader, schema: { params: IdParams, response: { 200: Type.Composite([ComplaintView, Type.Object({ actions: Type.Array(Type.Any()) })]), 404: ProblemSchema } } }, async (req) => {
    const c = await db.complaint.findFirst({ where: { id: req.params.id, ...scope(req.principal) } });
    if (!c) throw Problems.notFound('complaint_not_found', '投诉不存在');
    const actions = await db.complaintAction.findMany({ where: { complaintId: c.id }, orderBy: { id: 'asc' } });
    return { ...view(c), actions: actions.map((a) => ({ action: a.action, actor: a.actor, detail: a.detail, at: a.at.toISOString() })) };
  });

  // Supervisors assign (交办) a complaint to a department and a handler.
  app.post('/v1/complaints/:id/assign', {
    preHandler: [app.authenticate, requireRealm('staff'), requireRole('supervisor')],
    schema: { params: IdParams, body: StrictObject({ department: Type.String({ minLength: 1, maxLength: 64 }), assignee: Type.String({ minLength: 1, maxLength: 64 }), assigneeName: Type.String({ minLength: 1, maxLength: 100 }) }), response: { 200: ComplaintView, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req) => {
    const c = await db.$transaction(async (tx) => {
      const cur = await lockVisible(tx, req.principal, req.params.id);
      if (cur.status === 'answered') throw Problems.conflict('complaint_answered', '该投诉已答复');
      const row = await tx.complaint.update({ where: { id: cur.id }, data: { status: 'assigned', department: req.body.department, assignee: req.body.assignee, assigneeName: req.body.assigneeName } });
      await tx.complaintAction.create({ data: { complaintId: cur.id, action: 'assign', actor: req.principal.sub, detail: { department: req.body.department, assignee: req.body.assignee } } });
      return row;
    });
    return view(c);
  });

  app.post('/v1/complaints/:id/answer', {
    preHandler: reader,
    schema: { params: IdParams, body: StrictObject({ outcome: OUTCOME, answer: Type.String({ minLength: 2, maxLength: 5000 }) }), response: { 200: ComplaintView, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req) => {
    const c = await db.$transaction(async (tx) => {
      const cur = await lockVisible(tx, req.principal, req.params.id);
      if (cur.status === 'answered') throw Problems.conflict('complaint_answered', '该投诉已答复');
      const at = clock();
      const row = await tx.complaint.update({ where: { id: cur.id }, data: { status: 'answered', outcome: req.body.outcome, answer: req.body.answer, answeredBy: req.principal.sub, answeredAt: at } });
      await tx.complaintWarning.updateMany({ where: { complaintId: cur.id, resolvedAt: null }, data: { resolvedAt: at } });
      await tx.complaintAction.create({ data: { complaintId: cur.id, action: 'answer', actor: req.principal.sub, detail: { outcome: req.body.outcome } } });
      await enqueue(tx, buildMessage('complaint.answered', {
        zone: 'extranet', correlationId: `complaint:${cur.id}`,
        payload: { complaintId: cur.id, trackingCode: cur.trackingCode, outcome: req.body.outcome, answer: req.body.answer, answeredAt: at.toISOString(), ...(cur.department !== UNASSIGNED ? { department: cur.department } : {}) },
      }));
      return row;
    });
    ctx.outbox.notify();
    return view(c);
  });
}

/**
 * Consumes complaint.filed (its own durable on IN) and sweeps for overdue complaints on `clock`,
 * every `sweepIntervalMs` (COMPLAINT_SWEEP_INTERVAL_MS).
 */
export async function startComplaints(ctx: ServiceContext<unknown, Db>, clock: () => Date, sweepIntervalMs: number): Promise<() => Promise<void>> {
  const db = ctx.prisma;
  const consumer = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'supervision-complaints', filterSubjects: ['hall.in.complaint.filed'], logger: ctx.logger,
    handler: async (m) => { await handleOnce(db, 'supervision-complaints', m.id, (tx) => recordFiled(tx, m as ComplaintFiled)); },
  });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sweepOverdueComplaints(db, clock())
      .then((n) => { if (n) { ctx.outbox.notify(); ctx.logger.warn({ count: n }, 'overdue complaints warned'); } })
      .catch((err) => ctx.logger.error({ err }, 'complaint sweep failed'))
      .finally(() => { running = false; });
  }, sweepIntervalMs);
  timer.unref();
  return async () => { clearInterval(timer); await consumer.stop(); };
}
