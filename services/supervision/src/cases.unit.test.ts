/** Units of the case fold: ordering of same-instant transitions, pauses and working-day usage. */
import { randomUUID } from 'node:crypto';
import { foldCase, orderEvents, pausedDays, usedDays, dueDate, type CaseEvent, type Transition } from './cases.js';
import { inOfficeHours } from './rules.js';

const cst = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);
const ev = (from: Transition['from'], to: Transition['to'], at: Date, extra: Partial<Transition> = {}): CaseEvent => ({
  messageId: randomUUID(), occurredAt: at,
  payload: { caseId: 'c', caseNumber: 'N', applicationId: 'a', itemCode: 'I', department: 'd', action: to, from, to, actor: 'u', at: at.toISOString(), ...extra },
});

describe('case fold', () => {
  it('should order transitions that share an instant by their from → to chain, whatever their ids', () => {
    const t = cst('2026-11-23 10:00');
    for (let i = 0; i < 20; i++) {
      const events = [ev('approved', 'completed', t), ev(null, 'received', cst('2026-11-23 09:00')), ev('accepted', 'approved', t), ev('received', 'accepted', t)];
      expect(orderEvents(events).map((e) => e.payload.to)).toEqual(['received', 'accepted', 'approved', 'completed']);
    }
  });

  it('should count pauses in working days, an open pause up to now', () => {
    const pauses = [{ kind: 'supplement', from: cst('2026-09-30 10:00'), to: cst('2026-10-09 10:00') }, { kind: 'special', from: cst('2026-10-12 10:00'), to: null }];
    // 30 Sep → 9 Oct: 8 and 9 October (1–7 are 国庆); 12 Oct → 14 Oct: 13 and 14.
    expect(pausedDays(pauses, cst('2026-09-29 09:00'), cst('2026-10-14 12:00'))).toBe(4);
    expect(usedDays(pauses, cst('2026-09-29 09:00'), cst('2026-10-14 12:00'))).toBe(7 - 4); // 30 Sep, 8, 9, 10 (make-up), 12, 13, 14 Oct, minus the 4 paused
    expect(dueDate([], cst('2026-09-29 09:00'), 5, cst('2026-09-29 09:00'))).toBe('2026-10-12');
  });

  it('should fold status, acceptance, pauses, supplements, step and the last acting account', () => {
    const s = foldCase(orderEvents([
      ev(null, 'received', cst('2026-11-02 09:00'), { actor: 'system', step: 'accept' }),
      ev('received', 'accepted', cst('2026-11-02 09:30'), { actor: 'clerk', step: 'review' }),
      ev('accepted', 'supplement_requested', cst('2026-11-03 09:00'), { actor: 'clerk', step: 'review' }),
    ]));
    expect(s).toMatchObject({ status: 'supplement_requested', acceptedAt: cst('2026-11-02 09:30'), supplements: 1, currentStep: 'review', stepEnteredAt: cst('2026-11-02 09:30'), responsible: 'clerk', closedAt: null });
    expect(s.pauses).toEqual([{ kind: 'supplement', from: cst('2026-11-03 09:00'), to: null }]);
  });

  it('should know office hours on working days only, in China time', () => {
    const periods: [string, string][] = [['08:30', '12:00'], ['14:30', '17:30']];
    expect(inOfficeHours(cst('2026-11-23 08:30'), periods)).toBe(true);
    expect(inOfficeHours(cst('2026-11-23 12:00'), periods)).toBe(false);
    expect(inOfficeHours(cst('2026-11-21 10:00'), periods)).toBe(false); // Saturday
    expect(inOfficeHours(cst('2026-10-10 10:00'), periods)).toBe(true); // make-up Saturday
    expect(inOfficeHours(cst('2026-10-05 10:00'), periods)).toBe(false); // 国庆
  });
});
