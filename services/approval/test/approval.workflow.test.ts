/**
 * The workflow engine on the real service (Postgres, the extranet's nats-server, S3): the seeds'
 * environmental-impact example (建设项目环境影响评价, Zhuhai) with parallel opinions of two other
 * departments joined for the decision, a refusal in one branch, a supplement loop, a special
 * procedure, conditional routing, a payment step, withdrawal, 即办件, and claims.
 */
import { randomUUID } from 'node:crypto';
import { startApproval, publicationOf, staffToken, call, submit, outboxOf, waitFor, type Harness } from './helpers.js';
import { completePaymentStep } from '../src/engine.js';

const EIA = '440400-STHJ-XZSP-001';
let h: Harness;
let eia: ReturnType<typeof publicationOf>;
const t = {} as Record<'window' | 'reviewer' | 'approver' | 'planning' | 'water', string>;

beforeAll(async () => {
  h = await startApproval();
  eia = publicationOf(EIA);
  await h.publish('catalog', 'catalog.item.published', eia);
  t.window = staffToken(h, '环评受理', 'zh-sthj', ['acceptance']);
  t.reviewer = staffToken(h, '环评审查', 'zh-sthj', ['review']);
  t.approver = staffToken(h, '环评审批', 'zh-sthj', ['approval']);
  t.planning = staffToken(h, '规划审查', 'zh-zrzy', ['review']);
  t.water = staffToken(h, '水务审查', 'zh-swj', ['review']);
  await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: EIA, version: 1 } } }), 20_000);
}, 90_000);
afterAll(async () => { await h?.close(); }, 30_000);

const EIA_FORM = { applicantName: '珠海某新材料有限公司', projectName: '年产5000吨新材料项目', projectAddress: '珠海市金湾区', investment: 12000 };
const tasksOf = (caseId: string) => h.svc.ctx.prisma.caseTask.findMany({ where: { caseId }, orderBy: { openedAt: 'asc' } });
const statusOf = async (caseId: string) => (await h.svc.ctx.prisma.case.findUnique({ where: { id: caseId } }))!.status;
async function inboxTask(token: string, caseId: string) {
  const r = await call(h, 'GET', '/v1/tasks?pageSize=100', token);
  expect(r.status).toBe(200);
  return r.body.items.find((x: { caseId: string }) => x.caseId === caseId) as { taskId: string; stepKey: string; deadline: string; remainingDays: number } | undefined;
}

