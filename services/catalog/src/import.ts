/**
 * Bulk import of items (批量导入) from CSV or JSON. Each row is validated on its own — the schema of
 * ItemInput, then the catalog's rules — and saved as a draft (optionally published) when it passes;
 * a bad row never stops the good ones. The report lists every rejected row with its reasons.
 *
 * CSV columns (header row, UTF-8, BOM allowed): code, implementationCode, name, powerType, department,
 * departmentName, hall, level, promisedDays, statutoryDays, kind (即办件/承诺件), online (是/否),
 * visits (无需上门/一次上门/两次上门 or 0–2), certificateType, keywords (separated by ；or ;),
 * the guide's legalBasis, conditions, procedure, place, contact, hours, fees; materials
 * ("身份证*;户口簿" — * marks a required one — or a JSON array); formSchema and workflow (JSON,
 * optional: a form with the applicant's name, ID number and phone, and 受理→审查→决定→办结 sharing
 * the promised days). JSON: an array of rows of the same shape, or of complete items.
 */
import { parse } from 'csv-parse/sync';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ItemInput, validateItemInput, GUIDE_FIELDS, type InputError } from './item-input.js';
import { defaultSteps } from './demo-catalog.js';
import type { itemRepository } from './items.js';
import type { IssuanceRefusal } from './certificate-types.js';

export interface RowReport { row: number; code: string | null; result: 'created' | 'updated' | 'new_version' | 'published' | 'rejected'; errors?: InputError[] }
export interface ImportReport { total: number; imported: number; rejected: number; rows: RowReport[] }

const checkInput = TypeCompiler.Compile(ItemInput);
const IMG = ['application/pdf', 'image/jpeg', 'image/png'];
const KIND: Record<string, 'immediate' | 'promised'> = { 即办件: 'immediate', 承诺件: 'promised', immediate: 'immediate', promised: 'promised' };
const VISITS: Record<string, number> = { 无需上门: 0, 一次上门: 1, 两次上门: 2, 0: 0, 1: 1, 2: 2 };
const BOOL: Record<string, boolean> = { 是: true, 否: false, true: true, false: false, y: true, n: false, 1: true, 0: false };

/** Parses a file's text into raw rows (objects of strings, or whatever the JSON holds). */
export function parseImportFile(text: string, format: 'csv' | 'json'): Record<string, unknown>[] {
  if (format === 'json') {
    const data = JSON.parse(text) as unknown;
    if (!Array.isArray(data)) throw new Error('JSON 文件须为事项数组');
    return data as Record<string, unknown>[];
  }
  return parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as Record<string, string>[];
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());

/** A flat row (CSV cells as strings) into an ItemInput candidate; complete items pass through. */
export function rowToInput(raw: Record<string, unknown>): { input?: unknown; errors: InputError[] } {
  if (raw.guide && typeof raw.guide === 'object') return { input: raw, errors: [] };
  const errors: InputError[] = [];
  const int = (field: string, label: string): number | undefined => {
    const v = str(raw[field]);
    if (!/^\d+$/.test(v)) { errors.push({ field, message: `${label}须为非负整数，实际为“${v}”` }); return undefined; }
    return Number(v);
  };
  const json = (field: string, label: string): unknown => {
    const v = str(raw[field]);
    if (!v) return undefined;
    try { return JSON.parse(v); } catch { errors.push({ field, message: `${label}不是有效的 JSON` }); return undefined; }
  };
  const kind = KIND[str(raw.kind) || '承诺件'];
  if (!kind) errors.push({ field: 'kind', message: `办件类型须为“即办件”或“承诺件”，实际为“${str(raw.kind)}”` });
  const visits = VISITS[str(raw.visits) || '无需上门'];
  if (visits === undefined) errors.push({ field: 'visits', message: `到现场次数须为无需上门、一次上门或两次上门，实际为“${str(raw.visits)}”` });
  const online = BOOL[(str(raw.online) || '是').toLowerCase()];
  if (online === undefined) errors.push({ field: 'online', message: `是否网上办理须为“是”或“否”，实际为“${str(raw.online)}”` });
  const promisedDays = int('promisedDays', '承诺时限');
  const statutoryDays = int('statutoryDays', '法定时限');

  const materialsCell = str(raw.materials);
  let materials: unknown = [];
  if (materialsCell.startsWith('[')) materials = json('materials', '申请材料');
  else if (materialsCell) {
    materials = materialsCell.split(/[;；]/).map((m) => m.trim()).filter(Boolean).map((m, i) => ({
      code: `m${i + 1}`, name: m.replace(/\*$/, ''), required: m.endsWith('*'), allowedTypes: IMG, maxSizeBytes: 10 * 1024 * 1024,
    }));
  }
  const guide: Record<string, string> = {};
  for (const key of Object.keys(GUIDE_FIELDS)) { const v = str(raw[key]); if (v) guide[key] = v; }
  const formSchema = json('formSchema', '申报表定义') ?? {
    type: 'object', additionalProperties: false, required: ['applicantName', 'idNumber', 'phone'],
    properties: {
      applicantName: { type: 'string', minLength: 2, maxLength: 30, title: '申请人姓名' },
      idNumber: { type: 'string', pattern: '^\\d{17}[\\dX]$', title: '身份证号码' },
      phone: { type: 'string', pattern: '^1[3-9]\\d{9}$', title: '联系电话' },
    },
  };
  const workflow = json('workflow', '办理流程') ?? (promisedDays !== undefined ? { steps: defaultSteps(promisedDays) } : undefined);
  const keywords = str(raw.keywords).split(/[;；,，]/).map((k) => k.trim()).filter(Boolean);
  const input = {
    code: str(raw.code), name: str(raw.name), powerType: str(raw.powerType), department: str(raw.department), departmentName: str(raw.departmentName),
    hall: str(raw.hall), level: str(raw.level), promisedDays, statutoryDays, kind, online, visits,
    ...(str(raw.implementationCode) ? { implementationCode: str(raw.implementationCode) } : {}),
    ...(str(raw.certificateType) ? { certificateType: str(raw.certificateType) } : {}),
    ...(keywords.length ? { keywords } : {}),
    guide, formSchema, materials, workflow,
  };
  return { input, errors };
}

