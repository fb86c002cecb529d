import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildMessage, validateMessage, ContractError, renderProto, Messages } from '../src/index.js';

const appId = '7d1e9a52-2f1c-4c43-9f5e-0d8a1b2c3d4e';

describe('contracts', () => {
  it('builds and validates a message', () => {
    const m = buildMessage('case.status.changed', { zone: 'extranet', correlationId: appId, payload: { applicationId: appId, caseNumber: 'C1', status: 'accepted', at: new Date().toISOString() } });
    expect(validateMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });
  it('refuses unknown properties, unknown types and wrong types', () => {
    const m = buildMessage('case.status.changed', { zone: 'extranet', correlationId: appId, payload: { applicationId: appId, caseNumber: 'C1', status: 'accepted', at: new Date().toISOString() } });
    expect(() => validateMessage({ ...m, extra: 1 })).toThrow(ContractError);
    expect(() => validateMessage({ ...m, type: 'evil.type' })).toThrow(/unknown message type/);
    expect(() => validateMessage({ ...m, payload: { ...m.payload, status: 'teleported' } })).toThrow(ContractError);
    expect(() => buildMessage('case.status.changed', { zone: 'extranet', correlationId: appId, payload: { applicationId: 'not-a-uuid' } as never })).toThrow(ContractError);
  });
  it('proto/ matches the TypeBox contracts (run `pnpm proto` after changing them)', () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto');
    for (const [file, text] of Object.entries(renderProto())) {
      expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(text);
    }
    expect(Object.keys(renderProto())).toHaveLength(Object.keys(Messages).length);
  });
});
