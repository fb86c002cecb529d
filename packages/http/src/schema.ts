/**
 * Schema helpers: the TypeBox `Type` builder every service uses, plus StrictObject, because
 * inbound bodies must reject unknown properties (a typo in a field name should be a 400, not
 * silently dropped data on an application form).
 */
import { Type, type ObjectOptions, type TObject, type TProperties } from '@sinclair/typebox';

export { Type };
export type { Static, TSchema } from '@sinclair/typebox';

export function StrictObject<T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/**
 * A calendar date, YYYY-MM-DD, that exists: 2026-02-30 fails validation (400 validation_failed)
 * instead of reaching date arithmetic and failing there.
 */
export const IsoDate = (options: { description?: string } = {}) => Type.String({ ...options, pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' });
