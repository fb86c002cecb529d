/**
 * Staff see and act only within their department, their positions (岗位) and their region: a
 * case's tasks decide who may see it; another department's task, a step for another position, a
 * step restricted to another region, and another department's admin are all refused.
 */
import { startApproval, publicationOf, staffToken, call, submit, waitFor, type Harness } from './helpers.js';

let h: Harness;
const EIA = '440400-STHJ-XZSP-001';
let eia: ReturnType<typeof publicationOf>;
let caseId: string;
const tk = {} as Record<'window' | 'approverOnly' | 'planning' | 'outsider' | 'outsiderAdmin', string>;

beforeAll(async () => {
  h = await startApproval();
  eia = publicationOf(EIA);
  await h.publish('catalog', 'catalog.item.published', eia);
  await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: EIA, version: 1 } } }), 20_000);
  tk.window = staffToken(h, '环评受理', 'zh-sthj', ['acceptance']);
  tk.approverOnly = staffToken(h, '环评审批', 'zh-sthj', ['approval']);
  tk.planning = staffToken(h, '规划审查', 'zh-zrzy', ['review']);
  tk.outsider = staffToken(h, '民政受理', 'zh-mzj', ['acceptance', 'review', 'approval']);
  tk.outsiderAdmin = staffToken(h, '民政管理员', 'zh-mzj', [], { roles: ['staff', 'dept_admin'] });
  caseId = (await submit(h, eia, { projectName: '访问控制测试项目', investment: 100 })).c.id;
}, 90_000);
afterAll(async () => { await h?.close(); }, 30_000);

const acceptTask = () => h.svc.ctx.prisma.caseTask.findFirstOrThrow({ where: { caseId, stepKey: 'accept' } });

describe('approval access by department, position and region', () => {
  it('hides a received case from another department and from staff without the open step\'s position', async () => {
    for (const token of [tk.outsider, tk.planning, tk.approverOnly]) {
      expect((await call(h, 'GET', `/v1/cases/${caseId}`, token)).status).toBe(404);
      expect((await call(h, 'GET', `/v1/cases/${caseId}/materials/0`, token)).status).toBe(404);
      expect((await call(h, 'GET', '/v1/cases?q=访问控制', token)).body.total).toBe(0);
      expect((await call(h, 'GET', '/v1/tasks', token)).body.items.some((x: { caseId: string }) => x.caseId === caseId)).toBe(false);
    }
    expect((await call(h, 'GET', '/v1/cases?q=访问控制', tk.window)).body.total).toBe(1);
  });

  it('refuses claims and actions outside the department (404) or position (403)', async () => {
    const task = await acceptTask();
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/claim`, tk.outsider)).status).toBe(404);
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, tk.outsider, { outcome: 'accept' })).status).toBe(404);
    expect((await call(h, 'POST', `/v1/cases/${caseId}/accept`, tk.outsider)).status).toBe(404);
    const claim = await call(h, 'POST', `/v1/tasks/${task.id}/claim`, tk.approverOnly);
    expect(claim.status).toBe(403);
    expect(claim.body.code).toBe('position_required');
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/complete`, tk.approverOnly, { outcome: 'accept' })).status).toBe(403);
    expect((await call(h, 'POST', `/v1/cases/${caseId}/supplement`, tk.outsider, { materials: [{ materialCode: 'eia-report', name: '报告书' }] })).status).toBe(404);
    expect((await call(h, 'POST', `/v1/tasks/${task.id}/delegate`, tk.outsiderAdmin, { assignee: { id: 'x', name: '外部门' }, reason: '越权委托' })).status).toBe(404);
    expect((await h.svc.ctx.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe('received');
    expect((await acceptTask()).status).toBe('open');
  });

  it('shows a branch department the case once its task opens, but only its own task to act on', async () => {
    expect((await call(h, 'POST', `/v1/cases/${caseId}/accept`, tk.window)).status).toBe(200);
    const detail = await call(h, 'GET', `/v1/cases/${caseId}`, tk.planning);
    expect(detail.status).toBe(200);
    const mine = detail.body.tasks.filter((x: { mayAct: boolean }) => x.mayAct).map((x: { stepKey: string }) => x.stepKey);
    expect(mine).toEqual(['planning-opinion']);
    const ownReview = detail.body.tasks.find((x: { stepKey: string }) => x.stepKey === 'review');
    expect((await call(h, 'POST', `/v1/tasks/${ownReview.taskId}/complete`, tk.planning, { outcome: 'pass' })).status).toBe(404);
    expect((await call(h, 'POST', `/v1/cases/${caseId}/approve`, tk.planning)).status).toBe(403);
    expect((await call(h, 'GET', `/v1/cases/${caseId}`, tk.outsider)).status).toBe(404);
  });

  it('offers a region-restricted step only to staff whose region covers it', async () => {
    const p = { ...eia, code: 'T-REGION-001', certificateType: undefined, workflow: { steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
      { key: 'inspect', name: '属地核查', position: 'review', limitDays: 3, region: '440402' },
      { key: 'complete', name: '办结', position: 'system', limitDays: 0 },
    ] } };
    const { certificateType: _c, ...payload } = p;
    await h.publish('catalog', 'catalog.item.published', payload);
    await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: p.code, version: 1 } } }));
    const { c } = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, tk.window);
    const xiangzhou = staffToken(h, '香洲核查', 'zh-sthj', ['review'], { region: '440402' });
    const jinwan = staffToken(h, '金湾核查', 'zh-sthj', ['review'], { region: '440404' });
    expect((await call(h, 'GET', '/v1/tasks', jinwan)).body.items.some((x: { caseId: string }) => x.caseId === c.id)).toBe(false);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, jinwan, { outcome: 'pass' })).status).toBe(403);
    expect((await call(h, 'GET', '/v1/tasks', xiangzhou)).body.items.some((x: { caseId: string }) => x.caseId === c.id)).toBe(true);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/review`, xiangzhou, { outcome: 'pass' })).body.status).toBe('completed');
  }, 30_000);
});
