/** Renders the contracts as JSON Schema files, the language-neutral copy kept in `proto/`. */
import { Messages } from './registry.js';

export function renderProto(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of Object.values(Messages)) {
    const doc = { $schema: 'https://json-schema.org/draft/2020-12/schema', 'x-subject': d.subject, ...JSON.parse(JSON.stringify(d.schema)) };
    out[`${d.type}.v${d.version}.schema.json`] = JSON.stringify(doc, null, 2) + '\n';
  }
  return out;
}
