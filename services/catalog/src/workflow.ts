/**
 * Workflow definitions (办理流程) of an item: validation on save and the flowchart (运行流程图)
 * rendered for the guide. A workflow is a directed graph of steps: `next` lists a step's successors
 * (absent: the following step in the list); more than one successor starts parallel branches
 * (并联审批), which must meet again at a step marked `join: true`.
 */
import type { WorkflowStepSpec as PublishedStep, WorkflowCondition, WorkflowFieldCondition } from '@hall/contracts';

/** A step as saved; position may still be missing here (validation names the step). */
export type WorkflowStepSpec = Omit<PublishedStep, 'position'> & { position?: string };
export interface WorkflowSpec { steps: WorkflowStepSpec[] }

export interface WorkflowError { code: string; step?: string; message: string }
export interface WorkflowContext {
  promisedDays: number; kind: 'immediate' | 'promised'; department: string; departmentName: string;
  /** The form's top-level fields: a step's condition (`when`) may only test these. */
  formFields?: string[];
}

const OP_TEXT: Record<WorkflowFieldCondition['op'], string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: '属于', exists: '已填写' };
const conditionParts = (w: WorkflowCondition): WorkflowFieldCondition[] => ('all' in w ? w.all : 'any' in w ? w.any : [w]);
/** A condition as a short text for the flowchart, e.g. `investment ≥ 10000`. */
export function conditionText(w: WorkflowCondition): string {
  const one = (c: WorkflowFieldCondition) => (c.op === 'exists' ? `${c.field}${OP_TEXT.exists}` : `${c.field} ${OP_TEXT[c.op]} ${Array.isArray(c.value) ? c.value.join('/') : String(c.value)}`);
  return conditionParts(w).map(one).join('all' in w ? ' 且 ' : ' 或 ');
}

/** Problems of a step's condition, kind and refusal rule (conditional routing, payment steps). */
function stepRuleErrors(s: WorkflowStepSpec, i: number, last: boolean, ctx: WorkflowContext): WorkflowError[] {
  const errors: WorkflowError[] = [];
  const e = (code: string, message: string) => errors.push({ code, step: s.key, message });
  if (s.when) {
    if (i === 0) e('condition_on_first_step', `第一个环节“${s.name}”（受理）不能设置办理条件`);
    for (const c of conditionParts(s.when)) {
      if (ctx.formFields && !ctx.formFields.includes(c.field)) e('condition_unknown_field', `环节“${s.name}”的办理条件引用了申报表中不存在的字段“${c.field}”`);
      const v = c.value;
      const ok = c.op === 'exists' ? v === undefined
        : c.op === 'in' ? Array.isArray(v) && v.length > 0
        : ['gt', 'gte', 'lt', 'lte'].includes(c.op) ? typeof v === 'number'
        : v !== undefined && !Array.isArray(v);
      if (!ok) e('condition_invalid_value', `环节“${s.name}”的办理条件“${c.field} ${OP_TEXT[c.op]}”的比较值不正确（大小比较须为数字，“属于”须为列表，“已填写”不带值）`);
    }
  }
  if (s.kind && (i === 0 || last)) e('step_kind_fixed', `环节“${s.name}”是${i === 0 ? '受理' : '办结'}环节，不能另设环节类型`);
  if (s.onRefuse && s.kind === 'payment') e('refuse_rule_on_payment', `缴费环节“${s.name}”不能设置不同意的处理方式`);
  return errors;
}

/** Chinese names of the positions (岗位) a step can be assigned to. */
export const POSITION_NAMES: Record<string, string> = {
  acceptance: '受理岗', review: '审查岗', approval: '审批岗', decision: '决定岗', inspection: '现场勘查岗',
  expert: '专家评审', hearing: '听证', delivery: '送达岗', system: '系统自动',
};

const successors = (steps: WorkflowStepSpec[], i: number): string[] =>
  steps[i]!.next ?? (i + 1 < steps.length ? [steps[i + 1]!.key] : []);

