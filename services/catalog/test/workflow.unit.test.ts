import type { WorkflowStepSpec } from '@hall/contracts';
import { validateWorkflow, renderFlowchart } from '../src/workflow.js';
import { validateItemInput } from '../src/item-input.js';
import { composeBundle } from '../src/bundles.js';
import { DEMO_CATALOG, DEMO_BUNDLE } from '../src/demo-catalog.js';
import type { ItemRow } from '../src/items.js';

const ctx = { promisedDays: 10, kind: 'promised' as const, department: 'zh-sthj', departmentName: '珠海市生态环境局' };
const linear: WorkflowStepSpec[] = [
  { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
  { key: 'review', name: '审查', position: 'review', limitDays: 4 },
  { key: 'decide', name: '决定', position: 'approval', limitDays: 3 },
  { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 },
];
const parallel: WorkflowStepSpec[] = [
  { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1, next: ['review', 'planning'] },
  { key: 'review', name: '技术审查', position: 'review', limitDays: 5, next: ['decide'] },
  { key: 'planning', name: '规划意见', position: 'review', department: 'zh-zrzy', departmentName: '珠海市自然资源局', limitDays: 3, next: ['decide'] },
  { key: 'decide', name: '审批决定', position: 'approval', limitDays: 2, join: true, next: ['complete'] },
  { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 },
];

describe('workflow validation', () => {
  it('accepts a linear workflow and a parallel approval across departments with a join', () => {
    expect(validateWorkflow({ steps: linear }, ctx)).toEqual([]);
    expect(validateWorkflow({ steps: parallel }, ctx)).toEqual([]);
  });

  // [what is broken, steps, promised days, expected code, expected message]
  const broken: [string, WorkflowStepSpec[], number, string, string][] = [
    ['a step nobody reaches', [...linear.slice(0, 3).map((s, i) => (i === 1 ? { ...s, next: ['decide'] } : s)).map((s, i) => (i === 0 ? { ...s, next: ['decide'] } : s)), linear[3]!], 10, 'step_unreachable', '环节“审查”无法从第一个环节“受理”到达'],
    ['a step without a position', linear.map((s) => (s.key === 'review' ? { ...s, position: ' ' } : s)), 10, 'step_without_position', '环节“审查”未指定办理岗位'],
    ['a step without a time limit', linear.map((s) => (s.key === 'decide' ? { key: s.key, name: s.name, position: s.position } : s)), 10, 'step_without_limit', '环节“决定”未设定办理时限'],
    ['limits over the promised limit', linear, 6, 'limit_exceeds_promise', '各环节时限合计 8 个工作日（受理 → 审查 → 决定 → 办结），超过承诺时限 6 个工作日'],
    ['parallel limits counted on the longest branch', parallel, 7, 'limit_exceeds_promise', '各环节时限合计 8 个工作日（受理 → 技术审查 → 审批决定 → 办结），超过承诺时限 7 个工作日'],
    ['a successor that does not exist', linear.map((s) => (s.key === 'accept' ? { ...s, next: ['approve'] } : s)), 10, 'step_unknown_next', '环节“受理”的后续环节“approve”不存在'],
    ['a duplicate step key', [...linear.slice(0, 3), { ...linear[3]!, key: 'review' }], 10, 'step_duplicate', '环节编码“review”重复'],
    ['a loop back', linear.map((s) => (s.key === 'decide' ? { ...s, next: ['review'] } : s)), 10, 'workflow_cycle', '办理流程在环节“审查”处形成循环，案件将无法办结'],
    ['two end steps', linear.map((s) => (s.key === 'accept' ? { ...s, next: ['review', 'complete'] } : s)).map((s) => (s.key === 'review' ? { ...s, next: [] } : s)), 10, 'workflow_end', '办理流程只能有一个办结环节，现有：审查、办结'],
    ['branches meeting without a join', parallel.map((s) => (s.key === 'decide' ? { ...s, join: undefined } : s)), 10, 'join_missing', '环节“审批决定”汇合了 2 个并联分支，须设为汇合环节（join）'],
    ['a join with nothing to join', linear.map((s) => (s.key === 'decide' ? { ...s, join: true } : s)), 10, 'join_without_branches', '环节“决定”被设为汇合环节，但没有并联分支汇入'],
    ['parallel branches in one department', parallel.map((s) => (s.key === 'planning' ? { ...s, department: undefined, departmentName: undefined } : s)), 10, 'fork_single_department', '环节“受理”的并联分支都在同一部门，并联审批须由不同部门同时办理'],
    ['an immediate item with limits', linear.map((s) => ({ ...s, limitDays: s.key === 'accept' ? 1 : 0 })), 1, 'immediate_with_limit', '即办件须当场办结，各环节时限均应为 0'],
  ];
  it.each(broken)('rejects %s', (_what, steps, promisedDays, code, message) => {
    const kind = code === 'immediate_with_limit' ? 'immediate' as const : 'promised' as const;
    const errors = validateWorkflow({ steps }, { ...ctx, promisedDays, kind });
    expect(errors).toContainEqual(expect.objectContaining({ code, message }));
  });

  it('renders the flowchart as SVG, branches side by side, other departments marked, text escaped', () => {
    const svg = renderFlowchart({ steps: [...parallel.slice(0, 4), { ...parallel[4]!, name: '办结<送达>' }] }, ctx, '建设项目环境影响评价');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('建设项目环境影响评价运行流程图');
    expect(svg).toContain('珠海市自然资源局 · 审查岗');
    expect(svg).toContain('审批决定（汇合）');
    expect(svg).toContain('办结&lt;送达&gt;');
    expect(svg.match(/<line /g)).toHaveLength(5);
    const y = (key: string) => Number(new RegExp(`data-step="${key}"><rect x="[\\d.]+" y="([\\d.]+)"`).exec(svg)![1]);
    expect(y('review')).toBe(y('planning'));
    expect(y('decide')).toBeGreaterThan(y('review'));
  });
});

describe('demo catalog', () => {
  it('has at least 30 valid items over several departments and two halls, with the seeds\' examples', () => {
    expect(DEMO_CATALOG.length).toBeGreaterThanOrEqual(30);
    for (const item of DEMO_CATALOG) expect([item.code, validateItemInput(item)]).toEqual([item.code, []]);
    expect(new Set(DEMO_CATALOG.map((i) => i.code)).size).toBe(DEMO_CATALOG.length);
    expect(new Set(DEMO_CATALOG.map((i) => i.hall))).toEqual(new Set(['涡阳县网上办事大厅', '珠海市网上办事大厅']));
    expect(new Set(DEMO_CATALOG.map((i) => i.department)).size).toBeGreaterThanOrEqual(10);
    const names = DEMO_CATALOG.map((i) => i.name).join('|');
    for (const n of ['生育', '建设项目环境影响评价', '营业执照', '残疾人证', '专业技术人员资格评审']) expect(names).toContain(n);
    const eia = DEMO_CATALOG.find((i) => i.code === '440400-STHJ-XZSP-001')!;
    expect(eia.workflow.steps[0]!.next).toHaveLength(3);
    expect(new Set(DEMO_CATALOG.map((i) => i.powerType))).toEqual(new Set(['行政审批', '行政确认', '行政备案', '行政给付', '审核转报', '为民服务']));
  });

  it('composes the 一件事 bundle into one valid form, one materials list and a parallel workflow', () => {
    const rows = DEMO_BUNDLE.items.map((c) => ({ ...DEMO_CATALOG.find((i) => i.code === c)!, status: 'published', bundle: null }) as unknown as ItemRow);
    const b = composeBundle(DEMO_BUNDLE, rows);
    expect(validateItemInput(b)).toEqual([]);
    expect(b.bundle.map((m) => m.code)).toEqual(DEMO_BUNDLE.items);
    expect(b.materials.filter((m) => m.code === 'business-license')).toHaveLength(1);
    expect(Object.keys(b.formSchema.properties as object)).toEqual(expect.arrayContaining(['companyName', 'registeredCapital', 'foodCategories', 'taxpayerId']));
    expect(b.workflow.steps[0]!.next).toEqual(['approve-zh-scj', 'approve-zh-sw']);
    expect(b.promisedDays).toBe(10);
  });
});
