/**
 * 行政投诉网上受理 on the portal (internet zone): a citizen or company files a complaint about a case,
 * a department or a member of staff; with a login, or anonymously. Either way the complainant gets a
 * tracking code (查询码) that shows the status and, once it came back, supervision's answer.
 * Filing writes the complaint and `complaint.filed` in one transaction (outbox → INBOUND lane →
 * supervision); `complaint.answered` comes back through the OUTBOUND lane (applyComplaintAnswered).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject, type HttpApp } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { buildMessage, canonicalJson, type ComplaintAnswered } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { PageQuery, PageOf, pageWindow, type ServiceContext } from '@hall/service';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;
type ComplaintRow = NonNullable<Awaited<ReturnType<Db['complaint']['findFirst']>>>;

/** Complaint categories (投诉类别) and their wording. */
export const COMPLAINT_CATEGORIES: Record<string, string> = {
  attitude: '服务态度', delay: '超时办理', fees: '违规收费', procedure: '办事程序', integrity: '廉洁问题', other: '其他',
};
const STATUS_TEXT: Record<string, string> = { filed: '已提交，待答复', answered: '已答复' };
const OUTCOME_TEXT: Record<string, string> = { substantiated: '投诉属实', partly: '部分属实', unsubstantiated: '投诉不属实' };

/** `TS` + 12 Crockford base32 characters (60 bits): unguessable, easy to read out over the phone. */
export function newTrackingCode(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(12);
  return 'TS' + [...bytes].map((b) => alphabet[b & 31]).join('');
}

const FileBody = StrictObject({
  targetKind: Type.Union([Type.Literal('case'), Type.Literal('department'), Type.Literal('staff')]),
  caseNumber: Type.Optional(Type.String({ minLength: 3, maxLength: 64 })),
  department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  staffName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  category: Type.Union(Object.keys(COMPLAINT_CATEGORIES).map((k) => Type.Literal(k))),
  content: Type.String({ minLength: 5, maxLength: 5000 }),
  anonymous: Type.Boolean(),
  phone: Type.Optional(Type.String({ pattern: '^[0-9+-]{5,20}$' })),
});
type FileBody = typeof FileBody.static;
const ComplaintView = Type.Object({
  complaintId: Type.String(), trackingCode: Type.String(), targetKind: Type.String(), caseNumber: Type.Union([Type.String(), Type.Null()]), department: Type.Union([Type.String(), Type.Null()]),
  staffName: Type.Union([Type.String(), Type.Null()]), category: Type.String(), categoryText: Type.String(), content: Type.String(), anonymous: Type.Boolean(),
  status: Type.String(), statusText: Type.String(), outcome: Type.Union([Type.String(), Type.Null()]), outcomeText: Type.Union([Type.String(), Type.Null()]),
  answer: Type.Union([Type.String(), Type.Null()]), answeredAt: Type.Union([Type.String(), Type.Null()]), filedAt: Type.String(),
});
const viewOf = (c: ComplaintRow) => ({
  complaintId: c.id, trackingCode: c.trackingCode, targetKind: c.targetKind, caseNumber: c.caseNumber, department: c.department, staffName: c.staffName,
  category: c.category, categoryText: COMPLAINT_CATEGORIES[c.category] ?? c.category, content: c.content, anonymous: c.anonymous,
  status: c.status, statusText: STATUS_TEXT[c.status] ?? c.status, outcome: c.outcome, outcomeText: c.outcome ? OUTCOME_TEXT[c.outcome] ?? c.outcome : null,
  answer: c.answer, answeredAt: c.answeredAt?.toISOString() ?? null, filedAt: c.filedAt.toISOString(),
});

function checkTarget(b: FileBody): void {
  if (b.targetKind === 'case' && !b.caseNumber) throw Problems.badRequest('complaint_case_required', '投诉办件时请填写办件编号');
  if (b.targetKind === 'department' && !b.department) throw Problems.badRequest('complaint_department_required', '投诉部门时请选择部门');
  if (b.targetKind === 'staff' && (!b.staffName || (!b.department && !b.caseNumber))) throw Problems.badRequest('complaint_staff_required', '投诉工作人员时请填写姓名及所在部门或相关办件编号');
}

/** The answer came back (OUTBOUND lane): the complainant sees it under the tracking code. */
export async function applyComplaintAnswered(tx: Tx, p: ComplaintAnswered['payload']): Promise<void> {
  await tx.complaint.updateMany({
    where: { id: p.complaintId, trackingCode: p.trackingCode },
    data: { status: 'answered', outcome: p.outcome, answer: p.answer, answeredAt: new Date(p.answeredAt) },
  });
}

