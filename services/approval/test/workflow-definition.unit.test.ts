/** How the engine reads a workflow definition: step kinds, successors and predecessors, conditions on form data. */
import { workflowOf, conditionHolds, defaultWorkflowSpec } from '../src/workflow.js';

const item = { promisedDays: 10, department: 'zh-sthj', departmentName: '珠海市生态环境局' };

describe('workflow definition', () => {
  it('infers kinds: first step accepts, the last completes, approval positions decide, others review; payment as declared', () => {
    const wf = workflowOf({ ...item, workflow: { steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1, next: ['a', 'b'] },
      { key: 'a', name: '意见', position: 'review', limitDays: 2, next: ['decide'] },
      { key: 'b', name: '规划', position: 'review', department: 'zh-zrzy', departmentName: '珠海市自然资源局', limitDays: 2, next: ['decide'] },
      { key: 'decide', name: '决定', position: 'approval', limitDays: 2, join: true },
      { key: 'pay', name: '缴费', position: 'system', limitDays: 3, kind: 'payment' },
      { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 },
    ] } });
    expect(wf.steps.map((s) => [s.key, s.kind, s.department])).toEqual([
      ['accept', 'accept', 'zh-sthj'], ['a', 'review', 'zh-sthj'], ['b', 'review', 'zh-zrzy'], ['decide', 'decision', 'zh-sthj'], ['pay', 'payment', 'zh-sthj'], ['complete', 'complete', 'zh-sthj'],
    ]);
    expect(wf.byKey.get('decide')!.predecessors.sort()).toEqual(['a', 'b']);
    expect(wf.byKey.get('decide')!.successors).toEqual(['pay']);
    expect(wf.byKey.get('b')!.departmentName).toBe('珠海市自然资源局');
  });

  it('uses 受理 → 审批 → 办结 for an item published without a workflow', () => {
    expect(workflowOf({ ...item, promisedDays: 5 }).steps.map((s) => `${s.key}:${s.kind}:${s.limitDays}`)).toEqual(['accept:accept:1', 'approve:decision:4', 'complete:complete:0']);
    expect(defaultWorkflowSpec(0).map((s) => s.limitDays)).toEqual([0, 0, 0]);
  });

  it('evaluates conditions on the form', () => {
    const form = { investment: '12000', category: '化工', name: '' };
    expect(conditionHolds(undefined, form)).toBe(true);
    expect(conditionHolds({ field: 'investment', op: 'gte', value: 10000 }, form)).toBe(true);
    expect(conditionHolds({ field: 'investment', op: 'lt', value: 10000 }, form)).toBe(false);
    expect(conditionHolds({ field: 'investment', op: 'eq', value: 12000 }, form)).toBe(true);
    expect(conditionHolds({ field: 'category', op: 'in', value: ['化工', '冶金'] }, form)).toBe(true);
    expect(conditionHolds({ field: 'category', op: 'ne', value: '化工' }, form)).toBe(false);
    expect(conditionHolds({ field: 'name', op: 'exists' }, form)).toBe(false);
    expect(conditionHolds({ field: 'missing', op: 'gt', value: 1 }, form)).toBe(false);
    expect(conditionHolds({ all: [{ field: 'investment', op: 'gt', value: 1 }, { field: 'name', op: 'exists' }] }, form)).toBe(false);
    expect(conditionHolds({ any: [{ field: 'investment', op: 'gt', value: 1 }, { field: 'name', op: 'exists' }] }, form)).toBe(true);
  });
});
