/**
 * The four rates on a known data set, compared with values worked out by hand (see the comments),
 * and 好差评: every 差评 opens a rectification task due in working days, tracked to closure.
 */
import { randomUUID } from 'node:crypto';
import { startSupervision, caseFlow, itemPublished, applicationSubmitted, evaluation, cst, type Harness } from './helpers.js';

let h: Harness;
const NOW = cst('2026-11-25 10:00');
const sup = () => ({ authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` });
const staffOf = (department: string) => ({ authorization: `Bearer ${h.env.token({ sub: `clerk-${department}`, name: '科员', roles: ['staff'], department })}` });
const jan = cst('2026-01-05 09:00');

/** A case filed online (an application.submitted for it) or at the counter. */
async function fileCase(n: string, online: boolean, itemCode: string, department: string, steps: Parameters<typeof caseFlow>[1]) {
  const applicationId = randomUUID();
  const msgs = caseFlow(n, steps, { itemCode, department, applicationId });
  if (online) await h.send(applicationSubmitted(applicationId, steps[0]![2], itemCode));
  await h.send(...msgs);
}

beforeAll(async () => {
  h = await startSupervision({ clock: () => NOW });
  const A = { department: 'rt-a', departmentName: '城区住建局', hall: '城区政务服务大厅' };
  const B = { department: 'rt-b', departmentName: '乡镇民政所', hall: '乡镇便民服务中心' };
  // Power list. rt-a: A1, A2 online, A3 not; A4 online but retired on 15 Oct; A5 online from 10 Nov. rt-b: B1 online, B2 not.
  for (const m of [
    itemPublished('A1', { ...A, promisedDays: 5, publishedAt: jan }), itemPublished('A2', { ...A, promisedDays: 3, publishedAt: jan }),
    itemPublished('A3', { ...A, online: false, publishedAt: jan }), itemPublished('A4', { ...A, publishedAt: jan }),
    itemPublished('A4', { ...A, version: 2, status: 'retired', publishedAt: cst('2026-10-15 09:00') }),
    itemPublished('A5', { ...A, publishedAt: cst('2026-11-10 09:00') }),
    itemPublished('B1', { ...B, promisedDays: 5, publishedAt: jan }), itemPublished('B2', { ...B, online: false, publishedAt: jan }),
  ]) await h.publishItem(m);
  const put = (account: string, body: object) => h.svc.app.inject({ method: 'PUT', url: `/v1/contacts/${account}`, headers: sup(), payload: body });
  expect((await put('head-rt-a', { name: '赵局长', department: 'rt-a', head: true, phone: '13900000009' })).statusCode).toBe(200);

  // rt-a, October: c1 online, done in 2 working days (limit 5); c2 online, done in 8 (late); c3 at the counter, done in 2.
  await fileCase('RT-C1', true, 'A1', 'rt-a', [['receive', 'received', cst('2026-10-12 09:00')], ['accept', 'accepted', cst('2026-10-12 09:30')], ['approve', 'approved', cst('2026-10-14 10:00'), { reason: '同意许可' }], ['complete', 'completed', cst('2026-10-14 10:30')]]);
  await fileCase('RT-C2', true, 'A1', 'rt-a', [['receive', 'received', cst('2026-10-12 09:00')], ['accept', 'accepted', cst('2026-10-12 09:30')], ['approve', 'approved', cst('2026-10-22 10:00'), { reason: '同意许可' }], ['complete', 'completed', cst('2026-10-22 10:30')]]);
  await fileCase('RT-C3', false, 'A1', 'rt-a', [['receive', 'received', cst('2026-10-13 09:00')], ['accept', 'accepted', cst('2026-10-13 09:30')], ['approve', 'approved', cst('2026-10-15 10:00'), { reason: '同意许可' }], ['complete', 'completed', cst('2026-10-15 10:30')]]);
  // c4 online, limit 3, received 26 Oct, supplement 27 Oct → 2 Nov (4 working days paused), completed 4 Nov: 7 − 4 = 3 used, in time.
  await fileCase('RT-C4', true, 'A2', 'rt-a', [['receive', 'received', cst('2026-10-26 09:00')], ['accept', 'accepted', cst('2026-10-26 09:30')], ['request_supplement', 'supplement_requested', cst('2026-10-27 10:00')], ['receive_supplement', 'supplement_received', cst('2026-11-02 10:00')], ['approve', 'approved', cst('2026-11-04 10:00'), { reason: '同意许可' }], ['complete', 'completed', cst('2026-11-04 10:30')]]);
  // c5 online, received in November, still open.
  await fileCase('RT-C5', true, 'A2', 'rt-a', [['receive', 'received', cst('2026-11-03 09:00')], ['accept', 'accepted', cst('2026-11-03 09:30')]]);
  // rt-b, October: c6 at the counter, refused (closed, not completed); c7 online, done in 2.
  await fileCase('RT-C6', false, 'B1', 'rt-b', [['receive', 'received', cst('2026-10-20 09:00')], ['reject', 'rejected', cst('2026-10-20 09:40'), { reason: '不属于本机关职责' }]]);
  await fileCase('RT-C7', true, 'B1', 'rt-b', [['receive', 'received', cst('2026-10-21 09:00')], ['accept', 'accepted', cst('2026-10-21 09:30')], ['approve', 'approved', cst('2026-10-23 10:00'), { reason: '同意许可' }], ['complete', 'completed', cst('2026-10-23 10:30')]]);
  // Evaluations: rt-a October 5, 4, 2; rt-a November 1; rt-b October 3.
  await h.send(
    evaluation('RT-C1', 5, cst('2026-10-15 10:00'), { department: 'rt-a', itemCode: 'A1' }),
    evaluation('RT-C3', 4, cst('2026-10-16 10:00'), { department: 'rt-a', itemCode: 'A1' }),
    evaluation('RT-C2', 2, cst('2026-10-23 10:00'), { department: 'rt-a', itemCode: 'A1', comment: '办理超期，窗口答复不清' }),
    evaluation('RT-C4', 1, cst('2026-11-20 10:00'), { department: 'rt-a', itemCode: 'A2', comment: '补正要求前后不一' }),
    evaluation('RT-C7', 3, cst('2026-10-24 10:00'), { department: 'rt-b', itemCode: 'B1' }),
  );
}, 120_000);
afterAll(async () => { await h?.close(); }, 30_000);

const r = (numerator: number, denominator: number) => ({ numerator, denominator, rate: denominator ? Math.round((numerator / denominator) * 10_000) / 10_000 : null });

describe('four rates', () => {
  it('should compute each department\'s rates per month as worked out by hand', async () => {
    const res = await h.svc.app.inject({ method: 'GET', url: '/v1/rates?from=2026-10-01&to=2026-11-30&groupBy=department&bucket=month', headers: sup() });
    expect(res.statusCode).toBe(200);
    const rows = res.json().items.map((x: Record<string, unknown>) => [x.group, x.period, x.entry, x.online, x.onTime, x.satisfaction]);
    expect(rows).toEqual([
      // 进驻率 A1, A2 of A1–A3 (A4 retired, A5 not yet) | 网上 c1, c2, c4 of c1–c4 | 限时 c1, c3 of c1–c3 | 满意 5, 4 of 5, 4, 2
      ['rt-a', '2026-10', r(2, 3), r(3, 4), r(2, 3), r(2, 3)],
      // A5 joins: 3 of 4 | c5 | c4 in time | the one evaluation is 1 star
      ['rt-a', '2026-11', r(3, 4), r(1, 1), r(1, 1), r(0, 1)],
      // B1 of B1, B2 | c7 of c6, c7 | c7 (the refused c6 is not a completion) | 3 stars is satisfied
      ['rt-b', '2026-10', r(1, 2), r(1, 2), r(1, 1), r(1, 1)],
      ['rt-b', '2026-11', r(1, 2), r(0, 0), r(0, 0), r(0, 0)],
    ]);
    expect(res.json().items[0].groupName).toBe('城区住建局');
  });

  it('should compute the rates per hall over the whole period', async () => {
    const res = await h.svc.app.inject({ method: 'GET', url: '/v1/rates?from=2026-10-01&to=2026-11-30&groupBy=hall&bucket=all', headers: sup() });
    const rows = res.json().items.map((x: Record<string, unknown>) => [x.group, x.entry, x.online, x.onTime, x.satisfaction]);
    expect(rows).toEqual([
      ['乡镇便民服务中心', r(1, 2), r(1, 2), r(1, 1), r(1, 1)],
      ['城区政务服务大厅', r(3, 4), r(4, 5), r(3, 4), r(2, 4)],
    ]);
  });

  it('should refuse a period that does not make sense', async () => {
    for (const q of ['from=2026-11-30&to=2026-10-01', 'from=2026-01-01&to=2026-12-31&bucket=day', 'from=2026-02-30&to=2026-03-01', 'from=x&to=2026-03-01']) {
      const res = await h.svc.app.inject({ method: 'GET', url: `/v1/rates?${q}`, headers: sup() });
      expect([q, res.statusCode]).toEqual([q, 400]);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });
});

describe('好差评 rectification', () => {
  it('should open one task per 差评, due in working days, and tell the department head', async () => {
    const list = (await h.svc.app.inject({ method: 'GET', url: '/v1/rectifications', headers: sup() })).json();
    expect(list.items.map((x: Record<string, unknown>) => [x.caseNumber, x.level, x.deadline, x.status, x.overdue])).toEqual([
      ['RT-C4', 1, '2026-11-27', 'open', false], // Friday 20 Nov + 5 working days
      ['RT-C2', 2, '2026-10-30', 'open', true], // Friday 23 Oct + 5 working days; it is 25 Nov now
    ]);
    const told = await h.svc.ctx.prisma.$queryRawUnsafe<{ recipient: string; body: string }[]>("SELECT recipient, body FROM notification WHERE subject = '差评整改通知' ORDER BY created_at");
    expect(told.map((t) => t.recipient)).toEqual(['13900000009', '13900000009']);
    // One notice per 差评; the two evaluations may be handled in either order.
    expect(told.map((t) => /RT-C\d/.exec(t.body)?.[0]).sort()).toEqual(['RT-C2', 'RT-C4']);
  });

  it('should let the department close its task with the result, once, and keep other departments out', async () => {
    const task = (await h.svc.ctx.prisma.rectification.findFirst({ where: { caseNumber: 'RT-C4' } }))!;
    const other = await h.svc.app.inject({ method: 'POST', url: `/v1/rectifications/${task.id}/close`, headers: staffOf('rt-b'), payload: { result: '已完成整改' } });
    expect(other.statusCode).toBe(404);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/rectifications', headers: staffOf('rt-b') })).json().total).toBe(0);
    const closed = await h.svc.app.inject({ method: 'POST', url: `/v1/rectifications/${task.id}/close`, headers: staffOf('rt-a'), payload: { result: '统一补正告知模板，已向申请人致歉并回访' } });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', closedBy: 'clerk-rt-a', closedAt: NOW.toISOString(), overdue: false });
    const again = await h.svc.app.inject({ method: 'POST', url: `/v1/rectifications/${task.id}/close`, headers: staffOf('rt-a'), payload: { result: '再次整改' } });
    expect(again.json()).toMatchObject({ status: 409, code: 'rectification_closed' });
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/rectifications?status=open', headers: staffOf('rt-a') })).json().items.map((x: { caseNumber: string }) => x.caseNumber)).toEqual(['RT-C2']);
    const audited = await h.svc.ctx.prisma.$queryRawUnsafe<{ actor: string }[]>("SELECT actor FROM audit_entry WHERE action = 'supervision.rectification.closed' AND target = $1", task.id);
    expect(audited).toEqual([{ actor: 'clerk-rt-a' }]);
  });

  it('should open no task for a 3-star evaluation or twice for the same evaluation', async () => {
    expect(await h.svc.ctx.prisma.rectification.count({ where: { caseNumber: 'RT-C7' } })).toBe(0);
    const bad = evaluation('RT-C1', 2, cst('2026-11-24 10:00'), { department: 'rt-a', itemCode: 'A1' });
    await h.send(bad);
    await h.handled('IN', await h.publishCopy(bad));
    expect(await h.svc.ctx.prisma.rectification.count({ where: { caseNumber: 'RT-C1' } })).toBe(1);
  });
});
