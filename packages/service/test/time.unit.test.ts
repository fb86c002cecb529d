import { chinaDateCompact } from '../src/time.js';

describe('chinaDateCompact', () => {
  it('uses the calendar day in China, not UTC', () => {
    expect(chinaDateCompact(new Date('2026-11-26T15:59:59Z'))).toBe('20261126');
    expect(chinaDateCompact(new Date('2026-11-26T16:00:00Z'))).toBe('20261127');
  });
});
