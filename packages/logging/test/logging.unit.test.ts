import { Writable } from 'node:stream';
import { createLogger, withCorrelation, maskIdNumbers } from '../src/index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { lines, destination };
}

describe('createLogger', () => {
  it('masks ID numbers in messages and fields and redacts secrets', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'declaration', zone: 'internet', destination });
    log.info({ applicant: { idNumber: '34160219900101123X', note: 'id 341602199001011234 given' }, password: 'p@ss' }, 'applicant 341602199001011234 logged in');
    const line = lines[0]!;
    const text = JSON.stringify(line);
    expect(text).not.toContain('19900101');
    expect(text).not.toContain('p@ss');
    expect(line.msg).toBe('applicant 341602********** logged in'.replace('**********', '********' + '****'));
    expect(line.service).toBe('declaration');
    expect(line.zone).toBe('internet');
  });
  it('carries the correlation id on child lines', () => {
    const { lines, destination } = capture();
    const log = withCorrelation(createLogger({ service: 's', destination }), 'app-1', { reqId: 'r1' });
    log.info('x');
    expect(lines[0]).toMatchObject({ correlationId: 'app-1', reqId: 'r1' });
  });
  it('leaves ordinary numbers alone', () => {
    expect(maskIdNumbers('receipt 20261126000123')).toBe('receipt 20261126000123');
  });
});
