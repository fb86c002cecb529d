/**
 * Valid form data from an item's JSON Schema, for tests that file every item of the catalog: the
 * subset the catalog's forms use — an object of required and optional properties; strings with
 * minLength/maxLength, `format: date`, an `enum` or one of the known patterns (mobile number,
 * ID number with its GB 11643 check digit, credit code with its GB 32100 check character);
 * integers and numbers with minimum/maximum; booleans. Anything else throws, naming the field, so
 * a form that needs more of JSON Schema makes the generator learn it rather than send bad data.
 */
import { creditCodeCheckChar, idNumberCheckChar } from '@hall/contracts/identifiers';

export interface FormSchema { type?: string; required?: string[]; properties?: Record<string, PropertySchema> }
export interface PropertySchema {
  type?: string; title?: string; format?: string; pattern?: string; enum?: unknown[]; const?: unknown;
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; default?: unknown;
}

/** Who fills the form: their own values go where the form asks for them. */
export interface FormFiller { name: string; idNumber?: string; phone?: string; creditCode?: string }

/** A valid ID number: the given one, or one of 香洲区 born on the given day, with its check digit. */
export function idNumber(birth = '19900615', sequence = '012', region = '440402'): string {
  const first17 = `${region}${birth}${sequence}`;
  return first17 + idNumberCheckChar(first17);
}

/** A valid unified social credit code (工商, 涡阳县) ending in the given 9 characters' first 8. */
export function creditCode(org = '00000000A', region = '341621'): string {
  const first17 = `91${region}${org}`.slice(0, 17);
  return first17 + creditCodeCheckChar(first17);
}

const PATTERNS: Record<string, (who: FormFiller, key: string) => string> = {
  '^1[3-9]\\d{9}$': (who) => who.phone ?? '13800000000',
  '^\\d{17}[\\dX]$': (who) => who.idNumber ?? idNumber(),
  '^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$': (who) => who.creditCode ?? creditCode(),
};

/** A date a year before `today`, as YYYY-MM-DD. */
const aYearAgo = (today: Date) => new Date(today.getTime() - 365 * 86_400_000).toISOString().slice(0, 10);

function stringFor(key: string, p: PropertySchema, who: FormFiller, today: Date): string {
  if (p.enum) return String(p.enum[0]);
  if (p.pattern) {
    const gen = PATTERNS[p.pattern];
    if (!gen) throw new Error(`form field ${key}: no generator for pattern ${p.pattern}`);
    return gen(who, key);
  }
  if (p.format === 'date') return aYearAgo(today);
  if (p.format === 'date-time') return today.toISOString();
  if (p.format === 'email') return 'applicant@example.cn';
  if (p.format) throw new Error(`form field ${key}: no generator for format ${p.format}`);
  let text = key === 'applicantName' ? who.name : `${p.title ?? key}（测试填写）`;
  const min = p.minLength ?? 0, max = p.maxLength ?? 200;
  while ([...text].length < min) text += '测';
  return [...text].slice(0, max).join('');
}

function numberFor(key: string, p: PropertySchema, integer: boolean): number {
  const low = p.minimum ?? (p.exclusiveMinimum !== undefined ? p.exclusiveMinimum + 1 : 0);
  const high = p.maximum ?? (p.exclusiveMaximum !== undefined ? p.exclusiveMaximum - 1 : low + 100);
  if (high < low) throw new Error(`form field ${key}: empty range ${low}..${high}`);
  const v = Math.min(high, low + 1);
  return integer ? Math.ceil(v) : v;
}

/** Every required field, and every optional one too (a filled-in form exercises more of the case's data). */
export function formDataFor(schema: FormSchema, who: FormFiller, today = new Date()): Record<string, unknown> {
  if (schema.type !== 'object' || !schema.properties) throw new Error('form schema: an object with properties expected');
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(schema.properties)) {
    if (p.const !== undefined) { out[key] = p.const; continue; }
    switch (p.type) {
      case 'string': out[key] = stringFor(key, p, who, today); break;
      case 'integer': out[key] = p.enum ? p.enum[0] : numberFor(key, p, true); break;
      case 'number': out[key] = p.enum ? p.enum[0] : numberFor(key, p, false); break;
      case 'boolean': out[key] = p.default ?? true; break;
      default: throw new Error(`form field ${key}: no generator for type ${String(p.type)}`);
    }
  }
  for (const key of schema.required ?? []) if (!(key in out)) throw new Error(`form field ${key} is required but has no schema`);
  return out;
}
