/**
 * Bundles (一件事一次办): several items applied for with one form and one set of materials. A bundle
 * is composed from the members' published versions into an item of its own (with `bundle` listing
 * the members), so the portal shows, validates and submits it like any item; its workflow accepts
 * once and runs every member department in parallel, then joins at 办结.
 */
import type { MaterialSpec, WorkflowStepSpec } from '@hall/contracts';
import { Type, StrictObject, type Static } from '@hall/http';
import type { ItemInput } from './item-input.js';
import type { ItemRow, BundleMember } from './items.js';

export const BundleInput = StrictObject({
  code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,63}$' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  hall: Type.String({ minLength: 1, maxLength: 200 }),
  level: Type.Union([Type.Literal('市'), Type.Literal('县区'), Type.Literal('镇街'), Type.Literal('村社区')]),
  /** The lead department (牵头部门) that accepts the bundle at one window. */
  department: Type.String({ pattern: '^[a-z0-9-]{2,64}$' }),
  departmentName: Type.String({ minLength: 1, maxLength: 200 }),
  items: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 2, maxItems: 20, uniqueItems: true }),
  keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 })),
});
export type BundleInput = Static<typeof BundleInput>;

type Schema = { properties?: Record<string, unknown>; required?: string[]; 'x-ui'?: { order?: string[]; help?: Record<string, string> } };

/** One form (fields merged by name, first definition wins), one materials list (merged by code), one workflow. */
export function composeBundle(b: BundleInput, members: ItemRow[]): ItemInput & { bundle: BundleMember[] } {
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  const order: string[] = [];
  const help: Record<string, string> = {};
  const materials = new Map<string, MaterialSpec>();
  for (const m of members) {
    const s = m.formSchema as Schema;
    for (const [k, v] of Object.entries(s.properties ?? {})) if (!(k in properties)) { properties[k] = v; order.push(k); }
    for (const r of s.required ?? []) required.add(r);
    Object.assign(help, s['x-ui']?.help ?? {});
    for (const spec of m.materials as MaterialSpec[]) {
      const seen = materials.get(spec.code);
      materials.set(spec.code, seen ? { ...seen, required: seen.required || spec.required } : spec);
    }
  }
  const promisedDays = Math.max(...members.map((m) => m.promisedDays));
  const departments = [...new Map(members.map((m) => [m.department, m])).values()];
  const accept: WorkflowStepSpec = { key: 'accept', name: '综合受理', position: 'acceptance', department: b.department, departmentName: b.departmentName, limitDays: 1 };
  const done: WorkflowStepSpec = { key: 'complete', name: '统一出件', position: 'delivery', department: b.department, departmentName: b.departmentName, limitDays: 0 };
  const branchDays = Math.max(0, promisedDays - 1);
  const steps: WorkflowStepSpec[] = departments.length > 1
    ? [
        { ...accept, next: departments.map((m) => `approve-${m.department}`) },
        ...departments.map((m) => ({ key: `approve-${m.department}`, name: `${m.departmentName.replace(/^.*?(县|市|区)/, '')}审批`, position: 'approval', department: m.department, departmentName: m.departmentName, limitDays: branchDays, next: ['complete'] })),
        { ...done, join: true },
      ]
    : [accept, { key: 'approve', name: '审批', position: 'approval', department: departments[0]!.department, departmentName: departments[0]!.departmentName, limitDays: branchDays }, done];
  const names = members.map((m) => m.name);
  return {
    code: b.code, name: b.name, powerType: '为民服务', department: b.department, departmentName: b.departmentName, hall: b.hall, level: b.level,
    promisedDays, statutoryDays: Math.max(...members.map((m) => m.statutoryDays)), kind: 'promised', online: true,
    visits: Math.max(...members.map((m) => m.visits)), keywords: [...(b.keywords ?? []), ...names].slice(0, 20),
    guide: {
      legalBasis: members.map((m) => `【${m.name}】${(m.guide as Record<string, string>).legalBasis ?? ''}`).join('\n'),
      conditions: members.map((m) => `【${m.name}】${(m.guide as Record<string, string>).conditions ?? ''}`).join('\n'),
      procedure: `一次申报、一套材料，${b.departmentName}综合受理后，${departments.map((m) => m.departmentName).join('、')}并联审批，统一出件`,
      place: (members[0]!.guide as Record<string, string>).place ?? b.hall, contact: (members[0]!.guide as Record<string, string>).contact ?? '',
      hours: (members[0]!.guide as Record<string, string>).hours ?? '', fees: members.map((m) => `【${m.name}】${(m.guide as Record<string, string>).fees ?? ''}`).join('；'),
      timeLimit: `承诺${promisedDays}个工作日（含${names.join('、')}）`,
    },
    formSchema: { type: 'object', additionalProperties: false, required: [...required], properties, 'x-ui': { order, help } },
    materials: [...materials.values()],
    workflow: { steps },
    bundle: members.map((m) => ({ code: m.code, version: m.version, name: m.name })),
  };
}
