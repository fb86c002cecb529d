/**
 * Deadlines in working days through the shared calendar: the promised limit and each step's limit,
 * and the clock standing still during a supplement (补交) and a special procedure (特别程序), over
 * the 2026 National Day holiday (10-01…10-07, make-up workday Saturday 10-10) and over a weekend.
 * The engine runs on the real database with the instants given explicitly.
 */
import { buildMessage } from '@hall/contracts';
import { startApproval, ITEM, application, type Harness } from './helpers.js';
import { createCase, completeStepOfKind, requestSupplement, receiveSupplement, startSpecialProcedure, finishSpecialProcedure, type Staff } from '../src/engine.js';
import { dueDateOf, remainingDays, pausedWorkingDays, deadlineLevel } from '../src/deadlines.js';
import { waitFor } from '@hall/testkit';

/** 10:00 China time on a date. */
const at = (date: string) => new Date(`${date}T10:00:00+08:00`);
let h: Harness;
const clerk: Staff = { id: 'clerk-1', name: '王受理', department: 'gy-wjw', positions: ['acceptance'], roles: ['staff'] };
const approver: Staff = { id: 'approver-1', name: '赵审批', department: 'gy-wjw', positions: ['approval'], roles: ['staff'] };

beforeAll(async () => {
  h = await startApproval();
  await h.publish('catalog', 'catalog.item.published', ITEM);
  await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code: ITEM.code, version: 1 } } }), 20_000);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

async function acceptedCase(on: string) {
  const db = h.svc.ctx.prisma;
  const app = application();
  const c = (await db.$transaction((tx) => createCase(tx, buildMessage('application.submitted', { zone: 'internet', correlationId: app.applicationId, payload: app }), at(on))))!;
  await completeStepOfKind(db, { caseId: c.id, kind: 'accept', staff: clerk, outcome: 'accept', now: at(on) });
  return { app, c: (await db.case.findUnique({ where: { id: c.id } }))! };
}
const decideTask = (caseId: string) => h.svc.ctx.prisma.caseTask.findFirstOrThrow({ where: { caseId, stepKey: 'approve' } });

describe('deadline arithmetic', () => {
  it('counts from the day after the start, skipping weekends and holidays, and freezes while paused', () => {
    expect(dueDateOf('2026-09-28', 5, 0)).toBe('2026-10-10'); // Tue, Wed, then 10-08, 10-09 and the make-up Saturday
    expect(dueDateOf('2026-09-28', 5, 2)).toBe('2026-10-13');
    expect(dueDateOf('2026-11-05', 0, 0)).toBe('2026-11-05'); // 即办件: the same day
    expect(pausedWorkingDays('2026-09-30', at('2026-10-09'))).toBe(2); // 10-08 and 10-09
    expect(pausedWorkingDays('2026-11-06', at('2026-11-09'))).toBe(1); // Friday → Monday: only Monday
    expect(pausedWorkingDays('2026-11-06', at('2026-11-06'))).toBe(0);
    expect(remainingDays('2026-10-10', at('2026-10-05'), '2026-09-30')).toBe(3); // frozen at the pause
    expect(remainingDays('2026-10-10', at('2026-10-09'))).toBe(1);
    expect(remainingDays('2026-10-10', at('2026-10-12'))).toBe(-1);
    expect([deadlineLevel(-1), deadlineLevel(0), deadlineLevel(1), deadlineLevel(2)]).toEqual(['overdue', 'due_soon', 'due_soon', 'on_time']);
  });
});

describe('the clock of a case', () => {
  it('pauses for a supplement over the National Day holiday and resumes with the limit extended by the working days paused', async () => {
    const db = h.svc.ctx.prisma;
    const { app, c } = await acceptedCase('2026-09-28');
    expect(c).toMatchObject({ clockStart: '2026-09-28', promisedDays: 5, dueDate: '2026-10-10', pausedDays: 0 });
    expect((await decideTask(c.id)).dueDate).toBe('2026-10-09'); // 审批: 4 working days

    const paused = await requestSupplement(db, { caseId: c.id, staff: approver, materials: [{ materialCode: 'marriage-certificate', name: '结婚证' }], now: at('2026-09-30') });
    expect(paused).toMatchObject({ status: 'supplement_requested', pausedSince: '2026-09-30', dueDate: '2026-10-10' });
    const msg = buildMessage('application.supplemented', { zone: 'internet', correlationId: app.applicationId, payload: { applicationId: app.applicationId, caseNumber: c.caseNumber, itemCode: ITEM.code, itemVersion: 1, materials: [], form: {}, supplementedAt: at('2026-10-09').toISOString() } });
    const resumed = (await db.$transaction((tx) => receiveSupplement(tx, msg, at('2026-10-09'))))!;
    expect(resumed).toMatchObject({ status: 'supplement_received', pausedSince: null, pausedDays: 2, dueDate: '2026-10-13' });
    expect((await decideTask(c.id))).toMatchObject({ pausedDays: 2, dueDate: '2026-10-12' });

    const approved = await completeStepOfKind(db, { caseId: c.id, kind: 'decision', staff: approver, outcome: 'approve', now: at('2026-10-12') });
    expect(approved.c.status).toBe('approved');
  }, 30_000);

  it('pauses for a special procedure from Friday to Monday: one working day added', async () => {
    const db = h.svc.ctx.prisma;
    const { c } = await acceptedCase('2026-11-05');
    expect(c.dueDate).toBe('2026-11-12');
    const started = await startSpecialProcedure(db, { caseId: c.id, staff: approver, kind: 'inspection', limitDays: 3, reason: '需现场勘验', now: at('2026-11-06') });
    expect(started.pending).toMatchObject({ kind: 'inspection', limitDays: 3, startedOn: '2026-11-06', dueDate: '2026-11-11' });
    const done = await finishSpecialProcedure(db, { caseId: c.id, staff: approver, result: '现场勘验符合要求', now: at('2026-11-09') });
    expect(done).toMatchObject({ status: 'special_procedure_done', pausedDays: 1, dueDate: '2026-11-13', pending: null });
    expect((await decideTask(c.id)).dueDate).toBe(dueDateOf('2026-11-05', 4, 1));
    const history = await db.caseAction.findMany({ where: { caseId: c.id, action: 'special_procedure_finish' } });
    expect(history[0]!.detail).toMatchObject({ procedure: 'inspection', dueDate: '2026-11-11', overdue: false });
  }, 30_000);
});
