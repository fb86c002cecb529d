/**
 * What a catalog admin (or the bulk import) submits for an item version, and the checks beyond the
 * schema: the guide's required parts, time limits that agree with each other, a usable form
 * definition, a consistent materials list and a valid workflow. Every message is Chinese and says
 * which field is wrong.
 */
import { Type, StrictObject, type Static } from '@hall/http';
import { MaterialSpec, WorkflowStepSpec } from '@hall/contracts';
import { validateWorkflow, type WorkflowError } from './workflow.js';

export const POWER_TYPES = ['行政审批', '行政确认', '行政备案', '行政给付', '审核转报', '为民服务'] as const;
export const LEVELS = ['市', '县区', '镇街', '村社区'] as const;
/** The guide's parts (办事指南) and which of them every item must fill in. */
export const GUIDE_FIELDS: Record<string, { label: string; required: boolean }> = {
  legalBasis: { label: '办事依据', required: true },
  conditions: { label: '办理条件', required: true },
  procedure: { label: '办理程序', required: false },
  place: { label: '受理地点', required: true },
  contact: { label: '联系方式', required: true },
  hours: { label: '受理时间', required: true },
  timeLimit: { label: '办理期限', required: false },
  fees: { label: '收费标准', required: true },
  visits: { label: '到现场次数', required: false },
  kind: { label: '办件类型', required: false },
};
export const MATERIAL_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/zip'];

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
/**
 * The workflow as an admin saves it: like the contract's, but a step's position and time limit may
 * be missing or blank here, so that validateWorkflow can name the step in Chinese instead of the
 * schema answering with a path.
 */
const WorkflowDraft = StrictObject({
  steps: Type.Array(StrictObject({ ...WorkflowStepSpec.properties, position: Type.Optional(Type.String({ maxLength: 64 })), limitDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })) }), { minItems: 1, maxItems: 50 }),
});
export const ItemInput = StrictObject({
  code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,63}$', description: '事项编码' }),
  implementationCode: Type.Optional(Text(64)),
  name: Text(200),
  powerType: Type.Union(POWER_TYPES.map((p) => Type.Literal(p))),
  department: Type.String({ pattern: '^[a-z0-9-]{2,64}$' }),
  departmentName: Text(200),
  hall: Text(200),
  level: Type.Union(LEVELS.map((l) => Type.Literal(l))),
  promisedDays: Type.Integer({ minimum: 0, maximum: 365 }),
  statutoryDays: Type.Integer({ minimum: 0, maximum: 365 }),
  kind: Type.Union([Type.Literal('immediate'), Type.Literal('promised')]),
  online: Type.Boolean(),
  visits: Type.Integer({ minimum: 0, maximum: 2 }),
  certificateType: Type.Optional(Text(64)),
  keywords: Type.Optional(Type.Array(Text(32), { maxItems: 20 })),
  guide: Type.Record(Type.String({ pattern: '^[a-zA-Z]{1,32}$' }), Type.String({ maxLength: 4000 })),
  formSchema: Type.Record(Type.String(), Type.Unknown()),
  materials: Type.Array(MaterialSpec, { maxItems: 50 }),
  workflow: WorkflowDraft,
});
export type ItemInput = Static<typeof ItemInput>;

export interface InputError { field: string; code?: string; step?: string; message: string }

/** Checks beyond the schema; empty when the input can be saved. */
export function validateItemInput(d: ItemInput): InputError[] {
  const errors: InputError[] = [];
  for (const [key, f] of Object.entries(GUIDE_FIELDS)) {
    if (f.required && !d.guide[key]?.trim()) errors.push({ field: `guide.${key}`, message: `办事指南缺少“${f.label}”` });
  }
  for (const key of Object.keys(d.guide)) if (!GUIDE_FIELDS[key]) errors.push({ field: `guide.${key}`, message: `办事指南没有“${key}”这一项` });
  if (d.promisedDays > d.statutoryDays) errors.push({ field: 'promisedDays', message: `承诺时限 ${d.promisedDays} 个工作日不能超过法定时限 ${d.statutoryDays} 个工作日` });
  if (d.kind === 'immediate' && d.promisedDays !== 0) errors.push({ field: 'promisedDays', message: '即办件的承诺时限应为 0（当场办结）' });
  if (d.kind === 'promised' && d.promisedDays === 0) errors.push({ field: 'promisedDays', message: '承诺件的承诺时限至少为 1 个工作日' });
  if (!d.online && d.visits === 0) errors.push({ field: 'visits', message: '不能网上办理的事项至少需要一次上门' });

  const codes = new Set<string>();
  d.materials.forEach((m, i) => {
    if (codes.has(m.code)) errors.push({ field: `materials[${i}].code`, message: `材料编码“${m.code}”重复` });
    codes.add(m.code);
    for (const t of m.allowedTypes) if (!MATERIAL_TYPES.includes(t)) errors.push({ field: `materials[${i}].allowedTypes`, message: `材料“${m.name}”的文件类型 ${t} 不受支持` });
    if (m.allowedTypes.length === 0) errors.push({ field: `materials[${i}].allowedTypes`, message: `材料“${m.name}”未指定允许的文件类型` });
    if (m.maxSizeBytes > 50 * 1024 * 1024) errors.push({ field: `materials[${i}].maxSizeBytes`, message: `材料“${m.name}”的大小上限不能超过 50MB` });
  });
  errors.push(...formSchemaErrors(d.formSchema));
  errors.push(...validateWorkflow(d.workflow, { promisedDays: d.promisedDays, kind: d.kind, department: d.department, departmentName: d.departmentName, formFields: Object.keys((d.formSchema.properties ?? {}) as object) })
    .map((e: WorkflowError) => ({ field: e.step ? `workflow.${e.step}` : 'workflow', ...e })));
  return errors;
}

/** The form definition: a JSON Schema object whose fields all carry a Chinese label, plus UI hints. */
export function formSchemaErrors(s: Record<string, unknown>): InputError[] {
  const errors: InputError[] = [];
  const props = s.properties as Record<string, { title?: unknown; type?: unknown }> | undefined;
  if (s.type !== 'object' || !props || typeof props !== 'object' || Object.keys(props).length === 0) {
    return [{ field: 'formSchema', message: '申报表定义须为 type 为 object 且至少有一个字段的 JSON Schema' }];
  }
  for (const [k, p] of Object.entries(props)) {
    if (!p || typeof p !== 'object') { errors.push({ field: `formSchema.properties.${k}`, message: `字段“${k}”的定义无效` }); continue; }
    if (typeof p.title !== 'string' || !p.title) errors.push({ field: `formSchema.properties.${k}`, message: `字段“${k}”缺少中文标签（title）` });
    if (!['string', 'integer', 'number', 'boolean', 'array', 'object'].includes(String(p.type))) errors.push({ field: `formSchema.properties.${k}`, message: `字段“${k}”的类型无效` });
  }
  const required = s.required;
  if (required !== undefined && (!Array.isArray(required) || required.some((r) => typeof r !== 'string' || !(r in props)))) {
    errors.push({ field: 'formSchema.required', message: '必填字段（required）须是已定义的字段' });
  }
  const ui = s['x-ui'] as { order?: unknown } | undefined;
  if (ui?.order !== undefined && (!Array.isArray(ui.order) || ui.order.some((o) => typeof o !== 'string' || !(o in props)))) {
    errors.push({ field: 'formSchema.x-ui.order', message: '字段顺序（x-ui.order）中有未定义的字段' });
  }
  return errors;
}
