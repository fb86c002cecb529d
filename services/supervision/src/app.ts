/**
 * E-supervision (电子监察), extranet: consumes every process event (inbound applications,
 * supplements, withdrawals and evaluations; case transitions; certificate issuance; the inbound
 * lane's quarantine; item publications) exactly once, rebuilds each case's timeline and state
 * (7+1 stages), watches deadlines in working days (yellow/red cards), runs the anomaly rules,
 * computes the four rates, opens 差评 rectification tasks, writes the provincial exchange table and
 * chains every record it keeps. Serves the supervisors' dashboard and the hall display board (大屏).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { IsoDate, Problems, ProblemSchema, serveUi, StrictObject } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { consume, handleOnce } from '@hall/messaging';
import { audit } from '@hall/db';
import { chinaDate } from '@hall/calendar';
import { createMailboxSender, createNotificationDispatcher } from '@hall/notify';
import { extendConfig, followCalendar, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import { Value } from '@sinclair/typebox/value';
import type { EvaluationSubmitted, ItemPublished, MessageOf, MessageType } from '@hall/contracts';
import { createPrisma, type Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { chainRecord, verifyChain } from './chain.js';
import type { Transition } from './cases.js';
import { caseOf, loadRules, markOnline, openRectification, recomputeCase, recordCertificateFailure, recordEvent, saveItem, stageOf, writeExchangeRow } from './store.js';
import { startScanner } from './monitor.js';
import { httpSink, startExporter } from './exporter.js';
import { computeRates } from './rates.js';
import { EVENT_ANOMALY_TITLES, RULE_NAMES, RULE_TITLES, RuleParams, type RuleName } from './rules.js';
import { registerComplaintRoutes, startComplaints } from './complaints.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/**
 * Chart.js for the dashboard, served from node_modules; a bundle without node_modules (deploy/)
 * may place the file at dashboard/vendor/ instead. Without either the charts are missing, the rest works.
 */
function findChartJs(): string | null {
  try { return path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'); } catch { /* not installed here */ }
  const vendored = path.resolve(here, '../dashboard/vendor/chart.umd.min.js');
  return fs.existsSync(vendored) ? vendored : null;
}

export const SupervisionConfig = extendConfig({
  /** How often open cases are scanned for deadline warnings. */
  SCAN_INTERVAL_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** Working days a department has to rectify after a 差评. */
  RECTIFICATION_DAYS: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
  /** The province's endpoint for the exchange table's rows; without it rows wait in the table (the province may pull them). */
  PROVINCE_EXPORT_URL: Type.Optional(Type.String({ minLength: 1 })),
  EXPORT_INTERVAL_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** How often unanswered complaints are checked against their deadline. */
  COMPLAINT_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5000 }),
  NOTIFY_MAILBOX_DIR: Type.Optional(Type.String({ minLength: 1 })),
});

// Events often share a timestamp (one transaction, one clock tick): without a unique tie-breaker
// Postgres may order ties differently for each page, repeating some events and skipping others.
const NEWEST_FIRST: Prisma.ProcessEventOrderByWithRelationInput[] = [{ occurredAt: 'desc' }, { messageId: 'desc' }];
const IN_ORDER: Prisma.ProcessEventOrderByWithRelationInput[] = [{ occurredAt: 'asc' }, { receivedAt: 'asc' }, { messageId: 'asc' }];

