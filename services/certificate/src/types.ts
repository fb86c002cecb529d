import { createAjv, type ErrorObject, type ValidateFunction } from '@hall/http';
import { DEMO_CERTIFICATE_TYPES, type CertificateTypeDef } from '@hall/ecert';

export type { CertificateTypeDef } from '@hall/ecert';
/** Fallback for a type no publication has reached yet (see the comment below). */
export const CERTIFICATE_TYPES = DEMO_CERTIFICATE_TYPES;

/**
 * Certificate types (证照类型) and issuers (发证机关) are catalog data. The catalog publishes each type
 * (catalog.certificate-type.published; stored in certificate_type, see issuer.ts): GB/T 36904 type
 * code, name, validity, the data schema (JSON Schema over the issuance data, checked before
 * signing), the document template (the fields the PDF shows, in order) and the departments that
 * issue it; and each issuer record (catalog.issuer.published; stored in issuer): the department's
 * name, its issuer code (统一社会信用代码) and its key policy. No department is known here otherwise.
 * CERTIFICATE_TYPES (the shared demo definitions of @hall/ecert) is only the fallback for a type no
 * publication has reached yet (a fresh database before the catalog's announcement arrives).
 */
/** The PDF rows of a certificate's data: the template's fields present in the data, in order. */
export function templateRows(t: CertificateTypeDef | undefined, data: Record<string, unknown>): [string, string][] {
  const fmt = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (!t) return Object.entries(data).slice(0, 12).map(([k, v]) => [k, fmt(v)]);
  return t.template.filter(([k]) => data[k] !== undefined && data[k] !== null && data[k] !== '').map(([k, label]) => [label, fmt(data[k])]);
}

/** End of validity for a type issued at `issuedAt`, or null (长期). */
export function validUntilFor(t: CertificateTypeDef, issuedAt: Date): Date | null {
  const years = t.validityYears;
  if (!years) return null;
  const d = new Date(issuedAt);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

// The project's shared Ajv (formats included); all errors, no coercion: the data is signed as it came.
const ajv = createAjv({ allErrors: true, strict: false, coerceTypes: false });
const validators = new Map<string, ValidateFunction>();

/** Whether a published data schema compiles here (one that does not is not stored: issuance would fail on it forever). */
export function schemaCompiles(schema: Record<string, unknown>): boolean {
  try { ajv.compile(schema); return true; } catch { return false; }
}

/** Checks issuance data against a type's data schema; null when it conforms, else Ajv's errors. */
export function dataErrors(def: CertificateTypeDef, data: unknown): ErrorObject[] | null {
  const key = JSON.stringify(def.schema);
  let validate = validators.get(key);
  if (!validate) { validate = ajv.compile(def.schema); validators.set(key, validate); }
  return validate(data) ? null : (validate.errors ?? []).slice(0, 50);
}
