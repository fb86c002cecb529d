/**
 * 在线咨询: a citizen asks about an item (or one of their applications); the question goes inbound
 * to the item's department as consultation.asked, the answer comes back outbound as
 * consultation.answered and lands here (consumers.ts), with a notification.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { PageQuery, PageOf, pageWindow } from '@hall/service';
import { buildMessage, type ConsultationAnswered } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import type { PortalDeps } from './deps.js';
import { notifyAccount } from './notifications.js';

type Tx = Prisma.TransactionClient;
type Row = NonNullable<Awaited<ReturnType<Db['consultation']['findFirst']>>>;

export function consultationRepository(db: Db) {
  return {
    async ask(c: { accountId: string; actorId: string; askerName: string; itemCode: string; itemName: string; department: string; applicationId?: string; caseNumber?: string | null; question: string }) {
      return db.$transaction(async (tx) => {
        const id = randomUUID();
        const now = new Date();
        const row = await tx.consultation.create({ data: { id, accountId: c.accountId, itemCode: c.itemCode, itemName: c.itemName, department: c.department, applicationId: c.applicationId ?? null, question: c.question, askedAt: now } });
        await audit(tx, { actor: c.actorId, action: 'consultation.ask', target: id, detail: { itemCode: c.itemCode, applicationId: c.applicationId ?? null } });
        await enqueue(tx, buildMessage('consultation.asked', {
          id, zone: 'internet', correlationId: c.applicationId ?? id,
          payload: {
            consultationId: id, itemCode: c.itemCode, itemName: c.itemName, department: c.department, askerName: c.askerName, question: c.question, askedAt: now.toISOString(),
            ...(c.applicationId ? { applicationId: c.applicationId } : {}), ...(c.caseNumber ? { caseNumber: c.caseNumber } : {}),
          },
        }));
        return row;
      });
    },
    list: (accountId: string, q: { skip: number; take: number }) =>
      db.$transaction([db.consultation.findMany({ where: { accountId }, orderBy: { askedAt: 'desc' }, skip: q.skip, take: q.take }), db.consultation.count({ where: { accountId } })]),
    getOwned: (accountId: string, id: string) => db.consultation.findFirst({ where: { id, accountId } }),
    /** The answer from the extranet; the first answer stands (a re-sent message changes nothing). */
    async applyAnswer(tx: Tx, a: ConsultationAnswered['payload']): Promise<void> {
      const row = await tx.consultation.findUnique({ where: { id: a.consultationId } });
      if (!row) throw new Error(`answer for unknown consultation ${a.consultationId}`);
      if (row.answer) return;
      await tx.consultation.update({ where: { id: row.id }, data: { answer: a.answer, answeredBy: a.answeredBy, answeredAt: new Date(a.answeredAt) } });
      const app = row.applicationId ? await tx.application.findUnique({ where: { id: row.applicationId }, select: { contactPhone: true } }) : null;
      await notifyAccount(tx, { accountId: row.accountId, applicationId: row.applicationId, fallbackPhone: app?.contactPhone }, `咨询已答复：${row.itemName}`, `您关于“${row.itemName}”的咨询已由${a.answeredBy}答复，请在“我的咨询”中查看。`);
    },
  };
}

const ConsultationView = Type.Object({
  consultationId: Type.String(), itemCode: Type.String(), itemName: Type.String(), applicationId: Type.Union([Type.String(), Type.Null()]),
  question: Type.String(), askedAt: Type.String(), answered: Type.Boolean(), answer: Type.Union([Type.String(), Type.Null()]),
  answeredBy: Type.Union([Type.String(), Type.Null()]), answeredAt: Type.Union([Type.String(), Type.Null()]),
});
const view = (r: Row) => ({
  consultationId: r.id, itemCode: r.itemCode, itemName: r.itemName, applicationId: r.applicationId, question: r.question, askedAt: r.askedAt.toISOString(),
  answered: r.answer !== null, answer: r.answer, answeredBy: r.answeredBy, answeredAt: r.answeredAt?.toISOString() ?? null,
});

export async function consultationRoutes(d: PortalDeps): Promise<void> {
  const { app, applicant, acting } = d;
  const consultations = consultationRepository(d.ctx.prisma);

  app.post('/v1/consultations', {
    preHandler: applicant,
    schema: {
      body: StrictObject({ itemCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), applicationId: Type.Optional(Type.String({ format: 'uuid' })), question: Type.String({ minLength: 2, maxLength: 2000 }) }),
      response: { 201: ConsultationView, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (req, reply) => {
    const owner = await acting(req);
    const question = req.body.question.trim();
    if (question.length < 2) throw Problems.badRequest('question_too_short', '请填写咨询内容');
    let subject: { itemCode: string; itemName: string; department: string; applicationId?: string; caseNumber?: string | null };
    if (req.body.applicationId) {
      const a = await d.ctx.prisma.application.findFirst({ where: { id: req.body.applicationId, accountId: owner.ownerId } });
      if (!a) throw Problems.notFound('application_not_found', '申报不存在');
      if (req.body.itemCode && req.body.itemCode !== a.itemCode) throw Problems.badRequest('item_mismatch', '咨询的事项与办件不一致');
      const item = a.department ? null : await d.replica.get(a.itemCode);
      subject = { itemCode: a.itemCode, itemName: a.itemName ?? item?.name ?? a.itemCode, department: a.department ?? item?.department ?? '', applicationId: a.id, caseNumber: a.caseNumber };
      if (!subject.department) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
    } else if (req.body.itemCode) {
      const item = await d.replica.get(req.body.itemCode);
      if (!item) throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
      subject = { itemCode: item.code, itemName: item.name, department: item.department };
    } else {
      throw Problems.badRequest('consultation_subject_missing', '请选择咨询的事项或办件');
    }
    const row = await consultations.ask({ accountId: owner.ownerId, actorId: owner.actorId, askerName: owner.ownerName, question, ...subject });
    d.ctx.outbox.notify();
    reply.code(201);
    return view(row);
  });

  app.get('/v1/consultations', { preHandler: applicant, schema: { querystring: Type.Object(PageQuery), response: { 200: PageOf(ConsultationView) } } }, async (req) => {
    const [rows, total] = await consultations.list((await acting(req)).ownerId, pageWindow(req.query));
    return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  app.get('/v1/consultations/:id', { preHandler: applicant, schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: ConsultationView, 404: ProblemSchema } } }, async (req) => {
    const r = await consultations.getOwned((await acting(req)).ownerId, req.params.id);
    if (!r) throw Problems.notFound('consultation_not_found', '咨询不存在');
    return view(r);
  });
}