describe('parallel approval (并联审批) of the environmental-impact example', () => {
  it('opens three branches in three departments after 受理, joins them for the decision, completes on the certificate', async () => {
    const { app, c } = await submit(h, eia, EIA_FORM);
    expect(c.caseNumber).toMatch(/^ZH-STHJ-\d{8}-\d{6}$/);
    expect((await tasksOf(c.id)).map((x) => [x.stepKey, x.department, x.position, x.status])).toEqual([['accept', 'zh-sthj', 'acceptance', 'open']]);

    const accepted = await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', promisedDays: 30, paused: false });
    expect(accepted.body.dueDate).toMatch(/^\d{4}-\d\d-\d\d$/);
    const open = (await tasksOf(c.id)).filter((x) => x.status === 'open');
    expect(open.map((x) => [x.stepKey, x.department]).sort()).toEqual([['planning-opinion', 'zh-zrzy'], ['review', 'zh-sthj'], ['water-opinion', 'zh-swj']]);

    // Each branch department sees its own task in its inbox; the decision is not open yet.
    const planning = await inboxTask(t.planning, c.id);
    expect(planning).toMatchObject({ stepKey: 'planning-opinion', deadline: 'on_time' });
    expect(await inboxTask(t.approver, c.id)).toBeUndefined();
    expect((await call(h, 'POST', `/v1/tasks/${planning!.taskId}/complete`, t.planning, { outcome: 'pass', opinion: '符合国土空间规划' })).body.status).toBe('under_review');
    const water = await inboxTask(t.water, c.id);
    expect((await call(h, 'POST', `/v1/tasks/${water!.taskId}/complete`, t.water, { outcome: 'pass', opinion: '水土保持方案可行' })).status).toBe(200);
    expect(await inboxTask(t.approver, c.id)).toBeUndefined(); // still waiting for the technical review
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, t.reviewer, { outcome: 'pass', opinion: '技术审查通过' })).status).toBe(200);

    // All three branches are done: the join opens the decision in the environment bureau.
    const decide = await inboxTask(t.approver, c.id);
    expect(decide).toMatchObject({ stepKey: 'decide' });
    expect((await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver, { opinion: '同意批复' })).body.status).toBe('approved');
    const request = await waitFor(async () => (await outboxOf(h, 'certificate.requested', app.applicationId))[0]);
    expect(request).toMatchObject({ caseId: c.id, certificateType: 'eia-approval' });
    expect(await statusOf(c.id)).toBe('approved');

    await h.publish('certificate', 'certificate.issued', { certificateId: '1.2.156.3005.2.T.EIA.000001.1.A', caseId: c.id, caseNumber: c.caseNumber, applicationId: app.applicationId, certificateType: 'eia-approval', issuedAt: new Date().toISOString(), signature: 'c2ln', algorithm: 'Ed25519' });
    await waitFor(async () => (await statusOf(c.id)) === 'completed', 20_000);

    const events = await outboxOf(h, 'case.transitioned', app.applicationId);
    expect(events.map((e) => [e.action, e.stage, e.step ?? null])).toEqual([
      // `step`: where the case is after the transition (the join waits, so the other live branches come next).
      ['receive', '网上受理', 'accept'], ['accept', '受理', 'review'], ['review', '审批过程', 'water-opinion'], ['review', '审批过程', 'review'],
      ['review', '审批过程', 'decide'], ['approve', '审批过程', 'complete'], ['complete', '办结', 'complete'],
    ]);
    expect(events.every((e) => typeof e.dueAt === 'string' || e.action === 'receive')).toBe(true);
    // The applicant hears of each status change once (the second and third opinions change nothing for them).
    expect((await outboxOf(h, 'case.status.changed', app.applicationId)).map((s) => s.status)).toEqual(['received', 'accepted', 'under_review', 'approved', 'completed']);
    const detail = await call(h, 'GET', `/v1/cases/${c.id}`, t.window);
    expect(detail.body.workflow.map((s: { key: string; kind: string }) => `${s.key}:${s.kind}`)).toEqual(['accept:accept', 'review:review', 'planning-opinion:review', 'water-opinion:review', 'decide:decision', 'complete:complete']);
    expect(detail.body.tasks.find((x: { stepKey: string }) => x.stepKey === 'planning-opinion')).toMatchObject({ outcome: 'pass', opinion: '符合国土空间规划', status: 'done' });
  }, 60_000);

  it('denies the case when one branch refuses, cancelling the other branches', async () => {
    const { app, c } = await submit(h, eia, EIA_FORM);
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    const noReason = await call(h, 'POST', `/v1/cases/${c.id}/review`, t.water, { outcome: 'refuse' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('reason_required');
    const refused = await call(h, 'POST', `/v1/cases/${c.id}/review`, t.water, { outcome: 'refuse', opinion: '项目位于饮用水水源保护区' });
    expect(refused.body.status).toBe('denied');
    const tasks = await tasksOf(c.id);
    expect(tasks.filter((x) => x.status === 'cancelled').map((x) => x.stepKey).sort()).toEqual(['planning-opinion', 'review']);
    const late = await call(h, 'POST', `/v1/cases/${c.id}/review`, t.planning, { outcome: 'pass' });
    expect(late.status).toBe(409);
    const status = (await outboxOf(h, 'case.status.changed', app.applicationId)).at(-1);
    expect(status).toMatchObject({ status: 'denied', reason: '水土保持意见（珠海市水务局）不同意：项目位于饮用水水源保护区' });
  }, 30_000);
});