const Nullable = <T extends import('@sinclair/typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);
const EventView = Type.Object({ messageId: Type.String(), type: Type.String(), caseNumber: Nullable(Type.String()), stage: Nullable(Type.String()), occurredAt: Type.String(), payload: Type.Any() });
const WarningView = Type.Object({ id: Type.String(), caseNumber: Type.String(), department: Type.String(), departmentName: Type.Optional(Type.String()), scope: Type.String(), level: Type.String(), limitDays: Type.Integer(), usedDays: Type.Integer(), dueDate: Type.String(), responsible: Nullable(Type.String()), notified: Type.Integer(), raisedAt: Type.String(), resolvedAt: Nullable(Type.String()), resolution: Nullable(Type.String()) });
const AnomalyView = Type.Object({ id: Type.String(), rule: Type.String(), title: Type.String(), caseNumber: Type.String(), department: Nullable(Type.String()), messageId: Type.String(), actor: Nullable(Type.String()), detail: Type.Any(), detectedAt: Type.String(), retractedAt: Nullable(Type.String()) });
const RectificationView = Type.Object({ id: Type.String(), evaluationId: Type.String(), caseNumber: Type.String(), department: Type.String(), level: Type.Integer(), comment: Nullable(Type.String()), openedAt: Type.String(), deadline: Type.String(), status: Type.String(), overdue: Type.Boolean(), result: Nullable(Type.String()), closedAt: Nullable(Type.String()), closedBy: Nullable(Type.String()) });
const ISO_DATE = IsoDate();
const Ratio = Type.Object({ numerator: Type.Integer(), denominator: Type.Integer(), rate: Nullable(Type.Number()) });

const iso = (d: Date | null) => (d ? d.toISOString() : null);
type WarningRow = NonNullable<Awaited<ReturnType<Db['warning']['findFirst']>>>;
const warningView = (w: WarningRow) => ({ ...w, raisedAt: w.raisedAt.toISOString(), resolvedAt: iso(w.resolvedAt) });
type AnomalyRow = NonNullable<Awaited<ReturnType<Db['anomaly']['findFirst']>>>;
const anomalyView = (a: AnomalyRow) => ({ ...a, title: RULE_TITLES[a.rule as RuleName] ?? EVENT_ANOMALY_TITLES[a.rule] ?? a.rule, detectedAt: a.detectedAt.toISOString(), retractedAt: iso(a.retractedAt) });

/** Masks a case number for public screens: the department and the tail stay readable. */
const maskCase = (n: string) => (n.length > 8 ? `${n.slice(0, 4)}****${n.slice(-4)}` : n);

export function createDefinition(opts: { clock?: () => Date } = {}): ServiceDefinition<typeof SupervisionConfig, Db> {
  const clock = opts.clock ?? (() => new Date());
  return {
    name: 'supervision',
    configSchema: SupervisionConfig,
    migrationsDir: path.resolve(here, '../prisma/migrations'),
    createPrisma,
    auth: true,
    async routes(app, ctx) {
      const db = ctx.prisma;
      await registerComplaintRoutes(app, ctx, clock); // 投诉 (issue 13)
      const supervisor = [app.authenticate, requireRealm('staff'), requireRole('supervisor')];
      const staff = [app.authenticate, requireRealm('staff')];
      const toView = (e: NonNullable<Awaited<ReturnType<Db['processEvent']['findFirst']>>>) => ({ messageId: e.messageId, type: e.type, caseNumber: e.caseNumber, stage: e.stage, occurredAt: e.occurredAt.toISOString(), payload: e.payload });

      await serveUi(app, path.resolve(here, '../dashboard'));
      const chartJsFile = findChartJs();
      if (!chartJsFile) ctx.logger.warn('chart.js not found: the dashboard will show its tables without charts');
      const chartJs = chartJsFile ? fs.readFileSync(chartJsFile) : null;
      app.get('/vendor/chart.umd.min.js', { schema: { hide: true } }, async (_req, reply) => {
        if (!chartJs) throw Problems.notFound('chart_library_missing', '图表组件未安装');
        return reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(chartJs);
      });

      app.get('/v1/events', { preHandler: supervisor, schema: { querystring: Type.Object({ ...PageQuery, type: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }), response: { 200: PageOf(EventView) } } }, async (req) => {
        const { skip, take } = pageWindow(req.query);
        const where = req.query.type ? { type: req.query.type } : {};
        const [rows, total] = await db.$transaction([db.processEvent.findMany({ where, orderBy: NEWEST_FIRST, skip, take }), db.processEvent.count({ where })]);
        return { items: rows.map(toView), total, page: req.query.page, pageSize: req.query.pageSize };
      });

      app.get('/v1/cases/:caseNumber/timeline', {
        preHandler: supervisor,
        schema: { params: Type.Object({ caseNumber: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: Type.Object({ caseNumber: Type.String(), events: Type.Array(EventView), state: Type.Any(), warnings: Type.Array(WarningView), anomalies: Type.Array(AnomalyView) }), 404: ProblemSchema } },
      }, async (req) => {
        const caseNumber = req.params.caseNumber;
        const events = await db.processEvent.findMany({ where: { caseNumber }, orderBy: IN_ORDER });
        if (events.length === 0) throw Problems.notFound('case_not_found', '未找到该办件的过程数据');
        const [state, warnings, anomalies] = await Promise.all([
          db.supervisedCase.findUnique({ where: { caseNumber } }),
          db.warning.findMany({ where: { caseNumber }, orderBy: { raisedAt: 'asc' } }),
          db.anomaly.findMany({ where: { caseNumber }, orderBy: { detectedAt: 'asc' } }),
        ]);
        return { caseNumber, events: events.map(toView), state, warnings: warnings.map(warningView), anomalies: anomalies.map(anomalyView) };
      });

      app.get('/v1/overview', { preHandler: supervisor }, async () => {
        const today = chinaDate(clock());
        const dayStart = new Date(`${today}T00:00:00+08:00`);
        const [open, done, warnings, anomalies, rect, items] = await Promise.all([
          db.supervisedCase.groupBy({ by: ['department'], where: { closedAt: null }, _count: { _all: true } }),
          db.supervisedCase.groupBy({ by: ['department'], where: { completedAt: { gte: dayStart } }, _count: { _all: true } }),
          db.warning.groupBy({ by: ['department', 'level'], where: { resolvedAt: null }, _count: { _all: true } }),
          db.anomaly.groupBy({ by: ['department'], where: { retractedAt: null }, _count: { _all: true } }),
          db.rectification.groupBy({ by: ['department'], where: { status: 'open' }, _count: { _all: true } }),
          db.item.findMany({ select: { department: true, departmentName: true } }),
        ]);
        const names = new Map(items.map((i) => [i.department, i.departmentName]));
        const depts = new Set<string>([...open, ...done, ...warnings, ...anomalies, ...rect].map((r) => r.department ?? '未知'));
        const count = (rows: { department: string | null; _count: { _all: number } }[], d: string) => rows.filter((r) => (r.department ?? '未知') === d).reduce((n, r) => n + r._count._all, 0);
        return {
          date: today,
          departments: [...depts].sort().map((d) => ({
            department: d, departmentName: names.get(d) ?? d,
            open: count(open, d), completedToday: count(done, d),
            yellow: count(warnings.filter((w) => w.level === 'yellow'), d), red: count(warnings.filter((w) => w.level === 'red'), d),
            anomalies: count(anomalies, d), openRectifications: count(rect, d),
          })),
        };
      });

      app.get('/v1/warnings', {
        preHandler: supervisor,
        schema: { querystring: Type.Object({ ...PageQuery, status: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'all' }), department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), caseNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }), response: { 200: PageOf(WarningView) } },
      }, async (req) => {
        const { skip, take } = pageWindow(req.query);
        const where: Prisma.WarningWhereInput = {
          ...(req.query.status === 'open' ? { resolvedAt: null } : req.query.status === 'resolved' ? { resolvedAt: { not: null } } : {}),
          ...(req.query.department ? { department: req.query.department } : {}),
          ...(req.query.caseNumber ? { caseNumber: req.query.caseNumber } : {}),
        };
        const [rows, total] = await db.$transaction([db.warning.findMany({ where, orderBy: [{ raisedAt: 'desc' }, { id: 'asc' }], skip, take }), db.warning.count({ where })]);
        const names = new Map((await db.item.findMany({ where: { department: { in: [...new Set(rows.map((w) => w.department))] } }, select: { department: true, departmentName: true } })).map((i) => [i.department, i.departmentName]));
        return { items: rows.map((w) => ({ ...warningView(w), departmentName: names.get(w.department) ?? w.department })), total, page: req.query.page, pageSize: req.query.pageSize };
      });

      app.get('/v1/anomalies', {
        preHandler: supervisor,
        schema: { querystring: Type.Object({ ...PageQuery, rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), caseNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }), response: { 200: PageOf(AnomalyView) } },
      }, async (req) => {
        const { skip, take } = pageWindow(req.query);
        const where: Prisma.AnomalyWhereInput = { ...(req.query.rule ? { rule: req.query.rule } : {}), ...(req.query.caseNumber ? { caseNumber: req.query.caseNumber } : {}), ...(req.query.department ? { department: req.query.department } : {}) };
        const [rows, total] = await db.$transaction([db.anomaly.findMany({ where, orderBy: [{ detectedAt: 'desc' }, { id: 'asc' }], skip, take }), db.anomaly.count({ where })]);
        return { items: rows.map(anomalyView), total, page: req.query.page, pageSize: req.query.pageSize };
      });

      app.get('/v1/rules', { preHandler: supervisor }, async () => {
        const rules = await loadRules(db);
        return { items: RULE_NAMES.map((r) => ({ rule: r, title: RULE_TITLES[r], ...rules[r] })) };
      });

      app.put('/v1/rules/:rule', {
        preHandler: supervisor,
        schema: { params: Type.Object({ rule: Type.String({ minLength: 1, maxLength: 64 }) }), body: StrictObject({ enabled: Type.Boolean(), params: Type.Record(Type.String(), Type.Unknown()) }), response: { 200: Type.Any(), 404: ProblemSchema, 400: ProblemSchema } },
      }, async (req) => {
        const rule = req.params.rule as RuleName;
        if (!(RULE_NAMES as string[]).includes(rule)) throw Problems.notFound('rule_not_found', '没有这条监察规则');
        const schema = RuleParams[rule];
        if (!Value.Check(schema, req.body.params)) {
          throw Problems.badRequest('invalid_rule_params', '规则参数不正确', [...Value.Errors(schema, req.body.params)].slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`).join('; '));
        }
        const who = req.principal.sub;
        await db.$transaction(async (tx) => {
          const data = { enabled: req.body.enabled, params: req.body.params as Prisma.InputJsonValue, updatedBy: who, updatedAt: clock() };
          await tx.ruleConfig.upsert({ where: { rule }, create: { rule, ...data }, update: data });
          await chainRecord(tx, 'rule_config', rule);
          await audit(tx, { actor: who, action: 'supervision.rule.updated', target: rule, detail: { enabled: req.body.enabled, params: req.body.params } });
        });
        return { rule, title: RULE_TITLES[rule], enabled: req.body.enabled, params: req.body.params };
      });

      app.get('/v1/duty-shifts', { preHandler: supervisor }, async () => ({ items: (await db.dutyShift.findMany({ orderBy: { startsAt: 'desc' }, take: 200 })).map((s) => ({ ...s, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })) }));
      app.post('/v1/duty-shifts', {
        preHandler: supervisor,
        schema: { body: StrictObject({ account: Type.String({ minLength: 1, maxLength: 64 }), startsAt: Type.String({ format: 'date-time' }), endsAt: Type.String({ format: 'date-time' }), note: Type.Optional(Type.String({ maxLength: 200 })) }), response: { 201: Type.Object({ id: Type.String() }), 400: ProblemSchema } },
      }, async (req, reply) => {
        const startsAt = new Date(req.body.startsAt), endsAt = new Date(req.body.endsAt);
        if (!(endsAt > startsAt)) throw Problems.badRequest('invalid_shift', '值班结束时间必须晚于开始时间');
        const id = crypto.randomUUID();
        await db.$transaction(async (tx) => {
          await tx.dutyShift.create({ data: { id, account: req.body.account, startsAt, endsAt, note: req.body.note ?? null } });
          await chainRecord(tx, 'duty_shift', id);
          await audit(tx, { actor: req.principal.sub, action: 'supervision.duty_shift.created', target: id, detail: { account: req.body.account, startsAt: req.body.startsAt, endsAt: req.body.endsAt } });
        });
        return reply.code(201).send({ id });
      });

      app.get('/v1/contacts', { preHandler: supervisor }, async () => ({ items: await db.staffContact.findMany({ orderBy: { account: 'asc' } }) }));
      app.put('/v1/contacts/:account', {
        preHandler: supervisor,
        schema: { params: Type.Object({ account: Type.String({ minLength: 1, maxLength: 64 }) }), body: StrictObject({ name: Type.String({ minLength: 1, maxLength: 100 }), department: Type.String({ minLength: 1, maxLength: 64 }), head: Type.Boolean(), phone: Type.Optional(Type.String({ pattern: '^1\\d{10}$' })), email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })) }), response: { 200: Type.Any(), 400: ProblemSchema } },
      }, async (req) => {
        const data = { name: req.body.name, department: req.body.department, head: req.body.head, phone: req.body.phone ?? null, email: req.body.email ?? null };
        if (!data.phone && !data.email) throw Problems.badRequest('contact_missing', '请至少填写手机号或电子邮箱');
        await db.$transaction(async (tx) => {
          await tx.staffContact.upsert({ where: { account: req.params.account }, create: { account: req.params.account, ...data }, update: data });
          await chainRecord(tx, 'staff_contact', req.params.account);
          await audit(tx, { actor: req.principal.sub, action: 'supervision.contact.saved', target: req.params.account, detail: { department: data.department, head: data.head } });
        });
        return { account: req.params.account, ...data };
      });

      const rectView = (r: NonNullable<Awaited<ReturnType<Db['rectification']['findFirst']>>>) => ({ ...r, openedAt: r.openedAt.toISOString(), closedAt: iso(r.closedAt), overdue: r.status === 'open' ? chinaDate(clock()) > r.deadline : Boolean(r.closedAt && chinaDate(r.closedAt) > r.deadline) });
      app.get('/v1/rectifications', {
        preHandler: staff,
        schema: { querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])) }), response: { 200: PageOf(RectificationView) } },
      }, async (req) => {
        const p = req.principal;
        const isSupervisor = p.roles.includes('supervisor');
        if (!isSupervisor && !p.department) throw Problems.forbidden('forbidden', '无权执行此操作');
        const where: Prisma.RectificationWhereInput = { ...(req.query.status ? { status: req.query.status } : {}), ...(isSupervisor ? {} : { department: p.department! }) };
        const { skip, take } = pageWindow(req.query);
        const [rows, total] = await db.$transaction([db.rectification.findMany({ where, orderBy: [{ openedAt: 'desc' }, { id: 'asc' }], skip, take }), db.rectification.count({ where })]);
        return { items: rows.map(rectView), total, page: req.query.page, pageSize: req.query.pageSize };
      });
      app.post('/v1/rectifications/:id/close', {
        preHandler: staff,
        schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), body: StrictObject({ result: Type.String({ minLength: 4, maxLength: 2000 }) }), response: { 200: RectificationView, 404: ProblemSchema, 409: ProblemSchema } },
      }, async (req) => {
        const p = req.principal;
        return db.$transaction(async (tx) => {
          const r = await tx.rectification.findUnique({ where: { id: req.params.id } });
          // Another department's task is not shown to be there at all.
          if (!r || (!p.roles.includes('supervisor') && p.department !== r.department)) throw Problems.notFound('rectification_not_found', '未找到该整改任务');
          if (r.status !== 'open') throw Problems.conflict('rectification_closed', '该整改任务已关闭');
          const closed = await tx.rectification.update({ where: { id: r.id }, data: { status: 'closed', result: req.body.result, closedAt: clock(), closedBy: p.sub } });
          await chainRecord(tx, 'rectification', r.id);
          await audit(tx, { actor: p.sub, action: 'supervision.rectification.closed', target: r.id, detail: { caseNumber: r.caseNumber } });
          return rectView(closed);
        });
      });

      app.get('/v1/rates', {
        preHandler: supervisor,
        schema: {
          querystring: Type.Object({ from: ISO_DATE, to: ISO_DATE, groupBy: Type.Union([Type.Literal('department'), Type.Literal('hall')], { default: 'department' }), bucket: Type.Union([Type.Literal('all'), Type.Literal('month'), Type.Literal('day')], { default: 'all' }), group: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
          response: { 200: Type.Object({ from: Type.String(), to: Type.String(), groupBy: Type.String(), bucket: Type.String(), items: Type.Array(Type.Object({ group: Type.String(), groupName: Type.String(), period: Type.String(), entry: Ratio, online: Ratio, onTime: Ratio, satisfaction: Ratio })) }), 400: ProblemSchema },
        },
      }, async (req) => {
        const { from, to, groupBy, bucket } = req.query;
        const real = (d: string) => { const t = Date.parse(`${d}T00:00:00Z`); return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d; };
        if (!real(from) || !real(to)) throw Problems.badRequest('invalid_period', '日期不存在');
        if (from > to) throw Problems.badRequest('invalid_period', '开始日期不能晚于结束日期');
        const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
        if (days > 366 * 3 || (bucket === 'day' && days > 92)) throw Problems.badRequest('period_too_long', '统计区间过长（按日统计最多 92 天，其他最多 3 年）');
        return { from, to, groupBy, bucket, items: await computeRates(db, { from, to, groupBy, bucket, group: req.query.group }) };
      });

      app.get('/v1/chain/verify', { preHandler: supervisor }, async () => verifyChain(db as never));

      app.get('/v1/exports', {
        preHandler: supervisor,
        schema: { querystring: Type.Object({ ...PageQuery, status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('all')], { default: 'all' }), caseNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }) },
      }, async (req) => {
        const { skip, take } = pageWindow(req.query);
        const where: Prisma.ProvinceExchangeWhereInput = { ...(req.query.status === 'pending' ? { sentAt: null } : req.query.status === 'sent' ? { sentAt: { not: null } } : {}), ...(req.query.caseNumber ? { caseNumber: req.query.caseNumber } : {}) };
        const [rows, total] = await db.$transaction([db.provinceExchange.findMany({ where, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }], skip, take }), db.provinceExchange.count({ where })]);
        return { items: rows.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString(), createdAt: r.createdAt.toISOString(), sentAt: iso(r.sentAt), nextAttemptAt: iso(r.nextAttemptAt) })), total, page: req.query.page, pageSize: req.query.pageSize };
      });

      // The hall display board (大屏) hangs on public screens inside the service centre: counts,
      // item names and masked case numbers only, no names of applicants or staff; no login.
      app.get('/v1/board', async () => {
        const now = clock();
        const today = chinaDate(now);
        const dayStart = new Date(`${today}T00:00:00+08:00`);
        const [queue, completedToday, recent, items] = await Promise.all([
          db.supervisedCase.groupBy({ by: ['department', 'status'], where: { closedAt: null }, _count: { _all: true } }),
          db.supervisedCase.count({ where: { completedAt: { gte: dayStart } } }),
          db.supervisedCase.findMany({ where: { closedAt: { not: null } }, orderBy: { closedAt: 'desc' }, take: 10 }),
          db.item.findMany({ select: { code: true, name: true, department: true, departmentName: true } }),
        ]);
        const itemName = new Map(items.map((i) => [i.code, i.name]));
        const deptName = new Map(items.map((i) => [i.department, i.departmentName]));
        const byDept = new Map<string, { waiting: number; inProgress: number; paused: number }>();
        for (const q of queue) {
          const d = byDept.get(q.department) ?? { waiting: 0, inProgress: 0, paused: 0 };
          const n = q._count._all;
          if (q.status === 'received') d.waiting += n;
          else if (q.status === 'supplement_requested' || q.status === 'special_procedure' || q.status === 'payment_pending') d.paused += n;
          else d.inProgress += n;
          byDept.set(q.department, d);
        }
        const RESULT: Record<string, string> = { completed: '已办结', rejected: '不予受理', denied: '不予许可', withdrawn: '已撤回', terminated: '已终止办理' };
        return {
          at: now.toISOString(), date: today, completedToday,
          queue: [...byDept].sort(([a], [b]) => a.localeCompare(b)).map(([d, v]) => ({ department: d, departmentName: deptName.get(d) ?? d, ...v })),
          recent: recent.map((c) => ({ caseNumber: maskCase(c.caseNumber), itemName: itemName.get(c.itemCode) ?? c.itemCode, departmentName: deptName.get(c.department) ?? c.department, result: c.status === 'completed' && c.lastResult === 'denied' ? '不予许可' : RESULT[c.status] ?? c.status, closedAt: c.closedAt!.toISOString(), withinLimit: c.withinLimit })),
        };
      });
    },
    async start(ctx) {
      const db = ctx.prisma;
      await followCalendar(ctx, 'supervision');
      const config = ctx.config;
      ctx.onStop(await startComplaints(ctx, clock, config.COMPLAINT_SWEEP_INTERVAL_MS)); // 投诉 (issue 13)
      const sender = createMailboxSender(config.NOTIFY_MAILBOX_DIR ?? path.join(os.tmpdir(), 'hall-mailbox-supervision'));
      const notifications = createNotificationDispatcher({ db, sender, logger: ctx.logger });
      notifications.start();
      ctx.onStop(() => notifications.stop());

      /** One process event: recorded once (its own inbox row and event row commit with everything derived from it). */
      const handle = async (m: MessageOf<MessageType>) => {
        // Relay reconciliation reports travel on IN too; they are not process events of any case.
        if (m.type.startsWith('relay.') && m.type.endsWith('.reconciliation')) return;
        await handleOnce(db, 'supervision', m.id, async (tx) => {
          const t = m.type === 'case.transitioned' ? (m as MessageOf<'case.transitioned'>).payload : null;
          const c = caseOf(m);
          let payload = m.payload as object;
          if (m.type === 'relay.message.quarantined') {
            // What the inbound lane refused, with the reason: recorded without the refused bytes themselves,
            // which may hold personal data and stay with the relay's operators.
            const { raw: _raw, ...rest } = (m as MessageOf<'relay.message.quarantined'>).payload;
            payload = rest;
          }
          const fresh = await recordEvent(tx, { ...m, payload }, { ...c, stage: t ? stageOf(t) : null });
          if (!fresh) return;
          if (t) {
            await recomputeCase(tx, t.caseNumber);
            await writeExchangeRow(tx, m.id, t as Transition, new Date(m.occurredAt));
          } else if (m.type === 'application.submitted') {
            await markOnline(tx, (m as MessageOf<'application.submitted'>).payload.applicationId);
          } else if (m.type === 'evaluation.submitted') {
            await openRectification(tx, (m as EvaluationSubmitted).payload, config.RECTIFICATION_DAYS);
          } else if (m.type === 'certificate.failed') {
            await recordCertificateFailure(tx, m.id, (m as MessageOf<'certificate.failed'>).payload);
          }
        });
        notifications.notify();
      };
      // One at a time, in stream order: a case's transitions are judged (anomaly rules) on the history
      // that came before them, which needs them handled in the order approval published them.
      const events = await consume({ nc: ctx.nc, stream: 'X', durable: 'supervision', filterSubjects: ['hall.x.>'] /* nats-server 2.9: one filter per consumer */, logger: ctx.logger, handler: handle, concurrency: 1 });
      const inbound = await consume({ nc: ctx.nc, stream: 'IN', durable: 'supervision', filterSubjects: ['hall.in.>'], logger: ctx.logger, handler: handle });
      const quarantine = await consume({ nc: ctx.nc, stream: 'QUARANTINE', durable: 'supervision', filterSubjects: ['hall.quarantine.relay'], logger: ctx.logger, handler: handle });
      const items = await consume({
        nc: ctx.nc, stream: 'OUT', durable: 'supervision-items', filterSubjects: ['hall.out.catalog.item.published'], logger: ctx.logger,
        handler: async (m) => { await handleOnce(db, 'supervision-items', m.id, (tx) => saveItem(tx, (m as ItemPublished).payload)); },
      });
      ctx.onStop(async () => { await Promise.all([events.stop(), inbound.stop(), quarantine.stop(), items.stop()]); });

      const scanner = startScanner({ db, logger: ctx.logger, intervalMs: config.SCAN_INTERVAL_MS, clock, afterScan: () => { ctx.outbox.notify(); notifications.notify(); } });
      ctx.onStop(() => scanner.stop());
      if (config.PROVINCE_EXPORT_URL) {
        const exporter = startExporter({ db, sink: httpSink(config.PROVINCE_EXPORT_URL), logger: ctx.logger, intervalMs: config.EXPORT_INTERVAL_MS });
        ctx.onStop(() => exporter.stop());
      }
    },
  };
}

export const definition = createDefinition();
