/**
 * Loading the base registries from files (CSV with a header row, or a JSON array of objects):
 * every row is validated — ID number and unified social credit code check digits, dates, required
 * fields — good rows are upserted in batches, bad rows are reported with their line and reason and
 * never stop the rest. Progress is reported per batch, for the command line's progress bar.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Db } from '../db.js';
import { birthDateOf, creditCodeProblem, idNumberProblem } from './check-digits.js';
import { registryRepository, type EnterpriseRow, type PersonRow } from './repository.js';

export type Registry = 'population' | 'enterprise';
export interface BadRow { line: number; reason: string }
export interface ImportResult { registry: Registry; source: string; total: number; imported: number; bad: BadRow[] }

type Raw = Record<string, unknown>;
type Checked<T> = { row: T } | { reason: string };

/** Rows with the line they came from (CSV: the file line, the header being line 1; JSON: the array index + 1). */
export function readRegistryFile(file: string): { line: number; raw: Raw }[] {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (path.extname(file).toLowerCase() === '.json') {
    const data = JSON.parse(text) as unknown;
    if (!Array.isArray(data)) throw new Error(`${file}: a JSON registry file must hold an array of rows`);
    return data.map((raw, i) => ({ line: i + 1, raw: (raw && typeof raw === 'object' ? raw : {}) as Raw }));
  }
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true }) as { record: Raw; info: { lines: number } }[];
  return records.map((r) => ({ line: r.info.lines, raw: r.record }));
}

const text = (raw: Raw, key: string): string | null => {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
};
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export function checkPerson(raw: Raw): Checked<PersonRow> {
  const idNumber = text(raw, 'idNumber')?.toUpperCase() ?? null;
  if (!idNumber) return { reason: '缺少身份证号码' };
  const problem = idNumberProblem(idNumber);
  if (problem) return { reason: problem };
  const name = text(raw, 'name');
  if (!name) return { reason: '缺少姓名' };
  // The 17th digit is odd for men and even for women (GB 11643); a stated gender must agree.
  const derived = Number(idNumber[16]) % 2 === 1 ? '男' : '女';
  const gender = text(raw, 'gender') ?? derived;
  if (gender !== derived) return { reason: `性别与身份证号码不符（应为${derived}）` };
  return { row: { idNumber, name, gender, birthDate: birthDateOf(idNumber), ethnicity: text(raw, 'ethnicity'), address: text(raw, 'address'), regionCode: text(raw, 'regionCode') } };
}

export function checkEnterprise(raw: Raw): Checked<EnterpriseRow> {
  const creditCode = text(raw, 'creditCode')?.toUpperCase() ?? null;
  if (!creditCode) return { reason: '缺少统一社会信用代码' };
  const problem = creditCodeProblem(creditCode);
  if (problem) return { reason: problem };
  const name = text(raw, 'name');
  if (!name) return { reason: '缺少名称' };
  const repId = text(raw, 'legalRepresentativeIdNumber')?.toUpperCase() ?? null;
  if (repId) {
    const p = idNumberProblem(repId);
    if (p) return { reason: `法定代表人${p}` };
  }
  const establishedOn = text(raw, 'establishedOn');
  if (establishedOn && !isDate(establishedOn)) return { reason: '成立日期应为 YYYY-MM-DD' };
  return {
    row: {
      creditCode, name, kind: text(raw, 'kind') ?? '未登记', status: text(raw, 'status') ?? '存续', legalRepresentative: text(raw, 'legalRepresentative'),
      legalRepresentativeIdNumber: repId, registeredCapital: text(raw, 'registeredCapital'), address: text(raw, 'address'), establishedOn,
    },
  };
}

export interface ImportOptions {
  db: Db;
  registry: Registry;
  file: string;
  batchSize?: number;
  /** Called after each batch with the rows handled so far. */
  onProgress?: (done: number, total: number) => void;
}

export async function importRegistry(opts: ImportOptions): Promise<ImportResult> {
  const rows = readRegistryFile(opts.file);
  const repo = registryRepository(opts.db);
  const source = path.basename(opts.file);
  const batchSize = opts.batchSize ?? 500;
  const bad: BadRow[] = [];
  let imported = 0;
  opts.onProgress?.(0, rows.length);
  for (let i = 0; i < rows.length; i += batchSize) {
    const good: (PersonRow | EnterpriseRow)[] = [];
    // A key repeated within one batch would make ON CONFLICT touch a row twice; the later line wins.
    const seen = new Map<string, number>();
    for (const { line, raw } of rows.slice(i, i + batchSize)) {
      const checked = opts.registry === 'population' ? checkPerson(raw) : checkEnterprise(raw);
      if ('reason' in checked) { bad.push({ line, reason: checked.reason }); continue; }
      const key = 'idNumber' in checked.row ? checked.row.idNumber : checked.row.creditCode;
      const at = seen.get(key);
      if (at !== undefined) good[at] = checked.row;
      else { seen.set(key, good.length); good.push(checked.row); }
    }
    if (opts.registry === 'population') await repo.upsertPeople(good as PersonRow[], source);
    else await repo.upsertEnterprises(good as EnterpriseRow[], source);
    imported += good.length;
    opts.onProgress?.(Math.min(i + batchSize, rows.length), rows.length);
  }
  return { registry: opts.registry, source, total: rows.length, imported, bad };
}
