/**
 * Field-level minimisation: a client sees only the fields its scopes allow, and ID numbers
 * (居民身份证号码) are masked unless it holds `idnumber:plain`.
 */
import { hasScope } from './scopes.js';

/** `341621199001010024` → `341621********0024`: the region stays readable, the person does not. */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 10) return '*'.repeat(idNumber.length);
  return `${idNumber.slice(0, 6)}${'*'.repeat(idNumber.length - 10)}${idNumber.slice(-4)}`;
}

export const idNumberFor = (scopes: readonly string[] | undefined, idNumber: string): string =>
  hasScope(scopes, 'idnumber:plain') ? idNumber : maskIdNumber(idNumber);

/** Keeps only the keys whose condition holds; a key left out is absent, not null. */
export function pickFields<T extends object>(value: T, allowed: Partial<Record<keyof T, boolean>>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(value) as (keyof T)[]) if (allowed[k] !== false) out[k] = value[k];
  return out;
}