const FIELD_LABELS: Record<string, string> = {
  code: '事项编码', name: '事项名称', powerType: '事项类型', department: '部门编码', departmentName: '部门名称', hall: '所属大厅', level: '层级',
  promisedDays: '承诺时限', statutoryDays: '法定时限', materials: '申请材料', workflow: '办理流程', formSchema: '申报表定义', keywords: '关键词', certificateType: '证照类型',
};
/** Schema errors in Chinese, one per field. */
function schemaErrors(candidate: unknown): InputError[] {
  const seen = new Set<string>();
  const out: InputError[] = [];
  for (const e of checkInput.Errors(candidate)) {
    const field = e.path.replace(/^\//, '').replace(/\//g, '.') || '(row)';
    const top = field.split('.')[0]!;
    if (seen.has(top)) continue;
    seen.add(top);
    out.push({ field, message: `${FIELD_LABELS[top] ?? top}不符合要求（${field}）` });
  }
  return out;
}

/** Validates and saves every row; `onRow` reports progress after each. */
export async function importItems(
  repo: ReturnType<typeof itemRepository>, rows: Record<string, unknown>[],
  opts: {
    actor: string;
    /** Publish each good row; a row whose certificate the certificate service would refuse (`refusal`) is rejected, not saved. */
    publish?: { refusal: (d: ItemInput) => Promise<IssuanceRefusal | null> };
    onRow?: (done: number, report: RowReport) => void;
  },
): Promise<ImportReport> {
  const reports: RowReport[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of rows.entries()) {
    const row = i + 1;
    const { input, errors } = rowToInput(raw);
    const code = str((raw as { code?: unknown }).code) || null;
    let report: RowReport;
    const all = [...errors, ...(errors.length ? [] : schemaErrors(input))];
    if (all.length === 0) all.push(...validateItemInput(input as ItemInput));
    if (code && seen.has(code)) all.push({ field: 'code', message: `事项编码“${code}”在文件中重复` });
    if (all.length === 0 && opts.publish) {
      const refusal = await opts.publish.refusal(input as ItemInput);
      if (refusal) all.push({ field: 'certificateType', code: refusal.code, message: refusal.detail });
    }
    if (all.length) report = { row, code, result: 'rejected', errors: all };
    else {
      const d = input as ItemInput;
      seen.add(d.code);
      const latest = await repo.latest(d.code);
      let version: number;
      let result: RowReport['result'];
      if (!latest) { version = (await repo.create(d, opts.actor)).version!; result = 'created'; }
      else if (latest.status === 'draft') { version = latest.version; await repo.updateDraft(d.code, version, d, opts.actor); result = 'updated'; }
      else { version = (await repo.newVersion(d.code, d, opts.actor)).version!; result = 'new_version'; }
      if (opts.publish) { await repo.publish(d.code, version, opts.actor); result = 'published'; }
      report = { row, code: d.code, result };
    }
    reports.push(report);
    opts.onRow?.(row, report);
  }
  const rejected = reports.filter((r) => r.result === 'rejected').length;
  return { total: rows.length, imported: rows.length - rejected, rejected, rows: reports };
}