describe('supplement (补交) and special procedure (特别程序)', () => {
  it('requests missing materials, pauses, resumes on the applicant\'s supplement with its files and corrected fields', async () => {
    const { app, c } = await submit(h, eia, EIA_FORM);
    const request = await call(h, 'POST', `/v1/cases/${c.id}/supplement`, t.window, { materials: [{ materialCode: 'public-participation', name: '公众参与说明', reason: '缺少公众意见采纳情况' }], note: '请补充公众参与说明' });
    expect(request.status).toBe(200);
    expect(request.body).toMatchObject({ status: 'supplement_requested', paused: true });
    expect((await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window)).body.code).toBe('case_paused');
    expect((await call(h, 'POST', `/v1/cases/${c.id}/supplement`, t.window, { materials: [{ materialCode: 'x', name: 'x' }] })).body.code).toBe('already_paused');
    const notice = (await outboxOf(h, 'case.status.changed', app.applicationId)).at(-1);
    expect(notice).toMatchObject({ status: 'supplement_requested', missingMaterials: [{ materialCode: 'public-participation', name: '公众参与说明', reason: '缺少公众意见采纳情况' }], note: '请补充公众参与说明' });

    const file = { materialCode: 'public-participation', fileName: '公众参与说明.pdf', objectKey: `materials/${randomUUID()}`, sha256: 'a'.repeat(64), size: 1234, contentType: 'application/pdf' };
    await h.publish('relay-in-receiver', 'application.supplemented', { applicationId: app.applicationId, caseNumber: c.caseNumber, itemCode: EIA, itemVersion: 1, materials: [file], form: { investment: 15000 }, comment: '已补充', supplementedAt: new Date().toISOString() }, 'internet');
    const resumed = await waitFor(async () => { const x = await h.svc.ctx.prisma.case.findUnique({ where: { id: c.id } }); return x?.status === 'supplement_received' ? x : null; }, 20_000);
    expect(resumed.pausedSince).toBeNull();
    expect(resumed.form).toMatchObject({ investment: 15000, projectName: '年产5000吨新材料项目' });
    expect((resumed.materials as { fileName: string }[]).map((m) => m.fileName)).toEqual(['公众参与说明.pdf']);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window)).body.status).toBe('accepted');
    const stages = (await outboxOf(h, 'case.transitioned', app.applicationId)).map((e) => e.stage);
    expect(stages).toEqual(['网上受理', '补交告知', '补交受理', '受理']);
  }, 40_000);

  it('runs an expert review with its own limit, pausing the clock, then carries on', async () => {
    const { app, c } = await submit(h, eia, EIA_FORM);
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    const before = await h.svc.ctx.prisma.case.findUnique({ where: { id: c.id } });
    const start = await call(h, 'POST', `/v1/cases/${c.id}/special-procedure`, t.reviewer, { kind: 'expert_review', limitDays: 10, reason: '涉及重金属排放，需组织专家评审' });
    expect(start.body).toMatchObject({ status: 'special_procedure', paused: true });
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, t.reviewer, { outcome: 'pass' })).body.code).toBe('case_paused');
    const notice = (await outboxOf(h, 'case.status.changed', app.applicationId)).at(-1);
    expect(notice.note).toMatch(/^专家评审：10 个工作日内（至 \d{4}-\d\d-\d\d），期间不计入办理时限$/);
    const finish = await call(h, 'POST', `/v1/cases/${c.id}/special-procedure/finish`, t.reviewer, { result: '专家评审通过，建议批准' });
    expect(finish.body).toMatchObject({ status: 'special_procedure_done', paused: false, dueDate: before!.dueDate });
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, t.reviewer, { outcome: 'pass', opinion: '同意' })).body.status).toBe('under_review');
    const stages = (await outboxOf(h, 'case.transitioned', app.applicationId)).map((e) => e.stage);
    expect(stages).toEqual(['网上受理', '受理', '特别程序申请', '特别程序结果', '审批过程']);
  }, 40_000);
});

