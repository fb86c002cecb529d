/**
 * One way to build a JSON Schema validator with formats, for route validation here and for data
 * validated against schemas that arrive at run time (an item's application form). ajv and
 * ajv-formats are CommonJS with a default export; under ESM the class sits on `.default`.
 */
import AjvModule, { type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';

const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

export type { ErrorObject, ValidateFunction } from 'ajv';

export function createAjv(options: Options) {
  return addFormats(new Ajv(options));
}
