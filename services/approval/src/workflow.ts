/**
 * The item version's workflow (办理流程) as the engine reads it: steps with their kind, successors
 * and predecessors, and the conditions on form data (conditional routing). Pure functions; the
 * engine (engine.ts) keeps the state in the database.
 *
 * Kinds: the first step is acceptance (受理); the step without successors is completion (办结); a
 * step marked `kind` is what it says; otherwise a step for the approval or decision position decides
 * (approve/deny) and any other step gives an opinion (review: pass/refuse).
 */
import type { ItemPublished, WorkflowCondition, WorkflowFieldCondition, WorkflowStepSpec } from '@hall/contracts';

export type StepKind = 'accept' | 'review' | 'decision' | 'payment' | 'complete';

export interface Step extends Omit<WorkflowStepSpec, 'kind' | 'department' | 'departmentName'> {
  kind: StepKind;
  index: number;
  successors: string[];
  predecessors: string[];
  department: string;
  departmentName: string;
}

export interface Workflow { steps: Step[]; byKey: Map<string, Step>; first: Step }

const DECIDING_POSITIONS = new Set(['approval', 'decision']);

/** The workflow of items published without one: 受理 → 审批 → 办结 (the golden path). */
export function defaultWorkflowSpec(promisedDays: number): WorkflowStepSpec[] {
  return [
    { key: 'accept', name: '受理', position: 'acceptance', limitDays: Math.min(1, promisedDays) },
    { key: 'approve', name: '审批', position: 'approval', limitDays: Math.max(promisedDays - 1, 0) },
    { key: 'complete', name: '办结', position: 'system', limitDays: 0 },
  ];
}

export function workflowOf(item: Pick<ItemPublished['payload'], 'workflow' | 'promisedDays' | 'department' | 'departmentName'>): Workflow {
  const specs = item.workflow?.steps?.length ? item.workflow.steps : defaultWorkflowSpec(item.promisedDays);
  const successors = specs.map((s, i) => s.next ?? (i + 1 < specs.length ? [specs[i + 1]!.key] : []));
  const steps: Step[] = specs.map((s, i) => {
    const kind: StepKind = i === 0 ? 'accept'
      : successors[i]!.length === 0 ? 'complete'
      : s.kind ?? (DECIDING_POSITIONS.has(s.position) ? 'decision' : 'review');
    return { ...s, kind, index: i, successors: successors[i]!, predecessors: [], department: s.department ?? item.department, departmentName: s.departmentName ?? (s.department && s.department !== item.department ? s.department : item.departmentName) };
  });
  const byKey = new Map(steps.map((s) => [s.key, s]));
  for (const s of steps) for (const n of s.successors) byKey.get(n)?.predecessors.push(s.key);
  return { steps, byKey, first: steps[0]! };
}

function compare(c: WorkflowFieldCondition, form: Record<string, unknown>): boolean {
  const v = form[c.field];
  switch (c.op) {
    case 'exists': return v !== undefined && v !== null && v !== '';
    case 'eq': return v === c.value || (typeof c.value === 'number' && Number(v) === c.value);
    case 'ne': return !(v === c.value || (typeof c.value === 'number' && Number(v) === c.value));
    case 'in': return Array.isArray(c.value) && (c.value as unknown[]).some((x) => x === v || (typeof x === 'number' && Number(v) === x));
    default: {
      const a = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const b = Number(c.value);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
    }
  }
}

/** Whether the form satisfies a step's condition (no condition: always). */
export function conditionHolds(when: WorkflowCondition | undefined, form: Record<string, unknown>): boolean {
  if (!when) return true;
  if ('all' in when) return when.all.every((c) => compare(c, form));
  if ('any' in when) return when.any.some((c) => compare(c, form));
  return compare(when, form);
}
