/**
 * A small parser for the parts of `schema.prisma` that decide the database shape (models, views,
 * enums, fields, `@map`/`@@map`, ids, uniques, native types). The drift check needs it because the
 * Prisma CLI, which could diff schemas itself, cannot run on these machines.
 */

export const PRISMA_SCALARS = ['String', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes'] as const;
export type PrismaScalar = (typeof PRISMA_SCALARS)[number];

export interface NativeType {
  /** e.g. `VarChar` for `@db.VarChar(255)` */
  name: string;
  args: string[];
}

export interface PrismaField {
  name: string;
  /** Column name: `@map` or the field name. */
  column: string;
  /** Type name as written, without `?` / `[]` (for `Unsupported("x")` this is `Unsupported`). */
  type: string;
  /** Filled in once all blocks are known: what the type name refers to. */
  kind: 'scalar' | 'enum' | 'relation' | 'composite' | 'unsupported';
  list: boolean;
  optional: boolean;
  nativeType?: NativeType;
  id: boolean;
  unique: boolean;
  /** `@ignore`d fields are not part of the client and may be absent from the database. */
  ignored: boolean;
}

export interface PrismaModel {
  name: string;
  /** Table (or view) name: `@@map` or the model name. */
  table: string;
  isView: boolean;
  fields: PrismaField[];
  /** Field names of `@@id([...])` or the single `@id` field. */
  primaryKey: string[] | undefined;
  /** Field-name sets from `@unique` and `@@unique([...])`. */
  uniques: string[][];
  ignored: boolean;
}

export interface PrismaEnum {
  name: string;
  /** Postgres type name: `@@map` or the enum name. */
  dbName: string;
  values: { name: string; dbName: string }[];
}

export interface PrismaSchema {
  models: PrismaModel[];
  enums: PrismaEnum[];
}

export class PrismaSchemaParseError extends Error {
  override name = 'PrismaSchemaParseError';
}

interface Attribute {
  /** Without the leading `@`/`@@`, e.g. `map`, `db.VarChar`, `unique`. */
  name: string;
  args: string | undefined;
}

/** Drops `//` and `///` comments, keeping string literals (which may contain `//`) intact. */
function stripComments(src: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < src.length) out += src[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Index just past the bracket matching the one at `open`, skipping string literals. */
function matchBracket(s: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  let inString = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (pairs[c]) stack.push(pairs[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  throw new PrismaSchemaParseError(`unbalanced bracket starting at: ${s.slice(open, open + 40)}`);
}

function parseAttributes(s: string, context: string): Attribute[] {
  const attrs: Attribute[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c !== '@') throw new PrismaSchemaParseError(`${context}: unexpected "${s.slice(i, i + 20)}"`);
    i += s[i + 1] === '@' ? 2 : 1;
    const m = /^[A-Za-z_][\w.]*/.exec(s.slice(i));
    if (!m) throw new PrismaSchemaParseError(`${context}: attribute without a name`);
    i += m[0].length;
    let args: string | undefined;
    if (s[i] === '(') {
      const end = matchBracket(s, i);
      args = s.slice(i + 1, end - 1);
      i = end;
    }
    attrs.push({ name: m[0], args });
  }
  return attrs;
}

/** Splits an argument list on top-level commas. */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let cur = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (inString) {
      cur += c;
      if (c === '\\' && i + 1 < args.length) cur += args[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The value of a named argument, or of the first positional one when `name` is not used. */
function argValue(args: string | undefined, name: string): string | undefined {
  if (args === undefined) return undefined;
  const parts = splitArgs(args);
  const named = parts.find((p) => new RegExp(`^${name}\\s*:`).test(p));
  if (named) return named.replace(new RegExp(`^${name}\\s*:\\s*`), '');
  const positional = parts.find((p) => !/^\w+\s*:/.test(p));
  return positional;
}

function stringArg(args: string | undefined, name: string): string | undefined {
  const v = argValue(args, name);
  const m = v ? /^"((?:[^"\\]|\\.)*)"$/.exec(v) : null;
  return m ? JSON.parse(`"${m[1]}"`) : undefined;
}

function fieldListArg(args: string | undefined): string[] | undefined {
  const v = argValue(args, 'fields');
  if (!v || !v.startsWith('[')) return undefined;
  // Entries may carry per-field options, e.g. `[name(sort: Desc), code]`.
  return splitArgs(v.slice(1, -1)).map((f) => f.replace(/\(.*$/s, '').trim()).filter(Boolean);
}

/** Lines of a block body, joining lines whose brackets are still open (multi-line arguments). */
function logicalLines(body: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const raw of body.split('\n')) {
    cur = cur ? `${cur} ${raw.trim()}` : raw.trim();
    let inString = false;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth--;
    }
    if (depth <= 0) {
      if (cur) out.push(cur);
      cur = '';
      depth = 0;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function parseField(line: string, modelName: string): PrismaField {
  const m = /^([A-Za-z_]\w*)\s+([A-Za-z_]\w*)/.exec(line);
  if (!m) throw new PrismaSchemaParseError(`model ${modelName}: cannot read field line "${line}"`);
  const name = m[1]!;
  const type = m[2]!;
  let i = m[0].length;
  if (line[i] === '(') i = matchBracket(line, i); // Unsupported("...")
  let list = false;
  let optional = false;
  if (line.startsWith('[]', i)) {
    list = true;
    i += 2;
  }
  if (line[i] === '?') {
    optional = true;
    i += 1;
  }
  const attrs = parseAttributes(line.slice(i), `model ${modelName}, field ${name}`);
  const field: PrismaField = {
    name,
    column: name,
    type,
    kind: type === 'Unsupported' ? 'unsupported' : 'scalar',
    list,
    optional,
    id: false,
    unique: false,
    ignored: false,
  };
  for (const a of attrs) {
    if (a.name === 'map') field.column = stringArg(a.args, 'name') ?? field.column;
    else if (a.name === 'id') field.id = true;
    else if (a.name === 'unique') field.unique = true;
    else if (a.name === 'ignore') field.ignored = true;
    else if (a.name.startsWith('db.')) {
      field.nativeType = { name: a.name.slice(3), args: a.args === undefined ? [] : splitArgs(a.args) };
    }
  }
  return field;
}

function parseModel(name: string, body: string, isView: boolean): PrismaModel {
  const model: PrismaModel = { name, table: name, isView, fields: [], primaryKey: undefined, uniques: [], ignored: false };
  for (const line of logicalLines(body)) {
    if (line.startsWith('@@')) {
      for (const a of parseAttributes(line, `model ${name}`)) {
        if (a.name === 'map') model.table = stringArg(a.args, 'name') ?? model.table;
        else if (a.name === 'id') model.primaryKey = fieldListArg(a.args);
        else if (a.name === 'unique') {
          const fields = fieldListArg(a.args);
          if (fields) model.uniques.push(fields);
        } else if (a.name === 'ignore') model.ignored = true;
      }
    } else {
      model.fields.push(parseField(line, name));
    }
  }
  const idField = model.fields.find((f) => f.id);
  if (idField && !model.primaryKey) model.primaryKey = [idField.name];
  for (const f of model.fields) if (f.unique) model.uniques.push([f.name]);
  return model;
}

function parseEnum(name: string, body: string): PrismaEnum {
  const en: PrismaEnum = { name, dbName: name, values: [] };
  for (const line of logicalLines(body)) {
    if (line.startsWith('@@')) {
      for (const a of parseAttributes(line, `enum ${name}`)) if (a.name === 'map') en.dbName = stringArg(a.args, 'name') ?? en.dbName;
      continue;
    }
    const m = /^([A-Za-z_]\w*)(.*)$/.exec(line);
    if (!m) throw new PrismaSchemaParseError(`enum ${name}: cannot read value "${line}"`);
    const attrs = parseAttributes(m[2]!, `enum ${name}, value ${m[1]}`);
    const mapped = attrs.find((a) => a.name === 'map');
    en.values.push({ name: m[1]!, dbName: (mapped && stringArg(mapped.args, 'name')) ?? m[1]! });
  }
  return en;
}

export function parsePrismaSchema(source: string): PrismaSchema {
  const src = stripComments(source);
  const models: PrismaModel[] = [];
  const enums: PrismaEnum[] = [];
  const composites = new Set<string>();
  const block = /\b(model|view|enum|type|datasource|generator)\s+([A-Za-z_]\w*)\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = block.exec(src))) {
    const open = m.index + m[0].length - 1;
    const end = matchBracket(src, open);
    const body = src.slice(open + 1, end - 1);
    const [, keyword, name] = m as unknown as [string, string, string];
    if (keyword === 'model' || keyword === 'view') models.push(parseModel(name, body, keyword === 'view'));
    else if (keyword === 'enum') enums.push(parseEnum(name, body));
    else if (keyword === 'type') composites.add(name);
    block.lastIndex = end;
  }
  const modelNames = new Set(models.map((x) => x.name));
  const enumNames = new Set(enums.map((x) => x.name));
  for (const model of models) {
    for (const f of model.fields) {
      if (f.kind === 'unsupported') continue;
      if ((PRISMA_SCALARS as readonly string[]).includes(f.type)) f.kind = 'scalar';
      else if (enumNames.has(f.type)) f.kind = 'enum';
      else if (modelNames.has(f.type)) f.kind = 'relation';
      else if (composites.has(f.type)) f.kind = 'composite';
      else throw new PrismaSchemaParseError(`model ${model.name}, field ${f.name}: unknown type ${f.type}`);
    }
  }
  return { models, enums };
}
