/** Each anomaly rule fires on a case made to break it, stays silent on a normal case, and obeys its settings. */
import { startSupervision, caseFlow, newCaseNumber, cst, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => { h = await startSupervision(); }, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const sup = () => ({ authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` });
const hits = async (caseNumber: string) => (await h.svc.ctx.prisma.anomaly.findMany({ where: { caseNumber } })).map((a) => a.rule).sort();
const setRule = (rule: string, enabled: boolean, params: object) => h.svc.app.inject({ method: 'PUT', url: `/v1/rules/${rule}`, headers: sup(), payload: { enabled, params } });

describe('anomaly rules', () => {
  it('should stay silent on a normal case', async () => {
    const n = newCaseNumber();
    await h.send(...caseFlow(n, [
      ['receive', 'received', cst('2026-11-23 09:00'), { actor: 'system' }],
      ['accept', 'accepted', cst('2026-11-23 09:30')],
      ['request_supplement', 'supplement_requested', cst('2026-11-23 10:00')],
      ['receive_supplement', 'supplement_received', cst('2026-11-24 10:00')],
      ['approve', 'approved', cst('2026-11-24 15:00'), { reason: '符合条件，予以许可' }],
      ['complete', 'completed', cst('2026-11-24 15:01'), { actor: 'system' }],
    ]));
    expect(await hits(n)).toEqual([]);
  });

  it('should flag a refusal without reasons, but not one with reasons', async () => {
    const bare = newCaseNumber();
    const blank = newCaseNumber();
    const reasoned = newCaseNumber();
    await h.send(
      ...caseFlow(bare, [['receive', 'received', cst('2026-11-23 09:00')], ['reject', 'rejected', cst('2026-11-23 09:40')]]),
      ...caseFlow(blank, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:10')], ['deny', 'denied', cst('2026-11-23 16:00'), { reason: '  无  ' }]]),
      ...caseFlow(reasoned, [['receive', 'received', cst('2026-11-23 09:00')], ['reject', 'rejected', cst('2026-11-23 09:40'), { reason: '缺少出生医学证明' }]]),
    );
    expect(await hits(bare)).toEqual(['refusal_without_reason']);
    expect(await hits(blank)).toEqual(['refusal_without_reason']);
    expect(await hits(reasoned)).toEqual([]);
    const listed = (await h.svc.app.inject({ method: 'GET', url: `/v1/anomalies?caseNumber=${bare}`, headers: sup() })).json();
    expect(listed.items).toEqual([expect.objectContaining({ rule: 'refusal_without_reason', title: '不予受理/不予许可未说明理由', caseNumber: bare, actor: 'staff-1', department: 'gy-wjw' })]);
  });

  it('should flag steps done out of order: a skipped acceptance, and a transition from a status the case was not in', async () => {
    const skipped = newCaseNumber();
    await h.send(...caseFlow(skipped, [['receive', 'received', cst('2026-11-23 09:00')], ['approve', 'approved', cst('2026-11-23 15:00'), { reason: '同意' }]]));
    expect(await hits(skipped)).toEqual(['out_of_order']);
    const jumped = newCaseNumber();
    await h.send(...caseFlow(jumped, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:20')], ['approve', 'approved', cst('2026-11-23 15:00'), { from: 'under_review', reason: '同意' }]]));
    const a = await h.svc.ctx.prisma.anomaly.findFirst({ where: { caseNumber: jumped } });
    expect(a).toMatchObject({ rule: 'out_of_order', detail: expect.objectContaining({ expectedFrom: 'accepted', from: 'under_review' }) });
  });

  it('should flag an acceptance outside office hours by an account not on duty, not by one on the roster', async () => {
    const created = await h.svc.app.inject({ method: 'POST', url: '/v1/duty-shifts', headers: sup(), payload: { account: 'clerk-duty', startsAt: cst('2026-11-21 08:00').toISOString(), endsAt: cst('2026-11-21 18:00').toISOString(), note: '周六值班' } });
    expect(created.statusCode).toBe(201);
    const saturday = newCaseNumber();
    const onDuty = newCaseNumber();
    const evening = newCaseNumber();
    await h.send(
      ...caseFlow(saturday, [['receive', 'received', cst('2026-11-20 20:00')], ['accept', 'accepted', cst('2026-11-21 10:00'), { actor: 'clerk-weekend' }]]),
      ...caseFlow(onDuty, [['receive', 'received', cst('2026-11-20 20:00')], ['accept', 'accepted', cst('2026-11-21 10:00'), { actor: 'clerk-duty' }]]),
      ...caseFlow(evening, [['receive', 'received', cst('2026-11-23 18:00')], ['accept', 'accepted', cst('2026-11-23 21:15'), { actor: 'clerk-duty' }]]),
    );
    expect(await hits(saturday)).toEqual(['off_hours_acceptance']);
    expect(await hits(onDuty)).toEqual([]);
    expect(await hits(evening)).toEqual(['off_hours_acceptance']); // on the roster on Saturday only
    expect((await h.svc.ctx.prisma.anomaly.findFirst({ where: { caseNumber: evening } }))!.detail).toMatchObject({ localDate: '2026-11-23', localTime: '21:15' });
    expect((await h.svc.app.inject({ method: 'POST', url: '/v1/duty-shifts', headers: sup(), payload: { account: 'x', startsAt: cst('2026-11-21 18:00').toISOString(), endsAt: cst('2026-11-21 08:00').toISOString() } })).json()).toMatchObject({ status: 400, code: 'invalid_shift' });
  });

  it('should flag a second supplement request on the same case', async () => {
    const n = newCaseNumber();
    await h.send(...caseFlow(n, [
      ['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:10')],
      ['request_supplement', 'supplement_requested', cst('2026-11-23 10:00')], ['receive_supplement', 'supplement_received', cst('2026-11-24 10:00')],
      ['request_supplement', 'supplement_requested', cst('2026-11-24 11:00')],
    ]));
    const a = await h.svc.ctx.prisma.anomaly.findMany({ where: { caseNumber: n } });
    expect(a.map((x) => [x.rule, (x.detail as { count: number }).count])).toEqual([['repeated_supplements', 2]]);
  });

  it('should flag an approval faster than the item minimum, per item when configured', async () => {
    const quick = newCaseNumber();
    await h.send(...caseFlow(quick, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:30')], ['approve', 'approved', cst('2026-11-23 09:33'), { reason: '同意许可' }]]));
    expect(await hits(quick)).toEqual(['too_fast_approval']);
    expect(await setRule('too_fast_approval', true, { defaultMinutes: 10, items: { 'RL-QUICK': 2 } })).toMatchObject({ statusCode: 200 });
    const allowed = newCaseNumber();
    await h.send(...caseFlow(allowed, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:30')], ['approve', 'approved', cst('2026-11-23 09:33'), { reason: '同意许可' }]], { itemCode: 'RL-QUICK' }));
    expect(await hits(allowed)).toEqual([]);
  });

  it('should record nothing for a rule that is switched off, and refuse settings that do not fit the rule', async () => {
    expect((await setRule('refusal_without_reason', false, { minLength: 4 })).statusCode).toBe(200);
    const n = newCaseNumber();
    await h.send(...caseFlow(n, [['receive', 'received', cst('2026-11-23 09:00')], ['reject', 'rejected', cst('2026-11-23 09:40')]]));
    expect(await hits(n)).toEqual([]);
    expect((await setRule('refusal_without_reason', true, { minLength: 4 })).statusCode).toBe(200);
    expect((await setRule('repeated_supplements', true, { max: 0 })).json()).toMatchObject({ status: 400, code: 'invalid_rule_params' });
    expect((await setRule('no_such_rule', true, {})).json()).toMatchObject({ status: 404, code: 'rule_not_found' });
    const rules = (await h.svc.app.inject({ method: 'GET', url: '/v1/rules', headers: sup() })).json().items;
    expect(rules.find((r: { rule: string }) => r.rule === 'too_fast_approval')).toMatchObject({ enabled: true, params: { defaultMinutes: 10, items: { 'RL-QUICK': 2 } } });
  });

  it('should retract, not delete, an out-of-order hit once a late event fills the gap', async () => {
    const n = newCaseNumber();
    const [receive, accept, approve] = caseFlow(n, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:30')], ['approve', 'approved', cst('2026-11-23 15:00'), { reason: '同意许可' }]]);
    await h.send(receive!, approve!); // the acceptance is late (a redelivery after a failure)
    const [hit] = await h.svc.ctx.prisma.anomaly.findMany({ where: { caseNumber: n } });
    expect(hit).toMatchObject({ rule: 'out_of_order', messageId: approve!.id, retractedAt: null });
    await h.send(accept!);
    const after = await h.svc.ctx.prisma.anomaly.findMany({ where: { caseNumber: n } });
    expect(after).toEqual([expect.objectContaining({ id: hit!.id, rule: 'out_of_order', retractedAt: expect.any(Date) })]);
    const listed = (await h.svc.app.inject({ method: 'GET', url: `/v1/anomalies?caseNumber=${n}`, headers: sup() })).json();
    expect(listed.items[0].retractedAt).toEqual(expect.any(String));
  });

  it('should record each hit once even when the case is rebuilt by later events', async () => {
    const n = newCaseNumber();
    const flow = caseFlow(n, [['receive', 'received', cst('2026-11-23 09:00')], ['accept', 'accepted', cst('2026-11-23 09:30')], ['deny', 'denied', cst('2026-11-23 16:00')], ['complete', 'completed', cst('2026-11-23 16:05')]]);
    await h.send(flow[0]!, flow[1]!, flow[2]!);
    await h.send(flow[3]!);
    expect(await hits(n)).toEqual(['refusal_without_reason']);
  });
});
