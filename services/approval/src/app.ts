/**
 * Approval (审批), extranet: turns inbound applications into cases (办件) with a case number and
 * lets staff act on them within their department and positions. Every action is recorded in the
 * case history and emitted as a process event (supervision) and a status change (applicant).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { serveUi, Problems, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requirePosition, requireScope } from '@hall/auth';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import type { CaseStatus } from '@hall/contracts';
import { createPrisma, type Db } from './db.js';
import { caseRepository, TransitionError, type CaseRow } from './cases.js';
import { startConsumers } from './consumers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ApprovalConfig = extendConfig({});

const STATUS_TEXT: Record<string, string> = { received: '待受理', accepted: '已受理', rejected: '不予受理', approved: '审批通过', denied: '不予许可', completed: '已办结' };

const CaseView = Type.Object({
  caseId: Type.String(), caseNumber: Type.String(), applicationId: Type.String(), receiptNo: Type.String(), itemCode: Type.String(), itemName: Type.String(),
  department: Type.String(), applicantName: Type.String(), status: Type.String(), statusText: Type.String(), certificateId: Type.Union([Type.String(), Type.Null()]), receivedAt: Type.String(),
});
const HistoryView = Type.Object({ action: Type.String(), from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), actorName: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), at: Type.String() });
const CaseParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const ReasonBody = StrictObject({ reason: Type.String({ minLength: 2, maxLength: 2000 }) });
const OpinionBody = StrictObject({ opinion: Type.Optional(Type.String({ maxLength: 2000 })) });

const view = (c: CaseRow) => ({
  caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, receiptNo: c.receiptNo, itemCode: c.itemCode, itemName: c.itemName, department: c.department,
  applicantName: (c.applicant as { name: string }).name, status: c.status, statusText: STATUS_TEXT[c.status] ?? c.status, certificateId: c.certificateId, receivedAt: c.receivedAt.toISOString(),
});

export const definition: ServiceDefinition<typeof ApprovalConfig, Db> = {
  name: 'approval',
  configSchema: ApprovalConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    await serveUi(app, path.resolve(here, '../console'));
    const cases = caseRepository(ctx.prisma);
    const staff = [app.authenticate, requireRealm('staff')];
    const departmentOf = (p: { department?: string }) => {
      if (!p.department) throw Problems.forbidden('no_department', '账号未归属任何部门，不能办理办件');
      return p.department;
    };

    app.get('/v1/cases', {
      preHandler: staff,
      schema: { querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String({ maxLength: 32 })) }), response: { 200: PageOf(CaseView), 403: ProblemSchema } },
    }, async (req) => {
      const [rows, total] = await cases.list({ department: departmentOf(req.principal), status: req.query.status, ...pageWindow(req.query) });
      return { items: rows.map(view), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    // Status by case number: staff of the case's department, or another department's system (realm
    // client, via the data-exchange service) with scope case:status; the applicant's name only to
    // staff and to clients with case:applicant.
    app.get('/v1/cases/by-number/:caseNumber/status', {
      preHandler: [app.authenticate, async (req, reply) => (req.principal.realm === 'client' ? requireScope('case:status') : requireRealm('staff'))(req, reply)],
      schema: {
        params: StrictObject({ caseNumber: Type.String({ minLength: 5, maxLength: 64 }) }),
        response: { 200: Type.Object({ caseNumber: Type.String(), itemCode: Type.String(), itemName: Type.String(), department: Type.String(), status: Type.String(), statusText: Type.String(), receivedAt: Type.String(), updatedAt: Type.String(), certificateId: Type.Union([Type.String(), Type.Null()]), applicantName: Type.Optional(Type.String()) }), 403: ProblemSchema, 404: ProblemSchema },
      },
    }, async (req) => {
      const p = req.principal;
      const c = await cases.findByNumber(req.params.caseNumber, p.realm === 'client' ? undefined : departmentOf(p));
      if (!c) throw Problems.notFound('case_not_found', '办件不存在');
      const withApplicant = p.realm !== 'client' || !!p.scopes?.includes('case:applicant');
      return {
        caseNumber: c.caseNumber, itemCode: c.itemCode, itemName: c.itemName, department: c.department, status: c.status, statusText: STATUS_TEXT[c.status] ?? c.status,
        receivedAt: c.receivedAt.toISOString(), updatedAt: c.updatedAt.toISOString(), certificateId: c.certificateId,
        ...(withApplicant ? { applicantName: (c.applicant as { name: string }).name } : {}),
      };
    });

    app.get('/v1/cases/:id', {
      preHandler: staff,
      schema: { params: CaseParams, response: { 200: Type.Composite([CaseView, Type.Object({ form: Type.Any(), materials: Type.Any(), history: Type.Array(HistoryView) })]), 404: ProblemSchema } },
    }, async (req) => {
      const found = await cases.get(req.params.id, departmentOf(req.principal));
      if (!found) throw Problems.notFound('case_not_found', '办件不存在');
      return {
        ...view(found.c), form: found.c.form, materials: found.c.materials,
        history: found.history.map((h) => ({ action: h.action, from: h.fromStatus, to: h.toStatus, actorName: h.actorName, reason: h.reason, at: h.at.toISOString() })),
      };
    });

    const act = (action: string, position: string, from: CaseStatus[], to: CaseStatus, needsReason: boolean) =>
      app.post(`/v1/cases/:id/${action}`, {
        preHandler: [...staff, requirePosition(position)],
        schema: { params: CaseParams, body: needsReason ? ReasonBody : OpinionBody, response: { 200: CaseView, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
      }, async (req) => {
        const body = req.body as { reason?: string; opinion?: string };
        try {
          const c = await cases.transition({
            caseId: req.params.id, department: departmentOf(req.principal), from, to, action,
            actor: { id: req.principal.sub, name: req.principal.name }, reason: body.reason ?? body.opinion,
            // Approval hands over to the certificate service; an item without a certificate completes at once.
            after: to === 'approved' ? async (tx, c) => {
              if (!(await cases.requestCertificate(tx, c))) await cases.transition({ caseId: c.id, from: ['approved'], to: 'completed', action: 'complete', actor: { id: 'system', name: '系统' } }, tx);
            } : undefined,
          });
          ctx.outbox.notify();
          return view(c);
        } catch (err) {
          if (err instanceof TransitionError) {
            if (err.reason === 'not_found') throw Problems.notFound('case_not_found', '办件不存在');
            throw Problems.conflict('invalid_transition', '当前办件状态不允许此操作', `当前状态：${STATUS_TEXT[err.current ?? ''] ?? err.current}`);
          }
          throw err;
        }
      });

    act('accept', 'acceptance', ['received'], 'accepted', false);
    act('reject', 'acceptance', ['received'], 'rejected', true);
    act('approve', 'approval', ['accepted'], 'approved', false);
    act('deny', 'approval', ['accepted'], 'denied', true);
  },
  async start(ctx) {
    ctx.onStop(await startConsumers(ctx));
  },
};
