/**
 * Validates an application's form data against the item's JSON Schema (from the catalog), and
 * reports each problem against the field with the item's own Chinese label, as a clerk would.
 */
import { createAjv, type ErrorObject, type ValidateFunction } from '@hall/http';

const ajv = createAjv({ allErrors: true, strict: false });
const cache = new Map<string, ValidateFunction>();

export interface FieldError { field: string; label: string; message: string }

const MESSAGES: Record<string, string> = {
  required: '为必填项', type: '类型不正确', format: '格式不正确', pattern: '格式不正确', minLength: '长度过短',
  maxLength: '长度过长', minimum: '数值过小', maximum: '数值过大', enum: '取值不在允许范围内', additionalProperties: '不是本事项表单的字段',
};

function toFieldError(e: ErrorObject, schema: { properties?: Record<string, { title?: string }> }): FieldError {
  const field = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}`
    : e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : e.instancePath || '/';
  const name = field.split('/')[1] ?? '';
  const label = schema.properties?.[name]?.title ?? name;
  return { field, label, message: `${label}${MESSAGES[e.keyword] ?? '不符合要求'}` };
}

export function validateForm(key: string, schema: Record<string, unknown>, data: unknown): FieldError[] {
  const validate = cache.get(key) ?? ajv.compile(schema);
  cache.set(key, validate);
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => toFieldError(e, schema as never));
}