export async function registerComplaints(app: HttpApp, ctx: ServiceContext<unknown, Db>): Promise<void> {
  const db = ctx.prisma;
  const applicant = [app.authenticate, requireRealm('public')];
  // Anonymous filing needs no login; a token, when sent, must be valid and of the public realm.
  const optionalLogin = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.headers.authorization) return null;
    await app.authenticate(req, reply);
    if (req.principal.realm !== 'public') throw Problems.forbidden('forbidden', '仅限办事群众访问');
    return req.principal;
  };

  app.post('/v1/complaints', {
    schema: {
      headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) }),
      body: FileBody,
      response: { 202: Type.Object({ complaintId: Type.String(), trackingCode: Type.String(), status: Type.String() }), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
    },
  }, async (req, reply) => {
    const principal = await optionalLogin(req, reply);
    const b: FileBody = req.body;
    checkTarget(b);
    if (!b.anonymous && !principal) throw Problems.unauthorized('login_required', '实名投诉请先登录；不登录可选择匿名投诉');
    const key = req.headers['idempotency-key'];
    // The fingerprint includes who files, so one person's key can never replay another's complaint.
    const requestHash = createHash('sha256').update(canonicalJson({ by: principal?.sub ?? null, body: b })).digest('hex');
    const prior = await db.complaint.findUnique({ where: { idempotencyKey_requestHash: { idempotencyKey: key, requestHash } } });
    if (prior) {
      reply.code(202).header('idempotent-replayed', 'true');
      return { complaintId: prior.id, trackingCode: prior.trackingCode, status: prior.status };
    }
    const id = randomUUID();
    const trackingCode = newTrackingCode();
    const filedAt = new Date();
    const anonymous = b.anonymous;
    try {
      await db.$transaction(async (tx) => {
        await tx.complaint.create({
          data: {
            id, trackingCode, accountId: anonymous ? null : principal!.sub, anonymous, targetKind: b.targetKind, caseNumber: b.caseNumber ?? null, department: b.department ?? null,
            staffName: b.staffName ?? null, category: b.category, content: b.content, idempotencyKey: key, requestHash, filedAt,
          },
        });
        await enqueue(tx, buildMessage('complaint.filed', {
          zone: 'internet', correlationId: `complaint:${id}`,
          payload: {
            complaintId: id, trackingCode, category: b.category, content: b.content, anonymous, filedAt: filedAt.toISOString(),
            target: { kind: b.targetKind, ...(b.caseNumber ? { caseNumber: b.caseNumber } : {}), ...(b.department ? { department: b.department } : {}), ...(b.staffName ? { staffName: b.staffName } : {}) },
            ...(anonymous ? {} : { complainant: { accountId: principal!.sub, name: principal!.name || '实名用户', ...(b.phone ? { phone: b.phone } : {}) } }),
          },
        }));
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') {
        const again = await db.complaint.findUnique({ where: { idempotencyKey_requestHash: { idempotencyKey: key, requestHash } } });
        if (again) return reply.code(202).send({ complaintId: again.id, trackingCode: again.trackingCode, status: again.status });
      }
      throw err;
    }
    ctx.outbox.notify();
    reply.code(202);
    return { complaintId: id, trackingCode, status: 'filed' };
  });

  app.get('/v1/complaints', { preHandler: applicant, schema: { querystring: Type.Object(PageQuery), response: { 200: PageOf(ComplaintView) } } }, async (req) => {
    const where = { accountId: req.principal.sub };
    const [rows, total] = await db.$transaction([db.complaint.findMany({ where, orderBy: [{ filedAt: 'desc' }, { id: 'asc' }], ...pageWindow(req.query) }), db.complaint.count({ where })]);
    return { items: rows.map(viewOf), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  // By tracking code, with or without a login: the code is the credential (anonymous complaints).
  app.get('/v1/complaints/track/:trackingCode', {
    schema: { params: Type.Object({ trackingCode: Type.String({ pattern: '^TS[0-9A-Z]{12}$' }) }), response: { 200: ComplaintView, 404: ProblemSchema } },
  }, async (req) => {
    const c = await db.complaint.findUnique({ where: { trackingCode: req.params.trackingCode } });
    if (!c) throw Problems.notFound('complaint_not_found', '未找到该查询码对应的投诉');
    return viewOf(c);
  });
}