/** Every problem of a workflow, each with a Chinese message a catalog admin can act on. Empty when valid. */
export function validateWorkflow(wf: WorkflowSpec, ctx: WorkflowContext): WorkflowError[] {
  const errors: WorkflowError[] = [];
  const steps = wf.steps;
  if (steps.length === 0) return [{ code: 'workflow_empty', message: '办理流程至少需要一个环节' }];
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (index.has(s.key)) errors.push({ code: 'step_duplicate', step: s.key, message: `环节编码“${s.key}”重复` });
    else index.set(s.key, i);
    if (!s.position?.trim()) errors.push({ code: 'step_without_position', step: s.key, message: `环节“${s.name}”未指定办理岗位` });
    if (s.limitDays === undefined) errors.push({ code: 'step_without_limit', step: s.key, message: `环节“${s.name}”未设定办理时限` });
  });
  const next = steps.map((_, i) => successors(steps, i));
  steps.forEach((s, i) => errors.push(...stepRuleErrors(s, i, next[i]!.length === 0, ctx)));
  steps.forEach((s, i) => {
    for (const n of next[i]!) {
      if (!index.has(n)) errors.push({ code: 'step_unknown_next', step: s.key, message: `环节“${s.name}”的后续环节“${n}”不存在` });
      if (n === s.key) errors.push({ code: 'step_self_loop', step: s.key, message: `环节“${s.name}”不能流向自身` });
    }
    if (new Set(next[i]).size !== next[i]!.length) errors.push({ code: 'step_duplicate_next', step: s.key, message: `环节“${s.name}”的后续环节有重复` });
  });
  if (errors.some((e) => e.code === 'step_duplicate' || e.code === 'step_unknown_next')) return errors;

  // Reachability from the first step (受理 starts every case).
  const seen = new Set<number>([0]);
  for (const queue = [0]; queue.length;) {
    const i = queue.shift()!;
    for (const n of next[i]!) { const j = index.get(n)!; if (!seen.has(j)) { seen.add(j); queue.push(j); } }
  }
  steps.forEach((s, i) => { if (!seen.has(i)) errors.push({ code: 'step_unreachable', step: s.key, message: `环节“${s.name}”无法从第一个环节“${steps[0]!.name}”到达` }); });

  // No cycles: a case must always move towards 办结.
  const state = new Array<number>(steps.length).fill(0);
  let cycleAt: number | null = null;
  const visit = (i: number): void => {
    if (cycleAt !== null) return;
    state[i] = 1;
    for (const n of next[i]!) {
      const j = index.get(n)!;
      if (state[j] === 1) { cycleAt = j; return; }
      if (state[j] === 0) visit(j);
    }
    state[i] = 2;
  };
  steps.forEach((_, i) => { if (state[i] === 0) visit(i); });
  if (cycleAt !== null) {
    errors.push({ code: 'workflow_cycle', step: steps[cycleAt]!.key, message: `办理流程在环节“${steps[cycleAt]!.name}”处形成循环，案件将无法办结` });
    return errors;
  }
  const ends = steps.filter((_, i) => next[i]!.length === 0);
  if (ends.length !== 1) errors.push({ code: 'workflow_end', message: ends.length === 0 ? '办理流程没有办结环节' : `办理流程只能有一个办结环节，现有：${ends.map((e) => e.name).join('、')}` });

  // Joins: a step reached from several steps waits for all of them, and must say so.
  const preds = steps.map(() => [] as number[]);
  next.forEach((ns, i) => ns.forEach((n) => preds[index.get(n)!]!.push(i)));
  steps.forEach((s, i) => {
    if (preds[i]!.length > 1 && !s.join) errors.push({ code: 'join_missing', step: s.key, message: `环节“${s.name}”汇合了 ${preds[i]!.length} 个并联分支，须设为汇合环节（join）` });
    if (s.join && preds[i]!.length < 2) errors.push({ code: 'join_without_branches', step: s.key, message: `环节“${s.name}”被设为汇合环节，但没有并联分支汇入` });
  });
  // Each fork's branches must all reach one common join, and a parallel approval involves other departments.
  steps.forEach((s, i) => {
    if (next[i]!.length < 2) return;
    const reach = next[i]!.map((n) => reachable(index.get(n)!, next, index));
    const common = [...reach[0]!].filter((j) => reach.every((r) => r.has(j)) && steps[j]!.join);
    if (common.length === 0) errors.push({ code: 'fork_without_join', step: s.key, message: `环节“${s.name}”分出的并联分支没有共同的汇合环节` });
    const departments = new Set(next[i]!.map((n) => steps[index.get(n)!]!.department ?? ctx.department));
    if (departments.size < 2) errors.push({ code: 'fork_single_department', step: s.key, message: `环节“${s.name}”的并联分支都在同一部门，并联审批须由不同部门同时办理` });
  });

  // Time limits: the longest path (parallel branches overlap) must fit within the promised limit.
  if (!errors.some((e) => e.code === 'step_without_limit')) {
    const { days, path } = longestPath(steps, next, index);
    if (days > ctx.promisedDays) {
      errors.push({ code: 'limit_exceeds_promise', message: `各环节时限合计 ${days} 个工作日（${path.map((j) => steps[j]!.name).join(' → ')}），超过承诺时限 ${ctx.promisedDays} 个工作日` });
    }
    if (ctx.kind === 'immediate' && days > 0) errors.push({ code: 'immediate_with_limit', message: '即办件须当场办结，各环节时限均应为 0' });
  }
  return errors;
}

