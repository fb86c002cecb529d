/**
 * Deadline monitoring in working days: yellow at the configured share of the promised limit, red
 * once it is exceeded, counted with the shared calendar (国庆 2026 and its make-up Saturday), with
 * supplement and special-procedure pauses left out, per-step limits from the item's workflow;
 * warnings reach the responsible clerk and the department head and are resolved when the case closes.
 */
import { checkDrift } from '@hall/db';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanDeadlines } from '../src/monitor.js';
import { startSupervision, caseFlow, itemPublished, newCaseNumber, cst, waitFor, type Harness } from './helpers.js';

let h: Harness;
const here = path.dirname(fileURLToPath(import.meta.url));
beforeAll(async () => {
  h = await startSupervision();
  await h.publishItem(itemPublished('DL-5', { promisedDays: 5 }));
  await h.publishItem(itemPublished('DL-STEP', {
    promisedDays: 20,
    workflow: { steps: [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 }, { key: 'review', name: '审查', position: 'review', limitDays: 2 }, { key: 'decide', name: '决定', position: 'approval', limitDays: 3 }] },
  }));
  const put = (account: string, body: object) => h.svc.app.inject({ method: 'PUT', url: `/v1/contacts/${account}`, headers: sup(), payload: body });
  expect((await put('clerk-dl', { name: '李受理', department: 'gy-wjw', head: false, phone: '13800000001' })).statusCode).toBe(200);
  expect((await put('head-dl', { name: '王科长', department: 'gy-wjw', head: true, email: 'head@gy-wjw.example' })).statusCode).toBe(200);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const sup = () => ({ authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` });
const db = () => h.svc.ctx.prisma;
const warnings = (caseNumber: string) => db().warning.findMany({ where: { caseNumber }, orderBy: [{ raisedAt: 'asc' }, { level: 'desc' }] });
const scan = async (at: Date, caseNumber: string) => (await scanDeadlines(db(), at)).raised.filter((r) => r.caseNumber === caseNumber).map((r) => `${r.scope}:${r.level}`);

describe('deadline monitoring', () => {
  it('should match its migration (no drift)', async () => {
    expect(await checkDrift({ databaseUrl: h.env.databaseUrl, schemaPath: path.join(here, '../prisma/schema.prisma') })).toEqual([]);
  });

  it('should count the promised limit in working days across 国庆 and its make-up Saturday', async () => {
    const n = newCaseNumber();
    // Accepted on Tuesday 29 September; 1–7 October are holidays, Saturday 10 October is a working day.
    await h.send(...caseFlow(n, [['receive', 'received', cst('2026-09-29 09:00')], ['accept', 'accepted', cst('2026-09-29 10:00'), { actor: 'clerk-dl' }]], { itemCode: 'DL-5' }));
    expect(await scan(cst('2026-10-05 12:00'), n)).toEqual([]); // five calendar days, one working day
    expect(await scan(cst('2026-10-09 12:00'), n)).toEqual([]); // 3 of 5 used
    expect(await scan(cst('2026-10-10 10:00'), n)).toEqual(['case:yellow']); // 4 of 5 = 80 %: the make-up Saturday counts
    expect(await scan(cst('2026-10-11 10:00'), n)).toEqual([]); // Sunday: still 4, nothing new
    expect(await scan(cst('2026-10-12 16:00'), n)).toEqual([]); // the last day of the limit: not exceeded yet
    expect(await scan(cst('2026-10-13 09:00'), n)).toEqual(['case:red']);
    expect(await scan(cst('2026-10-14 09:00'), n)).toEqual([]); // each card once
    const w = await warnings(n);
    expect(w.map((x) => [x.level, x.usedDays, x.limitDays, x.dueDate, x.responsible])).toEqual([['yellow', 4, 5, '2026-10-12', 'clerk-dl'], ['red', 6, 5, '2026-10-12', 'clerk-dl']]);
  });

  it('should leave supplement and special-procedure pauses out of the count', async () => {
    const n = newCaseNumber();
    await h.send(...caseFlow(n, [
      ['receive', 'received', cst('2026-11-02 08:50')],
      ['accept', 'accepted', cst('2026-11-02 09:00'), { actor: 'clerk-dl' }],
      ['request_supplement', 'supplement_requested', cst('2026-11-03 10:00'), { actor: 'clerk-dl' }],
    ], { itemCode: 'DL-5' }));
    // Friday 6 November: four working days since acceptance, but three of them paused.
    expect(await scan(cst('2026-11-06 15:00'), n)).toEqual([]);
    const first = (await db().processEvent.findFirst({ where: { caseNumber: n } }))!.payload as { caseId: string; applicationId: string };
    const [resume, special, specialDone] = caseFlow(n, [
      ['receive_supplement', 'supplement_received', cst('2026-11-09 10:00'), { actor: 'clerk-dl', from: 'supplement_requested' }],
      ['start_special', 'special_procedure', cst('2026-11-10 09:00'), { actor: 'clerk-dl', reason: '听证' }],
      ['finish_special', 'special_procedure_done', cst('2026-11-12 09:00'), { actor: 'clerk-dl' }],
    ], { itemCode: 'DL-5', caseId: first.caseId, applicationId: first.applicationId });
    await h.send(resume!, special!, specialDone!);
    // Paused: 4, 5, 6, 9 Nov (supplement) and 11, 12 Nov (hearing). Used by 13 Nov: 3 Nov, 10 Nov, 13 Nov = 3.
    expect(await scan(cst('2026-11-13 17:00'), n)).toEqual([]);
    expect(await scan(cst('2026-11-16 10:00'), n)).toEqual(['case:yellow']); // 4 used
    expect(await scan(cst('2026-11-17 10:00'), n)).toEqual([]); // 5 used: the last day
    expect(await scan(cst('2026-11-18 10:00'), n)).toEqual(['case:red']);
    const w = await warnings(n);
    // Due 5 + 6 paused working days after 2 November.
    expect(w.map((x) => [x.level, x.usedDays, x.dueDate])).toEqual([['yellow', 4, '2026-11-17'], ['red', 6, '2026-11-17']]);
  });

  it('should tell the responsible clerk and the department head, publish the warning, and resolve it when the case closes', async () => {
    const n = newCaseNumber();
    const flow = caseFlow(n, [
      ['receive', 'received', cst('2026-06-15 09:00')],
      ['accept', 'accepted', cst('2026-06-15 10:00'), { actor: 'clerk-dl' }],
      ['approve', 'approved', cst('2026-06-26 10:00'), { actor: 'clerk-dl', reason: '材料齐全，予以许可' }],
      ['complete', 'completed', cst('2026-06-26 11:00'), { actor: 'system' }],
    ], { itemCode: 'DL-5' });
    await h.send(flow[0]!, flow[1]!);
    // 端午 19–21 June: by Tuesday 23 June, 16, 17, 18, 22, 23 = 5 used; Wednesday 24th is the 6th.
    expect(await scan(cst('2026-06-22 10:00'), n)).toEqual(['case:yellow']);
    expect(await scan(cst('2026-06-24 10:00'), n)).toEqual(['case:red']);
    const [yellow] = await warnings(n);
    expect(yellow!.notified).toBe(2);
    const sent = await db().$queryRawUnsafe<{ channel: string; recipient: string; subject: string; body: string }[]>('SELECT channel, recipient, subject, body FROM notification WHERE body LIKE $1', `%${n}%`);
    expect(sent.map((s) => `${s.subject} ${s.channel} ${s.recipient}`).sort()).toEqual([
      '电子监察红牌警告 email head@gy-wjw.example', '电子监察红牌警告 sms 13800000001',
      '电子监察黄牌预警 email head@gy-wjw.example', '电子监察黄牌预警 sms 13800000001',
    ].sort());
    expect(sent.find((s) => s.subject === '电子监察红牌警告')!.body).toContain('已超期');
    expect(sent.find((s) => s.subject === '电子监察黄牌预警')!.body).toContain('到期日 2026-06-23');
    // The event for other extranet services, through the outbox; supervision files it with the case too.
    const out = await db().$queryRawUnsafe<{ payload: { payload: { level: string; caseNumber: string } } }[]>(`SELECT payload FROM outbox WHERE type = 'supervision.warning.raised' AND payload->'payload'->>'caseNumber' = $1 ORDER BY created_at`, n);
    expect(out.map((o) => o.payload.payload.level).sort()).toEqual(['red', 'yellow']);
    await waitFor(async () => (await db().processEvent.count({ where: { caseNumber: n, type: 'supervision.warning.raised' } })) === 2);

    expect((await h.svc.app.inject({ method: 'GET', url: `/v1/warnings?status=open&caseNumber=${n}`, headers: sup() })).json().total).toBe(2);
    await h.send(flow[2]!, flow[3]!);
    const resolved = (await h.svc.app.inject({ method: 'GET', url: `/v1/warnings?status=resolved&caseNumber=${n}`, headers: sup() })).json();
    expect(resolved.items.map((w: { level: string; resolution: string; resolvedAt: string }) => [w.level, w.resolution, w.resolvedAt]).sort()).toEqual([
      ['red', 'completed_late', cst('2026-06-26 11:00').toISOString()], ['yellow', 'completed_late', cst('2026-06-26 11:00').toISOString()],
    ]);
    expect(await db().supervisedCase.findUnique({ where: { caseNumber: n } })).toMatchObject({ status: 'completed', usedDays: 8, withinLimit: false });
    expect(await scan(cst('2026-07-01 10:00'), n)).toEqual([]); // closed cases are not watched
  });

  it('should hold each workflow step to its own limit and settle the step warning when the step is done', async () => {
    const n = newCaseNumber();
    const flow = caseFlow(n, [
      ['receive', 'received', cst('2026-11-16 09:00'), { step: 'accept' }],
      ['accept', 'accepted', cst('2026-11-16 09:30'), { step: 'review', actor: 'clerk-dl' }],
      ['review', 'under_review', cst('2026-11-20 10:00'), { step: 'decide', actor: 'reviewer-dl' }],
    ], { itemCode: 'DL-STEP' });
    await h.send(flow[0]!, flow[1]!);
    expect(await scan(cst('2026-11-17 10:00'), n)).toEqual([]);
    expect(await scan(cst('2026-11-18 10:00'), n)).toEqual(['step:review:yellow']); // 2 of 2 days (80 % rounds up to 2)
    expect(await scan(cst('2026-11-19 10:00'), n)).toEqual(['step:review:red']);
    await h.send(flow[2]!);
    const w = await warnings(n);
    expect(w.map((x) => [x.scope, x.level, x.resolution])).toEqual([['step:review', 'yellow', 'step_completed'], ['step:review', 'red', 'step_completed']]);
    expect(await scan(cst('2026-11-23 10:00'), n)).toEqual([]); // decide: 1 of 3 days
    expect(await scan(cst('2026-11-24 10:00'), n)).toEqual([]); // 2 of 3: below ceil(3 × 0.8) = 3
    expect(await scan(cst('2026-11-25 10:00'), n)).toEqual(['step:decide:yellow']);
  });

  it('should use the configured share for the yellow card', async () => {
    const r = await h.svc.app.inject({ method: 'PUT', url: '/v1/rules/deadline_warning', headers: sup(), payload: { enabled: true, params: { yellowShare: 0.4 } } });
    expect(r.statusCode).toBe(200);
    const n = newCaseNumber();
    await h.send(...caseFlow(n, [['receive', 'received', cst('2026-11-02 09:00')], ['accept', 'accepted', cst('2026-11-02 09:10')]], { itemCode: 'DL-5' }));
    expect(await scan(cst('2026-11-03 10:00'), n)).toEqual([]); // 1 of 5
    expect(await scan(cst('2026-11-04 10:00'), n)).toEqual(['case:yellow']); // 2 of 5 = 40 %
    expect((await h.svc.app.inject({ method: 'PUT', url: '/v1/rules/deadline_warning', headers: sup(), payload: { enabled: true, params: { yellowShare: 2 } } })).json()).toMatchObject({ status: 400, code: 'invalid_rule_params' });
    await h.svc.app.inject({ method: 'PUT', url: '/v1/rules/deadline_warning', headers: sup(), payload: { enabled: true, params: { yellowShare: 0.8 } } });
  });
});

describe('periodic scanner', () => {
  /**
   * Resolves once the scanner has finished a whole scan that listed every case stored before this
   * call. Two marker cases, long overdue at `at`, are sent one after the other, each waited for until
   * its red card (raised at `at`): the scan that warned the first listed the cases stored before it;
   * the second marker came after that warning, so its scan started later, and scans never overlap.
   * A deterministic stand-in for sleeping through a few scan intervals.
   */
  async function wholeScanAt(own: Harness, at: Date): Promise<void> {
    for (const i of [1, 2]) {
      const marker = newCaseNumber();
      await own.send(...caseFlow(marker, [['receive', 'received', cst('2026-09-01 09:00')], ['accept', 'accepted', cst('2026-09-01 09:30')]], { itemCode: 'DL-5' }));
      const red = await waitFor(() => own.svc.ctx.prisma.warning.findFirst({ where: { caseNumber: marker, level: 'red' } }), { what: `the periodic scan's red card for marker case ${i}` });
      expect(red.raisedAt).toEqual(at);
    }
  }

  it('should scan by itself on the injected clock', async () => {
    let now = cst('2026-10-13 09:00');
    // A NATS server of its own: the file's other supervision instance (h) would share its consumers.
    const own = await startSupervision({ clock: () => now, env: { SCAN_INTERVAL_MS: '100' }, ownNats: true });
    try {
      await own.publishItem(itemPublished('DL-5', { promisedDays: 5 }));
      const n = newCaseNumber();
      await own.send(...caseFlow(n, [['receive', 'received', cst('2026-10-12 09:00')], ['accept', 'accepted', cst('2026-10-12 09:30')]], { itemCode: 'DL-5' }));
      await wholeScanAt(own, now);
      expect(await own.svc.ctx.prisma.warning.count({ where: { caseNumber: n } })).toBe(0); // 1 of 5 used
      now = cst('2026-10-19 09:00'); // 5 used, yellow; on the 20th it turns red
      await waitFor(async () => (await own.svc.ctx.prisma.warning.count({ where: { caseNumber: n, level: 'yellow' } })) === 1, { what: 'the yellow card of the case on 19 October' });
      now = cst('2026-10-20 09:00');
      await waitFor(async () => (await own.svc.ctx.prisma.warning.count({ where: { caseNumber: n, level: 'red' } })) === 1, { what: 'the red card of the case on 20 October' });
      expect((await own.svc.ctx.prisma.warning.findFirst({ where: { caseNumber: n, level: 'red' } }))!.raisedAt).toEqual(cst('2026-10-20 09:00'));
    } finally { await own.close(); }
  }, 60_000);
});