describe('routing, payment, withdrawal, 即办件 and claims', () => {
  const steps = (extra: object[]) => ({ steps: [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 }, ...extra, { key: 'complete', name: '办结', position: 'system', limitDays: 0 }] });
  const item = (code: string, workflow: object, more: object = {}) => ({ ...publicationOf(EIA), code, certificateType: undefined, promisedDays: 10, workflow, ...more });
  async function publish(p: ReturnType<typeof item>) {
    const { certificateType: _c, ...payload } = p;
    await h.publish('catalog', 'catalog.item.published', payload);
    await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: p.code, version: 1 } } }));
    return p;
  }

  it('skips a step whose condition the form does not satisfy, and runs it when it does', async () => {
    const p = await publish(item('T-COND-001', steps([
      { key: 'inspect', name: '现场核查', position: 'review', limitDays: 3, when: { field: 'investment', op: 'gte', value: 10000 } },
      { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
    ])));
    const small = await submit(h, p, { investment: 500 });
    await call(h, 'POST', `/v1/cases/${small.c.id}/accept`, t.window);
    expect((await tasksOf(small.c.id)).map((x) => [x.stepKey, x.status]).sort()).toEqual([['accept', 'done'], ['decide', 'open'], ['inspect', 'skipped']]);
    const big = await submit(h, p, { investment: 20000 });
    await call(h, 'POST', `/v1/cases/${big.c.id}/accept`, t.window);
    expect((await tasksOf(big.c.id)).map((x) => [x.stepKey, x.status]).sort()).toEqual([['accept', 'done'], ['inspect', 'open']]);
    expect((await call(h, 'POST', `/v1/cases/${big.c.id}/review`, t.reviewer, { outcome: 'pass' })).status).toBe(200);
    expect((await call(h, 'POST', `/v1/cases/${big.c.id}/approve`, t.approver)).body.status).toBe('completed'); // no certificate: 办结 at once
  }, 40_000);

  it('records a refusal and moves on when the step says onRefuse: continue', async () => {
    const p = await publish(item('T-REFUSE-CONT', steps([
      { key: 'opinion', name: '征求意见', position: 'review', limitDays: 3, onRefuse: 'continue' },
      { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
    ])));
    const { c } = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, t.reviewer, { outcome: 'refuse', opinion: '建议补充论证' })).body.status).toBe('under_review');
    expect((await tasksOf(c.id)).map((x) => [x.stepKey, x.status, x.outcome]).sort()).toEqual([['accept', 'done', 'accept'], ['decide', 'open', null], ['opinion', 'done', 'refuse']]);
  }, 30_000);

  it('waits in payment_pending at a payment step and moves on when paid', async () => {
    const p = await publish(item('T-PAY-001', steps([
      { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
      { key: 'pay', name: '缴纳工本费', position: 'system', limitDays: 5, kind: 'payment' },
    ]), { guide: { ...publicationOf(EIA).guide, fees: '工本费10元' } }));
    const { app, c } = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    const pending = await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver);
    expect(pending.body).toMatchObject({ status: 'payment_pending', paused: true }); // the applicant's time to pay is not counted
    const done = await completePaymentStep(h.svc.ctx.prisma, c.id, { reference: 'PAY-20261127-0001', actor: { id: 'payment', name: '网上缴费' } });
    expect(done.status).toBe('completed');
    expect((await outboxOf(h, 'case.status.changed', app.applicationId)).map((s) => s.status)).toEqual(['received', 'accepted', 'approved', 'payment_pending', 'paid', 'completed']);
    await expect(completePaymentStep(h.svc.ctx.prisma, c.id, { reference: 'again', actor: { id: 'payment', name: '网上缴费' } })).rejects.toMatchObject({ code: 'not_payment_pending' });
  }, 30_000);

  it('withdraws before a decision; after one, records the request and answers that it is too late', async () => {
    const p = await publish(item('T-WD-001', steps([{ key: 'decide', name: '决定', position: 'approval', limitDays: 2 }])));
    const early = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${early.c.id}/accept`, t.window);
    await h.publish('relay-in-receiver', 'application.withdrawn', { applicationId: early.app.applicationId, reason: '不再需要', withdrawnAt: new Date().toISOString() }, 'internet');
    await waitFor(async () => (await statusOf(early.c.id)) === 'withdrawn', 20_000);
    expect((await tasksOf(early.c.id)).find((x) => x.stepKey === 'decide')!.status).toBe('cancelled');

    const late = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${late.c.id}/accept`, t.window);
    await call(h, 'POST', `/v1/cases/${late.c.id}/approve`, t.approver);
    await h.publish('relay-in-receiver', 'application.withdrawn', { applicationId: late.app.applicationId, reason: '想撤回', withdrawnAt: new Date().toISOString() }, 'internet');
    const answer = await waitFor(async () => (await outboxOf(h, 'case.status.changed', late.app.applicationId)).find((s) => s.note));
    expect(answer).toMatchObject({ status: 'completed', note: '办件已办结，不能撤回' });
    expect(await statusOf(late.c.id)).toBe('completed');
  }, 40_000);

  it('leaves 办结 to the completion step\'s position when the item issues no certificate', async () => {
    const p = await publish(item('T-DELIVER-001', { steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 }, { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
      { key: 'complete', name: '办结送达', position: 'delivery', limitDays: 1 },
    ] }));
    const { c } = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver)).body.status).toBe('approved');
    expect((await call(h, 'POST', `/v1/cases/${c.id}/complete`, t.window)).status).toBe(403);
    const delivery = staffToken(h, '送达', 'zh-sthj', ['delivery']);
    const done = await call(h, 'POST', `/v1/cases/${c.id}/complete`, delivery, { opinion: '已送达' });
    expect(done.body.status).toBe('completed');
  }, 30_000);

  it('completes a 即办件 the same day on acceptance', async () => {
    const p = await publish(item('T-IMM-001', { steps: [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 0 }, { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 }] }, { promisedDays: 0, kind: 'immediate' }));
    const { c } = await submit(h, p, {});
    const r = await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    expect(r.body.status).toBe('completed');
    const row = await h.svc.ctx.prisma.case.findUnique({ where: { id: c.id } });
    expect(row!.dueDate).toBe(row!.clockStart);
  }, 30_000);

  it('lets exactly one of two staff claiming the same task at once win', async () => {
    const { c } = await submit(h, eia, EIA_FORM);
    const task = (await tasksOf(c.id))[0]!;
    const a = staffToken(h, '甲', 'zh-sthj', ['acceptance']), b = staffToken(h, '乙', 'zh-sthj', ['acceptance']);
    for (let round = 0; round < 3; round++) {
      const [ra, rb] = await Promise.all([call(h, 'POST', `/v1/tasks/${task.id}/claim`, a), call(h, 'POST', `/v1/tasks/${task.id}/claim`, b)]);
      expect([ra.status, rb.status].sort()).toEqual([200, 409]);
      const winner = ra.status === 200 ? a : b, loser = ra.status === 200 ? b : a;
      expect((ra.status === 200 ? rb : ra).body.code).toBe('task_claimed');
      // The loser can neither complete nor release it; the winner releases it for the next round.
      expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, loser, { outcome: 'accept' })).body.code).toBe('task_claimed');
      expect((await call(h, 'POST', `/v1/tasks/${task.id}/release`, winner)).body.status).toBe('open');
    }
  }, 30_000);

  it('lets a department admin reassign and delegate a task, audited', async () => {
    const { c } = await submit(h, eia, EIA_FORM);
    const task = (await tasksOf(c.id))[0]!;
    const admin = staffToken(h, '环评管理员', 'zh-sthj', [], { roles: ['staff', 'dept_admin'] });
    const deputy = { id: 'staff-deputy-1', name: '代岗人员' };
    const dept = await call(h, 'GET', '/v1/department/tasks?pageSize=100', admin);
    expect(dept.body.items.some((x: { taskId: string }) => x.taskId === task.id)).toBe(true);
    expect((await call(h, 'GET', '/v1/department/tasks', t.window)).status).toBe(403);
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/delegate`, t.window, { assignee: deputy, reason: '休假' })).status).toBe(403);
    const delegated = await call(h, 'POST', `/v1/tasks/${task.id}/delegate`, admin, { assignee: deputy, reason: '受理岗人员休假，委托代岗' });
    expect(delegated.body).toMatchObject({ status: 'claimed', assigneeName: '代岗人员', delegated: true });
    // The delegate holds no acceptance position but may act on this task.
    const deputyToken = h.env.token({ sub: deputy.id, name: deputy.name, roles: ['staff'], department: 'zh-sthj', positions: [], region: '440400' });
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, t.window, { outcome: 'accept' })).body.code).toBe('task_claimed');
    const reassigned = await call(h, 'POST', `/v1/tasks/${task.id}/reassign`, admin, { reason: '退回岗位待办' });
    expect(reassigned.body).toMatchObject({ status: 'open', assigneeName: null, delegated: false });
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, deputyToken, { outcome: 'accept' })).status).toBe(403);
    await call(h, 'POST', `/v1/tasks/${task.id}/delegate`, admin, { assignee: deputy, reason: '再次委托' });
    // The delegated task is in the delegate's inbox although the position is not theirs.
    expect((await call(h, 'GET', '/v1/tasks?mine=true', deputyToken)).body.items.map((x: { taskId: string }) => x.taskId)).toEqual([task.id]);
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, deputyToken, { outcome: 'accept' })).body.status).toBe('accepted');
    const audit = await h.svc.ctx.prisma.auditEntry.findMany({ where: { target: `case:${c.caseNumber}` }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['case.delegate', 'case.reassign', 'case.accept']));
    const history = (await call(h, 'GET', `/v1/cases/${c.id}`, admin)).body.history.map((x: { action: string }) => x.action);
    expect(history).toEqual(['receive', 'delegate', 'reassign', 'delegate', 'accept']);
  }, 30_000);

  it('creates one case from duplicated and redelivered application messages', async () => {
    const { app } = await submit(h, eia, EIA_FORM);
    const id = randomUUID();
    const [other1, other2] = [randomUUID(), randomUUID()];
    await Promise.all([
      h.publish('relay-in-receiver', 'application.submitted', app, 'internet', id),
      h.publish('relay-in-receiver', 'application.submitted', app, 'internet', id),
      h.publish('relay-in-receiver', 'application.submitted', app, 'internet', other1),
      h.publish('relay-in-receiver', 'application.submitted', app, 'internet', other2),
    ]);
    // Once every one of them is handled (inbox rows commit with the handler's effects):
    for (const m of [id, other1, other2]) await h.handled('approval', m);
    expect(await h.svc.ctx.prisma.case.count({ where: { applicationId: app.applicationId } })).toBe(1);
    const c = await h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } });
    expect(await h.svc.ctx.prisma.caseTask.count({ where: { caseId: c!.id } })).toBe(1);
    expect((await outboxOf(h, 'case.transitioned', app.applicationId)).filter((e) => e.action === 'receive')).toHaveLength(1);
  }, 30_000);
});