function reachable(from: number, next: string[][], index: Map<string, number>): Set<number> {
  const out = new Set<number>([from]);
  for (const q = [from]; q.length;) for (const n of next[q.shift()!]!) { const j = index.get(n)!; if (!out.has(j)) { out.add(j); q.push(j); } }
  return out;
}

function longestPath(steps: WorkflowStepSpec[], next: string[][], index: Map<string, number>): { days: number; path: number[] } {
  const memo = new Map<number, { days: number; path: number[] }>();
  const best = (i: number): { days: number; path: number[] } => {
    const hit = memo.get(i);
    if (hit) return hit;
    let tail = { days: 0, path: [] as number[] };
    for (const n of next[i]!) { const t = best(index.get(n)!); if (t.days > tail.days || tail.path.length === 0) tail = t; }
    // A payment step's time is the applicant's (the clock stands still while the case waits for the fees).
    const r = { days: (steps[i]!.kind === 'payment' ? 0 : steps[i]!.limitDays ?? 0) + tail.days, path: [i, ...tail.path] };
    memo.set(i, r);
    return r;
  };
  return best(0);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The flowchart as a self-contained SVG: steps in layers by their distance from the first step,
 * parallel branches side by side, each box with the step, department, position and time limit.
 * Rendered on the server with no browser and no fonts shipped; the guide embeds it as is.
 */
export function renderFlowchart(wf: WorkflowSpec, ctx: Pick<WorkflowContext, 'department' | 'departmentName'>, title: string): string {
  const steps = wf.steps;
  const index = new Map(steps.map((s, i) => [s.key, i]));
  const next = steps.map((_, i) => successors(steps, i).filter((n) => index.has(n)));
  const layer = new Array<number>(steps.length).fill(0);
  // Longest distance from the start (the graph is acyclic once validated; bounded for safety).
  for (let round = 0; round < steps.length; round++) {
    let changed = false;
    next.forEach((ns, i) => ns.forEach((n) => { const j = index.get(n)!; if (layer[j]! < layer[i]! + 1) { layer[j] = layer[i]! + 1; changed = true; } }));
    if (!changed) break;
  }
  const rows = new Map<number, number[]>();
  steps.forEach((_, i) => rows.set(layer[i]!, [...(rows.get(layer[i]!) ?? []), i]));
  const W = 200, H = 64, GX = 40, GY = 44, TOP = 48;
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const width = Math.max(widest * (W + GX) + GX, 360);
  const pos = new Map<number, { x: number; y: number }>();
  for (const [l, r] of rows) {
    const rowWidth = r.length * W + (r.length - 1) * GX;
    r.forEach((i, k) => pos.set(i, { x: (width - rowWidth) / 2 + k * (W + GX), y: TOP + l * (H + GY) }));
  }
  const height = TOP + rows.size * (H + GY);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}运行流程图" font-family="'Noto Sans CJK SC','Microsoft YaHei',sans-serif">`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
  parts.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}运行流程图</text>`);
  next.forEach((ns, i) => ns.forEach((n) => {
    const a = pos.get(i)!, b = pos.get(index.get(n)!)!;
    parts.push(`<line x1="${a.x + W / 2}" y1="${a.y + H}" x2="${b.x + W / 2}" y2="${b.y}" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  }));
  steps.forEach((s, i) => {
    const { x, y } = pos.get(i)!;
    const other = s.department && s.department !== ctx.department;
    const dept = s.departmentName ?? (other ? s.department! : ctx.departmentName);
    const limit = [s.limitDays === undefined ? '' : s.limitDays === 0 ? '即时' : `${s.limitDays}个工作日`, s.kind === 'payment' ? '缴费' : '', s.when ? `条件：${conditionText(s.when)}` : ''].filter(Boolean).join(' · ');
    parts.push(`<g data-step="${esc(s.key)}"><rect x="${x}" y="${y}" width="${W}" height="${H}" rx="8" fill="${other ? '#fff4e0' : '#e8f1fb'}" stroke="${s.join ? '#c0392b' : '#2f6db5'}" stroke-width="${s.join ? 2 : 1.2}"/>`);
    parts.push(`<text x="${x + W / 2}" y="${y + 22}" text-anchor="middle" font-size="14" font-weight="bold">${esc(s.name)}${s.join ? '（汇合）' : ''}</text>`);
    parts.push(`<text x="${x + W / 2}" y="${y + 40}" text-anchor="middle" font-size="11">${esc(dept)} · ${esc(POSITION_NAMES[s.position ?? ''] ?? s.position ?? '未指定岗位')}</text>`);
    parts.push(`<text x="${x + W / 2}" y="${y + 56}" text-anchor="middle" font-size="11" fill="#666">${esc(limit)}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
