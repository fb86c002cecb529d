/**
 * Drift check: verifies that a migrated database has every table, column, enum and key that the
 * service's `schema.prisma` promises the generated client. Migrations are hand-written SQL here (the
 * Prisma CLI cannot diff on these machines), so this is what catches a migration that forgot a
 * column or typed it differently; each service's tests call `assertNoDrift`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { parsePrismaSchema, type PrismaField, type PrismaModel, type PrismaSchema } from './prisma-schema.js';
import { parseDatabaseUrl } from './url.js';

export type DriftProblemKind =
  | 'missing_table'
  | 'missing_column'
  | 'type_mismatch'
  | 'nullability_mismatch'
  | 'missing_enum'
  | 'missing_enum_value'
  | 'missing_primary_key'
  | 'missing_unique';

export interface DriftProblem {
  model: string;
  field?: string;
  problem: DriftProblemKind;
  expected: string;
  actual: string;
}

export interface DriftOptions {
  databaseUrl: string;
  /** A `schema.prisma` file, or a folder of `.prisma` files (Prisma's multi-file schema). */
  schemaPath: string;
}

/** Prisma's default Postgres column type per scalar when no `@db.*` attribute is given (udt names). */
const DEFAULT_UDT: Record<string, string> = {
  String: 'text',
  Boolean: 'bool',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Decimal: 'numeric',
  DateTime: 'timestamp',
  Json: 'jsonb',
  Bytes: 'bytea',
};

/** `@db.*` native types → Postgres udt names. */
const NATIVE_UDT: Record<string, string> = {
  Text: 'text',
  VarChar: 'varchar',
  Char: 'bpchar',
  Uuid: 'uuid',
  Xml: 'xml',
  Inet: 'inet',
  Citext: 'citext',
  Bit: 'bit',
  VarBit: 'varbit',
  SmallInt: 'int2',
  Integer: 'int4',
  Oid: 'oid',
  BigInt: 'int8',
  Real: 'float4',
  DoublePrecision: 'float8',
  Decimal: 'numeric',
  Money: 'money',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Date: 'date',
  Time: 'time',
  Timetz: 'timetz',
  Json: 'json',
  JsonB: 'jsonb',
  Boolean: 'bool',
  ByteA: 'bytea',
};

/** Readable SQL names for messages. */
const SQL_NAME: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  varchar: 'varchar',
};

interface ColumnInfo {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  character_maximum_length: number | null;
}

interface ExpectedType {
  udt: string;
  /** Only for VarChar/Char with an explicit length. */
  length?: number;
  enumName?: string;
}

async function readSchemaSource(schemaPath: string): Promise<string> {
  const st = await stat(schemaPath);
  if (!st.isDirectory()) return readFile(schemaPath, 'utf8');
  const parts: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'migrations') await walk(p);
      else if (e.name.endsWith('.prisma')) parts.push(await readFile(p, 'utf8'));
    }
  };
  await walk(schemaPath);
  return parts.join('\n');
}

function expectedType(field: PrismaField, schema: PrismaSchema): ExpectedType | undefined {
  if (field.kind === 'enum') {
    const en = schema.enums.find((e) => e.name === field.type);
    return en ? { udt: en.dbName, enumName: en.dbName } : undefined;
  }
  if (field.kind !== 'scalar') return undefined;
  if (field.nativeType) {
    const udt = NATIVE_UDT[field.nativeType.name];
    if (!udt) return undefined; // an attribute this check does not know: existence and nullability still count
    const lengthArg = field.nativeType.args[0];
    const length = (udt === 'varchar' || udt === 'bpchar') && lengthArg !== undefined ? Number(lengthArg) : undefined;
    return length !== undefined && Number.isFinite(length) ? { udt, length } : { udt };
  }
  const udt = DEFAULT_UDT[field.type];
  return udt ? { udt } : undefined;
}

function describeExpected(t: ExpectedType, list: boolean): string {
  const base = t.enumName ? `enum ${t.enumName}` : (SQL_NAME[t.udt] ?? t.udt) + (t.length !== undefined ? `(${t.length})` : '');
  return list ? `${base}[]` : base;
}

function describeActual(c: ColumnInfo): string {
  const isArray = c.data_type === 'ARRAY';
  const udt = isArray ? c.udt_name.replace(/^_/, '') : c.udt_name;
  const base = c.data_type === 'USER-DEFINED' ? `enum ${udt}` : (SQL_NAME[udt] ?? udt);
  const len = c.character_maximum_length !== null ? `(${c.character_maximum_length})` : '';
  return `${base}${len}${isArray ? '[]' : ''}`;
}

function typeMatches(t: ExpectedType, list: boolean, c: ColumnInfo): boolean {
  const isArray = c.data_type === 'ARRAY';
  if (isArray !== list) return false;
  const udt = isArray ? c.udt_name.replace(/^_/, '') : c.udt_name;
  if (udt !== t.udt) return false;
  if (t.enumName && !isArray && c.data_type !== 'USER-DEFINED') return false;
  if (t.length !== undefined && c.character_maximum_length !== t.length) return false;
  return true;
}

function columnsOf(model: PrismaModel, names: string[]): string[] | undefined {
  const cols = names.map((n) => model.fields.find((f) => f.name === n)?.column);
  return cols.every((c): c is string => c !== undefined) ? cols : undefined;
}

