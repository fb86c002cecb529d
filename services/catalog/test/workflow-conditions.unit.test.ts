/** Conditional routing (`when`), step kinds (`payment`) and refusal rules in a workflow definition: validated on save, shown on the flowchart. */
import type { WorkflowStepSpec } from '@hall/contracts';
import { validateWorkflow, renderFlowchart, conditionText } from '../src/workflow.js';

const ctx = { promisedDays: 20, kind: 'promised' as const, department: 'zh-sthj', departmentName: '珠海市生态环境局', formFields: ['projectName', 'investment', 'category'] };
const steps = (middle: WorkflowStepSpec[]): WorkflowStepSpec[] => [
  { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
  ...middle,
  { key: 'complete', name: '办结', position: 'system', limitDays: 0 },
];
const codes = (s: WorkflowStepSpec[]) => validateWorkflow({ steps: s }, ctx).map((e) => [e.code, e.message]);

describe('workflow conditions, kinds and refusal rules', () => {
  it('accepts a conditional step, a payment step and a continue-on-refusal opinion', () => {
    expect(codes(steps([
      { key: 'inspect', name: '现场核查', position: 'review', limitDays: 3, when: { field: 'investment', op: 'gte', value: 10000 } },
      { key: 'opinion', name: '征求意见', position: 'review', limitDays: 3, onRefuse: 'continue', when: { any: [{ field: 'category', op: 'in', value: ['化工', '冶金'] }, { field: 'projectName', op: 'exists' }] } },
      { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
      { key: 'pay', name: '缴费', position: 'system', limitDays: 5, kind: 'payment' },
    ]))).toEqual([]);
  });

  it.each([
    ['a condition on the first step', [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 1, when: { field: 'investment', op: 'gt', value: 1 } }, { key: 'complete', name: '办结', position: 'system', limitDays: 0 }],
      'condition_on_first_step', '第一个环节“受理”（受理）不能设置办理条件'],
    ['a condition on a field the form lacks', steps([{ key: 'x', name: '核查', position: 'review', limitDays: 1, when: { field: 'area', op: 'gt', value: 1 } }]),
      'condition_unknown_field', '环节“核查”的办理条件引用了申报表中不存在的字段“area”'],
    ['a size comparison with text', steps([{ key: 'x', name: '核查', position: 'review', limitDays: 1, when: { field: 'investment', op: 'gt', value: '很多' } }]),
      'condition_invalid_value', '环节“核查”的办理条件“investment >”的比较值不正确（大小比较须为数字，“属于”须为列表，“已填写”不带值）'],
    ['“in” without a list', steps([{ key: 'x', name: '核查', position: 'review', limitDays: 1, when: { field: 'category', op: 'in', value: '化工' } }]),
      'condition_invalid_value', '环节“核查”的办理条件“category 属于”的比较值不正确（大小比较须为数字，“属于”须为列表，“已填写”不带值）'],
    ['a kind on the completion step', [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 }, { key: 'complete', name: '办结', position: 'system', limitDays: 0, kind: 'payment' }],
      'step_kind_fixed', '环节“办结”是办结环节，不能另设环节类型'],
    ['a refusal rule on a payment step', steps([{ key: 'pay', name: '缴费', position: 'system', limitDays: 1, kind: 'payment', onRefuse: 'deny' }]),
      'refuse_rule_on_payment', '缴费环节“缴费”不能设置不同意的处理方式'],
  ] as [string, WorkflowStepSpec[], string, string][])('rejects %s', (_what, s, code, message) => {
    expect(codes(s)).toContainEqual([code, message]);
  });

  it('writes the condition and the payment on the flowchart', () => {
    expect(conditionText({ all: [{ field: 'investment', op: 'gte', value: 10000 }, { field: 'category', op: 'in', value: ['化工', '冶金'] }] })).toBe('investment ≥ 10000 且 category 属于 化工/冶金');
    const svg = renderFlowchart({ steps: steps([
      { key: 'inspect', name: '现场核查', position: 'review', limitDays: 3, when: { field: 'investment', op: 'gte', value: 10000 } },
      { key: 'pay', name: '缴纳费用', position: 'system', limitDays: 5, kind: 'payment' },
    ]) }, ctx, '测试事项');
    expect(svg).toContain('3个工作日 · 条件：investment ≥ 10000');
    expect(svg).toContain('5个工作日 · 缴费');
  });
});
