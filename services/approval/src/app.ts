/**
 * Approval (审批), extranet: turns inbound applications into cases (办件) and runs each through its
 * item version's workflow (engine.ts). Staff work from their task inbox (待办) by position, claim a
 * task, complete it with an outcome; window actions (受理/不予受理, 补交告知, 特别程序), decisions
 * (许可/不予许可) and completion (办结); department admins reassign and delegate. Every action is
 * recorded in the case history and the audit trail, and emitted as a process event (supervision)
 * and a status change (applicant).
 */
import path from 'node:path';
import { startCertificateReuse } from './certificate-reuse.js';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { serveUi, Problems, ProblemError, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requirePosition, requireRole, requireScope, type Principal } from '@hall/auth';
import { extendConfigWithS3, followCalendar, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { ObjectNotFoundError } from '@hall/storage';
import { createPrisma, type Db } from './db.js';
import { caseRepository, type CaseRow, type InboxRow, type TaskRow } from './cases.js';
import {
  EngineError, completeTask, completeStepOfKind, claimTask, releaseTask, assignTask, requestSupplement, startSpecialProcedure, finishSpecialProcedure,
  mayAct, retryCertificate, DEPT_ADMIN, SPECIAL_PROCEDURES, CLOSED, type Staff, type Outcome,
} from './engine.js';
import { workflowOf } from './workflow.js';
import { remainingDays, deadlineLevel } from './deadlines.js';
import { startConsumers } from './consumers.js';
import { registerConsultations } from './consultation.js';
import type { CaseStatus, ItemPublished } from '@hall/contracts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A form's fields in its own order: x-ui.order first (the applicant's form), then the other properties. */
function formOrder(schema: Record<string, unknown> | undefined): string[] {
  const props = Object.keys((schema?.properties ?? {}) as Record<string, unknown>);
  const ui = (schema?.['x-ui'] as { order?: unknown } | undefined)?.order;
  const order = Array.isArray(ui) ? ui.filter((k): k is string => typeof k === 'string' && props.includes(k)) : [];
  return [...order, ...props.filter((k) => !order.includes(k))];
}

export const ApprovalConfig = extendConfigWithS3({
  /** How often cases whose fee was waived (减免) are moved past their payment step. */
  PAYMENT_WAIVER_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, default: 1000 }),
});