const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/** Returns every difference found; an empty list means the database matches the schema. */
export async function checkDrift(opts: DriftOptions): Promise<DriftProblem[]> {
  const schema = parsePrismaSchema(await readSchemaSource(opts.schemaPath));
  const { connectionString, schema: dbSchema = 'public' } = parseDatabaseUrl(opts.databaseUrl);
  const client = new pg.Client({ connectionString, application_name: 'hall-drift' });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [dbSchema],
    );
    const columns = await client.query<ColumnInfo>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, character_maximum_length
         FROM information_schema.columns WHERE table_schema = $1`,
      [dbSchema],
    );
    const enumRows = await client.query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 GROUP BY t.typname`,
      [dbSchema],
    );
    // Unique indexes over plain columns, without a predicate: only those can back Prisma's
    // findUnique/upsert semantics.
    const keys = await client.query<{ table_name: string; primary: boolean; cols: string[] }>(
      `SELECT c.relname AS table_name, i.indisprimary AS primary,
              array_agg(a.attname::text ORDER BY k.ord) AS cols
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = $1 AND i.indisunique AND i.indpred IS NULL AND NOT (0 = ANY (i.indkey::int2[]))
        GROUP BY c.relname, i.indexrelid, i.indisprimary`,
      [dbSchema],
    );

    const tableSet = new Set(tables.rows.map((r) => r.table_name));
    const colMap = new Map<string, ColumnInfo>();
    for (const c of columns.rows) colMap.set(`${c.table_name}.${c.column_name}`, c);
    const enumMap = new Map(enumRows.rows.map((r) => [r.typname, r.labels]));
    const problems: DriftProblem[] = [];

    for (const en of schema.enums) {
      const labels = enumMap.get(en.dbName);
      if (!labels) {
        problems.push({ model: en.name, problem: 'missing_enum', expected: `enum type ${en.dbName}`, actual: 'none' });
        continue;
      }
      for (const v of en.values) {
        if (!labels.includes(v.dbName)) {
          problems.push({ model: en.name, field: v.name, problem: 'missing_enum_value', expected: v.dbName, actual: labels.join(', ') });
        }
      }
    }

    for (const model of schema.models) {
      if (model.ignored) continue;
      if (!tableSet.has(model.table)) {
        problems.push({ model: model.name, problem: 'missing_table', expected: model.table, actual: 'none' });
        continue;
      }
      for (const field of model.fields) {
        if (field.ignored || field.kind === 'relation' || field.kind === 'composite') continue;
        const col = colMap.get(`${model.table}.${field.column}`);
        if (!col) {
          problems.push({ model: model.name, field: field.name, problem: 'missing_column', expected: `${model.table}.${field.column}`, actual: 'none' });
          continue;
        }
        const t = expectedType(field, schema);
        if (t && !typeMatches(t, field.list, col)) {
          problems.push({ model: model.name, field: field.name, problem: 'type_mismatch', expected: describeExpected(t, field.list), actual: describeActual(col) });
        }
        // Postgres reports every view column as nullable, and Prisma itself creates scalar-list
        // columns without NOT NULL, so neither says anything about the schema.
        if (!model.isView && !field.list) {
          const nullable = col.is_nullable === 'YES';
          if (nullable !== field.optional) {
            problems.push({
              model: model.name,
              field: field.name,
              problem: 'nullability_mismatch',
              expected: field.optional ? 'NULL' : 'NOT NULL',
              actual: nullable ? 'NULL' : 'NOT NULL',
            });
          }
        }
      }
      if (model.isView) continue;
      const tableKeys = keys.rows.filter((k) => k.table_name === model.table);
      // A key over a column already reported missing would only repeat that problem.
      const present = (cols: string[] | undefined): cols is string[] => !!cols && cols.every((c) => colMap.has(`${model.table}.${c}`));
      if (model.primaryKey) {
        const cols = columnsOf(model, model.primaryKey);
        const pk = tableKeys.find((k) => k.primary);
        if (present(cols) && !(pk && sameSet(pk.cols, cols))) {
          problems.push({ model: model.name, problem: 'missing_primary_key', expected: `PRIMARY KEY (${cols.join(', ')})`, actual: pk ? `PRIMARY KEY (${pk.cols.join(', ')})` : 'none' });
        }
      }
      for (const u of model.uniques) {
        const cols = columnsOf(model, u);
        if (present(cols) && !tableKeys.some((k) => sameSet(k.cols, cols))) {
          problems.push({ model: model.name, field: u.length === 1 ? u[0] : undefined, problem: 'missing_unique', expected: `UNIQUE (${cols.join(', ')})`, actual: 'none' });
        }
      }
    }
    return problems;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function formatDriftProblems(problems: DriftProblem[]): string {
  return problems
    .map((p) => `  - ${p.model}${p.field ? `.${p.field}` : ''}: ${p.problem} (expected ${p.expected}, actual ${p.actual})`)
    .join('\n');
}

export class DriftError extends Error {
  override name = 'DriftError';
  constructor(readonly problems: DriftProblem[], schemaPath: string) {
    super(`database does not match ${schemaPath} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatDriftProblems(problems)}`);
  }
}

/** For service tests: fails with a readable list when the migrated database drifted from the schema. */
export async function assertNoDrift(opts: DriftOptions): Promise<void> {
  const problems = await checkDrift(opts);
  if (problems.length) throw new DriftError(problems, opts.schemaPath);
}
