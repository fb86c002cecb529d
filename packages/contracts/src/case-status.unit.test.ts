import { CaseStatus, CASE_STATUS_TERMINAL, TERMINAL_STATUSES, isTerminalStatus } from './messages.js';

describe('case statuses', () => {
  const all = (CaseStatus.anyOf as { const: string }[]).map((s) => s.const);

  it('should decide terminal or not for every status of the contract', () => {
    // A status added to CaseStatus without an entry here fails (and fails the type check).
    expect(Object.keys(CASE_STATUS_TERMINAL).sort()).toEqual([...all].sort());
    for (const s of all) expect(typeof (CASE_STATUS_TERMINAL as Record<string, unknown>)[s]).toBe('boolean');
  });

  it('should close a case on completed, denied, not accepted, withdrawn and terminated only', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['completed', 'denied', 'rejected', 'terminated', 'withdrawn']);
    expect(isTerminalStatus('approved')).toBe(false);
    expect(isTerminalStatus('denied')).toBe(true);
  });
});