export const STATUS_TEXT: Record<CaseStatus, string> & Record<string, string | undefined> = {
  received: '待受理', accepted: '已受理', rejected: '不予受理', approved: '审批通过', denied: '不予许可', completed: '已办结',
  under_review: '审查中', supplement_requested: '补交告知', supplement_received: '补交受理', special_procedure: '特别程序中', special_procedure_done: '特别程序结束',
  payment_pending: '待缴费', paid: '已缴费', withdrawn: '已撤回', terminated: '已终止办理',
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const CaseView = Type.Object({
  caseId: Type.String(), caseNumber: Type.String(), applicationId: Type.String(), receiptNo: Type.String(), itemCode: Type.String(), itemName: Type.String(),
  department: Type.String(), applicantName: Type.String(), status: Type.String(), statusText: Type.String(), certificateId: Nullable(Type.String()), receivedAt: Type.String(),
  promisedDays: Type.Integer(), dueDate: Nullable(Type.String()), remainingDays: Nullable(Type.Integer()), deadline: Nullable(Type.String()), paused: Type.Boolean(), pausedDays: Type.Integer(),
  /** 制证失败: the certificate service could not issue (code, reason in Chinese); the case waits at 办结 until an admin retries. */
  certificateFailure: Nullable(Type.Object({ code: Type.String(), reason: Type.String(), certificateType: Type.String(), failedAt: Type.String() })),
});
const TaskView = Type.Object({
  taskId: Type.String(), caseId: Type.String(), stepKey: Type.String(), stepName: Type.String(), kind: Type.String(), department: Type.String(), position: Type.String(), status: Type.String(),
  assigneeId: Nullable(Type.String()), assigneeName: Nullable(Type.String()), delegated: Type.Boolean(), dueDate: Type.String(), remainingDays: Type.Integer(), deadline: Type.String(), openedAt: Type.String(),
  caseNumber: Type.Optional(Type.String()), itemName: Type.Optional(Type.String()), applicantName: Type.Optional(Type.String()), caseStatus: Type.Optional(Type.String()), caseStatusText: Type.Optional(Type.String()),
  outcome: Type.Optional(Nullable(Type.String())), opinion: Type.Optional(Nullable(Type.String())), mayAct: Type.Optional(Type.Boolean()),
});
const HistoryView = Type.Object({
  action: Type.String(), from: Nullable(Type.String()), to: Type.String(), actorName: Type.String(), reason: Nullable(Type.String()), at: Type.String(),
  stage: Nullable(Type.String()), step: Nullable(Type.String()), detail: Type.Any(),
});
const CaseParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TaskParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Reason = Type.String({ minLength: 2, maxLength: 2000 });
const ReasonBody = StrictObject({ reason: Reason });
const OpinionBody = StrictObject({ opinion: Type.Optional(Type.String({ maxLength: 2000 })) });
const Person = StrictObject({ id: Type.String({ minLength: 1, maxLength: 64 }), name: Type.String({ minLength: 1, maxLength: 100 }) });
const Errors = { 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };
const TaskChange = Type.Object({ taskId: Type.String(), status: Type.String(), assigneeName: Type.Optional(Nullable(Type.String())), delegated: Type.Optional(Type.Boolean()) });

const staffOf = (p: Principal): Staff => ({ id: p.sub, name: p.name, department: p.department, positions: p.positions ?? [], region: p.region, roles: p.roles });

function caseView(c: CaseRow, now = new Date()): Static<typeof CaseView> {
  const remaining = c.dueDate && !CLOSED.has(c.status) ? remainingDays(c.dueDate, now, c.pausedSince) : null;
  return {
    caseId: c.id, caseNumber: c.caseNumber, applicationId: c.applicationId, receiptNo: c.receiptNo, itemCode: c.itemCode, itemName: c.itemName, department: c.department,
    applicantName: (c.applicant as { name: string }).name, status: c.status, statusText: STATUS_TEXT[c.status] ?? c.status, certificateId: c.certificateId, receivedAt: c.receivedAt.toISOString(),
    promisedDays: c.promisedDays, dueDate: c.dueDate, remainingDays: remaining, deadline: remaining === null ? null : deadlineLevel(remaining), paused: !!c.pausedSince, pausedDays: c.pausedDays,
    certificateFailure: (c.certificateFailure as Static<typeof CaseView>['certificateFailure']) ?? null,
  };
}

function inboxView(r: InboxRow, now = new Date()): Static<typeof TaskView> {
  const remaining = remainingDays(r.due_date, now, r.paused_since);
  return {
    taskId: r.id, caseId: r.case_id, stepKey: r.step_key, stepName: r.step_name, kind: r.kind, department: r.department, position: r.position, status: r.status,
    assigneeId: r.assignee_id, assigneeName: r.assignee_name, delegated: !!r.delegated_by, dueDate: r.due_date, remainingDays: remaining, deadline: deadlineLevel(remaining), openedAt: new Date(r.opened_at).toISOString(),
    caseNumber: r.case_number, itemName: r.item_name, applicantName: r.applicant_name, caseStatus: r.case_status, caseStatusText: STATUS_TEXT[r.case_status] ?? r.case_status,
  };
}

function taskView(t: TaskRow, c: CaseRow, s: Staff, now = new Date()): Static<typeof TaskView> {
  const remaining = remainingDays(t.dueDate, now, c.pausedSince);
  const live = t.status === 'open' || t.status === 'claimed';
  return {
    taskId: t.id, caseId: t.caseId, stepKey: t.stepKey, stepName: t.stepName, kind: t.kind, department: t.department, position: t.position, status: t.status,
    assigneeId: t.assigneeId, assigneeName: t.assigneeName, delegated: !!t.delegatedBy, dueDate: t.dueDate, remainingDays: remaining, deadline: deadlineLevel(remaining), openedAt: t.openedAt.toISOString(),
    outcome: t.outcome, opinion: t.opinion, mayAct: live && mayAct(s, t) && (t.status === 'open' || t.assigneeId === s.id),
  };
}

const ENGINE_PROBLEMS: Record<string, (e: EngineError) => ProblemError> = {
  case_not_found: () => Problems.notFound('case_not_found', '办件不存在'),
  task_not_found: () => Problems.notFound('task_not_found', '待办任务不存在'),
  invalid_transition: (e) => Problems.conflict('invalid_transition', '当前办件状态不允许此操作', e.current ? `当前状态：${STATUS_TEXT[e.current] ?? e.current}` : undefined),
  task_claimed: (e) => Problems.conflict('task_claimed', '该任务已由他人签收', e.current ? `签收人：${e.current}` : undefined),
  case_paused: (e) => Problems.conflict('case_paused', '办件处于暂停状态（补交告知、特别程序或待缴费），暂不能办理', `当前状态：${STATUS_TEXT[e.current ?? ''] ?? e.current}`),
  position_required: () => Problems.forbidden('position_required', '您不具备办理该环节的岗位'),
  not_department_admin: () => Problems.forbidden('not_department_admin', '仅部门管理员可以改派或委托任务'),
  reason_required: () => Problems.badRequest('reason_required', '请填写理由（至少 2 个字）'),
  invalid_outcome: () => Problems.badRequest('invalid_outcome', '该环节不能作出此办理结果'),
  already_paused: () => Problems.conflict('already_paused', '办件已处于暂停计时状态'),
  not_in_special_procedure: () => Problems.conflict('not_in_special_procedure', '办件不在特别程序中'),
  not_payment_pending: () => Problems.conflict('not_payment_pending', '办件不在待缴费状态'),
  no_certificate_failure: () => Problems.conflict('no_certificate_failure', '该办件没有制证失败记录，无需重新制证'),
};
async function engine<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof EngineError) throw (ENGINE_PROBLEMS[err.code] ?? (() => Problems.conflict(err.code, '操作失败')))(err);
    throw err;
  }
}

