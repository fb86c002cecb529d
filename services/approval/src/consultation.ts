/**
 * 在线咨询, extranet side: questions arrive through the INBOUND lane (consultation.asked, kept once
 * per message id), staff of the item's department read and answer them, and the answer leaves
 * through the outbox as consultation.answered in the same transaction as the answer itself, with
 * an audit row. Staff see and answer only their own department's questions; another
 * department's question answers 404.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject, type HttpApp } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { buildMessage, type ConsultationAsked } from '@hall/contracts';
import { consume, enqueue, handleOnce } from '@hall/messaging';
import { audit } from '@hall/db';
import { PageQuery, type ServiceContext } from '@hall/service';
import type { Db } from './db.js';

interface Row {
  id: string; item_code: string; item_name: string; department: string; application_id: string | null; case_number: string | null;
  asker_name: string; question: string; asked_at: Date; answer: string | null; answered_by_name: string | null; answered_at: Date | null;
}
type Sql = Pick<Db, '$queryRawUnsafe' | '$executeRawUnsafe'>;
const COLUMNS = 'id::text, item_code, item_name, department, application_id::text, case_number, asker_name, question, asked_at, answer, answered_by_name, answered_at';

export class AlreadyAnswered extends Error {}

export function consultationRepository(db: Db) {
  return {
    /** Keeps an inbound question (a re-delivered one changes nothing). */
    receive: (tx: Sql, q: ConsultationAsked['payload']) => tx.$executeRawUnsafe(
      `INSERT INTO consultation (id, item_code, item_name, department, application_id, case_number, asker_name, question, asked_at)
       VALUES ($1::uuid, $2, $3, $4, $5::uuid, $6, $7, $8, $9::timestamptz) ON CONFLICT (id) DO NOTHING`,
      q.consultationId, q.itemCode, q.itemName, q.department, q.applicationId ?? null, q.caseNumber ?? null, q.askerName, q.question, q.askedAt),
    async list(department: string, state: 'open' | 'answered' | 'all', skip: number, take: number): Promise<[Row[], number]> {
      const where = `department = $1${state === 'open' ? ' AND answer IS NULL' : state === 'answered' ? ' AND answer IS NOT NULL' : ''}`;
      const rows = await db.$queryRawUnsafe<Row[]>(`SELECT ${COLUMNS} FROM consultation WHERE ${where} ORDER BY asked_at ${state === 'open' ? 'ASC' : 'DESC'} OFFSET $2 LIMIT $3`, department, skip, take);
      const [{ n }] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM consultation WHERE ${where}`, department) as [{ n: number }];
      return [rows, n];
    },
    get: async (department: string, id: string) => (await db.$queryRawUnsafe<Row[]>(`SELECT ${COLUMNS} FROM consultation WHERE id = $1::uuid AND department = $2`, id, department))[0] ?? null,
    /** Answers once: the row is locked and checked, the answer and its outbound message commit together. */
    async answer(a: { id: string; department: string; staff: { id: string; name: string }; answer: string }): Promise<Row | null> {
      return db.$transaction(async (tx) => {
        const [row] = await tx.$queryRawUnsafe<Row[]>(`SELECT ${COLUMNS} FROM consultation WHERE id = $1::uuid AND department = $2 FOR UPDATE`, a.id, a.department);
        if (!row) return null;
        if (row.answer !== null) throw new AlreadyAnswered();
        const [dept] = await tx.$queryRawUnsafe<{ department_name: string }[]>('SELECT department_name FROM item_definition WHERE department = $1 ORDER BY received_at DESC LIMIT 1', a.department);
        const answeredBy = dept?.department_name ?? a.department;
        const now = new Date();
        await tx.$executeRawUnsafe('UPDATE consultation SET answer = $2, answered_by_id = $3, answered_by_name = $4, answered_at = $5 WHERE id = $1::uuid', a.id, a.answer, a.staff.id, a.staff.name, now);
        await audit(tx, { actor: a.staff.id, action: 'consultation.answer', target: a.id, detail: { department: a.department } });
        await enqueue(tx, buildMessage('consultation.answered', {
          id: randomUUID(), zone: 'extranet', correlationId: row.application_id ?? row.id,
          payload: { consultationId: row.id, department: a.department, answer: a.answer, answeredBy, answeredAt: now.toISOString() },
        }));
        return { ...row, answer: a.answer, answered_by_name: a.staff.name, answered_at: now };
      });
    },
  };
}

const View = Type.Object({
  consultationId: Type.String(), itemCode: Type.String(), itemName: Type.String(), applicationId: Type.Union([Type.String(), Type.Null()]), caseNumber: Type.Union([Type.String(), Type.Null()]),
  askerName: Type.String(), question: Type.String(), askedAt: Type.String(), answer: Type.Union([Type.String(), Type.Null()]), answeredByName: Type.Union([Type.String(), Type.Null()]), answeredAt: Type.Union([Type.String(), Type.Null()]),
});
const view = (r: Row) => ({
  consultationId: r.id, itemCode: r.item_code, itemName: r.item_name, applicationId: r.application_id, caseNumber: r.case_number, askerName: r.asker_name, question: r.question,
  askedAt: r.asked_at.toISOString(), answer: r.answer, answeredByName: r.answered_by_name, answeredAt: r.answered_at?.toISOString() ?? null,
});

/** Routes for the console and the consumer of inbound questions. */
export async function registerConsultations(app: HttpApp, ctx: ServiceContext<unknown, Db>): Promise<void> {
  const repo = consultationRepository(ctx.prisma);
  const staffOnly = [app.authenticate, requireRealm('staff')];
  const departmentOf = (p: { department?: string }) => {
    if (!p.department) throw Problems.forbidden('no_department', '账号未归属任何部门，不能答复咨询');
    return p.department;
  };

  app.get('/v1/consultations', {
    preHandler: staffOnly,
    schema: {
      querystring: Type.Object({ state: Type.Union([Type.Literal('open'), Type.Literal('answered'), Type.Literal('all')], { default: 'open' }), ...PageQuery }),
      response: { 200: Type.Object({ items: Type.Array(View), total: Type.Integer() }), 403: ProblemSchema },
    },
  }, async (req) => {
    const [rows, total] = await repo.list(departmentOf(req.principal), req.query.state, (req.query.page - 1) * req.query.pageSize, req.query.pageSize);
    return { items: rows.map(view), total };
  });

  app.get('/v1/consultations/:id', {
    preHandler: staffOnly,
    schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: View, 403: ProblemSchema, 404: ProblemSchema } },
  }, async (req) => {
    const r = await repo.get(departmentOf(req.principal), req.params.id);
    if (!r) throw Problems.notFound('consultation_not_found', '咨询不存在');
    return view(r);
  });

  app.post('/v1/consultations/:id/answer', {
    preHandler: staffOnly,
    schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), body: StrictObject({ answer: Type.String({ minLength: 2, maxLength: 4000 }) }), response: { 200: View, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req) => {
    const answer = req.body.answer.trim();
    if (answer.length < 2) throw Problems.badRequest('answer_too_short', '请填写答复内容');
    try {
      const r = await repo.answer({ id: req.params.id, department: departmentOf(req.principal), staff: { id: req.principal.sub, name: req.principal.name }, answer });
      if (!r) throw Problems.notFound('consultation_not_found', '咨询不存在');
      ctx.outbox.notify();
      return view(r);
    } catch (err) {
      if (err instanceof AlreadyAnswered) throw Problems.conflict('already_answered', '该咨询已答复');
      throw err;
    }
  });

  const consumer = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'approval-consultations', filterSubjects: ['hall.in.consultation.asked'], logger: ctx.logger,
    handler: async (m) => { await handleOnce(ctx.prisma, 'approval-consultations', m.id, (tx) => repo.receive(tx, (m as ConsultationAsked).payload).then(() => undefined)); },
  });
  ctx.onStop(() => consumer.stop());
}