export const definition: ServiceDefinition<typeof ApprovalConfig, Db> = {
  name: 'approval',
  configSchema: ApprovalConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  objectStore: true,
  async routes(app, ctx) {
    // Material previews are blob: URLs of this page: images, and PDFs in a frame (Chromium's PDF viewer is a plugin, hence object-src).
    await serveUi(app, path.resolve(here, '../console'), { csp: { 'img-src': ["'self'", 'data:', 'blob:'], 'object-src': ['blob:'], 'frame-src': ["'self'", 'blob:'] } });
    await registerConsultations(app, ctx as never); // 在线咨询 (issue 5)
    const cases = caseRepository(ctx.prisma);
    const db = ctx.prisma;
    const staffOnly = [app.authenticate, requireRealm('staff')];
    const staff = (p: Principal): Staff => {
      if (!p.department) throw Problems.forbidden('no_department', '账号未归属任何部门，不能办理办件');
      return staffOf(p);
    };
    const done = <T>(v: T): T => { ctx.outbox.notify(); return v; };

    // —— cases ——
    app.get('/v1/cases', {
      preHandler: staffOnly,
      schema: {
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.String({ maxLength: 32 })), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), certificateFailed: Type.Optional(Type.Boolean()) }),
        response: { 200: PageOf(CaseView), 403: ProblemSchema },
      },
    }, async (req) => {
      const [rows, total] = await cases.search(staff(req.principal), { status: req.query.status, q: req.query.q, certificateFailed: req.query.certificateFailed, ...pageWindow(req.query) });
      return { items: rows.map((c) => caseView(c)), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    // Status by case number: staff of the case's department, or another department's system (realm
    // client, via the data-exchange service) with scope case:status; the applicant's name only to
    // staff and to clients with case:applicant.
    app.get('/v1/cases/by-number/:caseNumber/status', {
      preHandler: [app.authenticate, async (req, reply) => (req.principal.realm === 'client' ? requireScope('case:status') : requireRealm('staff'))(req, reply)],
      schema: {
        params: StrictObject({ caseNumber: Type.String({ minLength: 5, maxLength: 64 }) }),
        response: { 200: Type.Object({ caseNumber: Type.String(), itemCode: Type.String(), itemName: Type.String(), department: Type.String(), status: Type.String(), statusText: Type.String(), receivedAt: Type.String(), updatedAt: Type.String(), certificateId: Nullable(Type.String()), applicantName: Type.Optional(Type.String()) }), 403: ProblemSchema, 404: ProblemSchema },
      },
    }, async (req) => {
      const p = req.principal;
      const c = await cases.findByNumber(req.params.caseNumber, p.realm === 'client' ? undefined : staff(p).department);
      if (!c) throw Problems.notFound('case_not_found', '办件不存在');
      const withApplicant = p.realm !== 'client' || !!p.scopes?.includes('case:applicant');
      return {
        caseNumber: c.caseNumber, itemCode: c.itemCode, itemName: c.itemName, department: c.department, status: c.status, statusText: STATUS_TEXT[c.status] ?? c.status,
        receivedAt: c.receivedAt.toISOString(), updatedAt: c.updatedAt.toISOString(), certificateId: c.certificateId,
        ...(withApplicant ? { applicantName: (c.applicant as { name: string }).name } : {}),
      };
    });

    app.get('/v1/cases/:id', {
      preHandler: staffOnly,
      schema: {
        params: CaseParams,
        response: {
          200: Type.Composite([CaseView, Type.Object({
            form: Type.Any(), materials: Type.Any(), history: Type.Array(HistoryView), tasks: Type.Array(TaskView), pending: Type.Any(),
            workflow: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), kind: Type.String(), department: Type.String(), departmentName: Type.String(), position: Type.String(), limitDays: Type.Integer(), next: Type.Array(Type.String()) })),
            flowchartSvg: Nullable(Type.String()), itemMaterials: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })), fieldLabels: Type.Record(Type.String(), Type.String()),
            /** The form's fields in the order the applicant's form shows them (its x-ui order). */
            fieldOrder: Type.Array(Type.String()),
          })]),
          403: ProblemSchema, 404: ProblemSchema,
        },
      },
    }, async (req) => {
      const s = staff(req.principal);
      const found = await cases.get(req.params.id, s);
      if (!found) throw Problems.notFound('case_not_found', '办件不存在');
      const { c, history, tasks, item } = found;
      const publication = item?.publication as ItemPublished['payload'] | undefined;
      const wf = publication ? workflowOf(publication) : null;
      return {
        ...caseView(c), form: c.form, materials: c.materials, pending: c.pending ?? null,
        history: history.map((h) => ({ action: h.action, from: h.fromStatus, to: h.toStatus, actorName: h.actorName, reason: h.reason, at: h.at.toISOString(), stage: h.stage, step: h.stepKey, detail: h.detail ?? null })),
        tasks: tasks.map((t) => taskView(t, c, s)),
        workflow: (wf?.steps ?? []).map((x) => ({ key: x.key, name: x.name, kind: x.kind, department: x.department, departmentName: x.departmentName, position: x.position, limitDays: x.limitDays ?? 0, next: x.successors })),
        flowchartSvg: publication?.flowchartSvg ?? null, itemMaterials: (publication?.materials ?? []).map((m) => ({ code: m.code, name: m.name })),
        fieldLabels: Object.fromEntries(Object.entries((publication?.formSchema?.properties ?? {}) as Record<string, { title?: unknown }>).filter(([, v]) => typeof v?.title === 'string').map(([k, v]) => [k, v.title as string])),
        fieldOrder: formOrder(publication?.formSchema),
      };
    });

    // A material's file from the extranet object store (preview of images and PDFs in the console).
    app.get('/v1/cases/:id/materials/:index', {
      preHandler: staffOnly,
      schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer({ minimum: 0, maximum: 200 }) }) },
    }, async (req, reply) => {
      const found = await cases.get(req.params.id, staff(req.principal));
      const m = found && (found.c.materials as { objectKey: string; contentType: string; fileName: string }[])[req.params.index];
      if (!m) throw Problems.notFound('material_not_found', '材料不存在');
      try {
        const body = await ctx.store!.getStream(m.objectKey);
        const inline = /^(image\/(png|jpeg|gif|webp)|application\/pdf)$/.test(m.contentType);
        reply.header('content-type', m.contentType).header('x-content-type-options', 'nosniff').header('cache-control', 'private, no-store')
          .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(m.fileName)}`);
        return reply.send(body);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw Problems.notFound('material_not_found', '材料文件不存在');
        throw err;
      }
    });

    // —— case-level shortcuts: the live task of the step kind the caller may act on ——
    const shortcut = (action: string, kind: 'accept' | 'decision' | 'review' | 'complete', outcome: Outcome | 'body', positions: string[] | null, needsReason: boolean) =>
      app.post(`/v1/cases/:id/${action}`, {
        preHandler: [...staffOnly, ...(positions ? [requirePosition(...positions)] : [])],
        schema: {
          params: CaseParams,
          body: outcome === 'body' ? StrictObject({ outcome: Type.Union([Type.Literal('pass'), Type.Literal('refuse')]), opinion: Type.Optional(Type.String({ maxLength: 2000 })) }) : needsReason ? ReasonBody : OpinionBody,
          response: { 200: CaseView, ...Errors },
        },
      }, async (req) => {
        const body = req.body as { reason?: string; opinion?: string; outcome?: Outcome };
        const r = await engine(() => completeStepOfKind(db, { caseId: req.params.id, kind, staff: staff(req.principal), outcome: outcome === 'body' ? body.outcome! : outcome, opinion: body.reason ?? body.opinion }));
        return done(caseView(r.c));
      });
    shortcut('accept', 'accept', 'accept', ['acceptance'], false);
    shortcut('reject', 'accept', 'reject', ['acceptance'], true);
    shortcut('approve', 'decision', 'approve', ['approval', 'decision'], false);
    shortcut('deny', 'decision', 'deny', ['approval', 'decision'], true);
    shortcut('review', 'review', 'body', null, false);
    shortcut('complete', 'complete', 'complete', null, false);

    // 重新制证: a department admin retries the certificate after fixing the definition (issuer, type, key).
    app.post('/v1/cases/:id/certificate/retry', {
      preHandler: [...staffOnly, requireRole(DEPT_ADMIN)], schema: { params: CaseParams, response: { 200: CaseView, ...Errors } },
    }, async (req) => done(caseView(await engine(() => retryCertificate(db, req.params.id, staff(req.principal), ctx.clock.now())))));

    app.post('/v1/cases/:id/supplement', {
      preHandler: staffOnly,
      schema: {
        params: CaseParams,
        body: StrictObject({
          materials: Type.Array(StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), name: Type.String({ minLength: 1, maxLength: 200 }), reason: Type.Optional(Type.String({ maxLength: 500 })) }), { minItems: 1, maxItems: 50 }),
          note: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: { 200: CaseView, ...Errors },
      },
    }, async (req) => done(caseView(await engine(() => requestSupplement(db, { caseId: req.params.id, staff: staff(req.principal), materials: req.body.materials, note: req.body.note })))));

    app.post('/v1/cases/:id/special-procedure', {
      preHandler: staffOnly,
      schema: {
        params: CaseParams,
        body: StrictObject({ kind: Type.Union(Object.keys(SPECIAL_PROCEDURES).map((k) => Type.Literal(k))), limitDays: Type.Integer({ minimum: 1, maximum: 365 }), reason: Reason }),
        response: { 200: CaseView, ...Errors },
      },
    }, async (req) => done(caseView(await engine(() => startSpecialProcedure(db, { caseId: req.params.id, staff: staff(req.principal), kind: req.body.kind as keyof typeof SPECIAL_PROCEDURES, limitDays: req.body.limitDays, reason: req.body.reason })))));

    app.post('/v1/cases/:id/special-procedure/finish', {
      preHandler: staffOnly,
      schema: { params: CaseParams, body: StrictObject({ result: Reason }), response: { 200: CaseView, ...Errors } },
    }, async (req) => done(caseView(await engine(() => finishSpecialProcedure(db, { caseId: req.params.id, staff: staff(req.principal), result: req.body.result })))));

    // —— tasks ——
    app.get('/v1/tasks', {
      preHandler: staffOnly,
      schema: { querystring: Type.Object({ ...PageQuery, mine: Type.Optional(Type.Boolean()) }), response: { 200: PageOf(TaskView), 403: ProblemSchema } },
    }, async (req) => {
      const [rows, total] = await cases.inbox(staff(req.principal), { ...pageWindow(req.query), mine: req.query.mine });
      return { items: rows.map((r) => inboxView(r)), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.post('/v1/tasks/:id/claim', { preHandler: staffOnly, schema: { params: TaskParams, response: { 200: TaskChange, ...Errors } } }, async (req) => {
      const t = await engine(() => claimTask(db, req.params.id, staff(req.principal)));
      return { taskId: t.id, status: t.status, assigneeName: t.assigneeName };
    });
    app.post('/v1/tasks/:id/release', { preHandler: staffOnly, schema: { params: TaskParams, response: { 200: TaskChange, ...Errors } } }, async (req) => {
      const t = await engine(() => releaseTask(db, req.params.id, staff(req.principal)));
      return { taskId: t.id, status: t.status };
    });
    app.post('/v1/tasks/:id/complete', {
      preHandler: staffOnly,
      schema: {
        params: TaskParams,
        body: StrictObject({ outcome: Type.Union(['accept', 'reject', 'pass', 'refuse', 'approve', 'deny', 'complete'].map((o) => Type.Literal(o))), opinion: Type.Optional(Type.String({ maxLength: 2000 })) }),
        response: { 200: CaseView, ...Errors },
      },
    }, async (req) => {
      const r = await engine(() => completeTask(db, { taskId: req.params.id, staff: staff(req.principal), outcome: req.body.outcome as Outcome, opinion: req.body.opinion }));
      return done(caseView(r.c));
    });

    // —— department admins ——
    const admin = [...staffOnly, requireRole(DEPT_ADMIN)];
    app.get('/v1/department/tasks', {
      preHandler: admin,
      schema: { querystring: Type.Object({ ...PageQuery, position: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: PageOf(TaskView), 403: ProblemSchema } },
    }, async (req) => {
      const [rows, total] = await cases.departmentTasks(staff(req.principal).department!, { ...pageWindow(req.query), position: req.query.position });
      return { items: rows.map((r) => inboxView(r)), total, page: req.query.page, pageSize: req.query.pageSize };
    });
    for (const mode of ['reassign', 'delegate'] as const) {
      app.post(`/v1/tasks/:id/${mode}`, {
        preHandler: admin,
        schema: { params: TaskParams, body: StrictObject({ assignee: mode === 'delegate' ? Person : Type.Optional(Person), reason: Reason }), response: { 200: TaskChange, ...Errors } },
      }, async (req) => {
        const body = req.body as { assignee?: { id: string; name: string }; reason: string };
        const t = await engine(() => assignTask(db, req.params.id, staff(req.principal), mode, body.assignee ?? null, body.reason));
        return { taskId: t.id, status: t.status, assigneeName: t.assigneeName, delegated: !!t.delegatedBy };
      });
    }
  },
  async start(ctx) {
    // Deadlines count with the catalog's calendar (admins' overrides included) before the first case is handled.
    await followCalendar(ctx, 'approval');
    ctx.onStop(await startConsumers(ctx));
    ctx.onStop(await startCertificateReuse(ctx));
  },
};
