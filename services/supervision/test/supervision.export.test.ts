/**
 * Provincial export: a case's 7+1 stages land in the front-end exchange table in the documented
 * layout; the transmitter posts unsent rows to the province, marks them sent, and retries a batch
 * the province refused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportOnce, httpSink } from '../src/exporter.js';
import { startSupervision, caseFlow, itemPublished, newCaseNumber, cst, waitFor, type Harness } from './helpers.js';

/** A stand-in for the province's endpoint: answers 503 to the first `failures` posts, then 200; keeps what it accepted. */
async function province(failures: number) {
  const accepted: { records: Record<string, unknown>[] }[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls++;
      if (calls <= failures) { res.writeHead(503).end('busy'); return; }
      accepted.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/exchange`, accepted, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const ALL_STAGES = (n: string) => caseFlow(n, [
  ['receive', 'received', cst('2026-11-02 09:00'), { actor: 'system' }],
  ['accept', 'accepted', cst('2026-11-02 09:30'), { actor: 'clerk-1' }],
  ['request_supplement', 'supplement_requested', cst('2026-11-02 10:00'), { actor: 'clerk-1', reason: '缺少户口簿复印件' }],
  ['receive_supplement', 'supplement_received', cst('2026-11-04 10:00'), { actor: 'clerk-1' }],
  ['start_special', 'special_procedure', cst('2026-11-04 11:00'), { actor: 'reviewer-1', reason: '现场勘验' }],
  ['finish_special', 'special_procedure_done', cst('2026-11-06 11:00'), { actor: 'reviewer-1', reason: '勘验合格' }],
  ['approve', 'approved', cst('2026-11-09 15:00'), { actor: 'approver-1', reason: '符合条件，准予许可' }],
  ['complete', 'completed', cst('2026-11-09 15:05'), { actor: 'system' }],
], { itemCode: 'EX-1' });

describe('provincial export', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSupervision();
    await h.publishItem(itemPublished('EX-1', { promisedDays: 10 }));
  }, 60_000);
  afterAll(async () => { await h?.close(); }, 30_000);

  it('should write one row per stage, all 7+1 stages, in the documented layout', async () => {
    const n = newCaseNumber();
    const flow = ALL_STAGES(n);
    await h.send(...flow);
    await h.send(flow[3]!); // a redelivery writes nothing more
    const rows = await h.svc.ctx.prisma.provinceExchange.findMany({ where: { caseNumber: n }, orderBy: { occurredAt: 'asc' } });
    expect(rows.map((r) => [r.stage, r.stageName])).toEqual([
      ['online_receipt', '网上受理'], ['acceptance', '受理'], ['supplement_notice', '补交告知'], ['supplement_acceptance', '补交受理'],
      ['special_request', '特别程序申请'], ['special_result', '特别程序结果'], ['approval', '审批过程'], ['completion', '办结'],
    ]);
    expect(rows[2]).toMatchObject({ caseNumber: n, itemCode: 'EX-1', department: 'gy-wjw', actor: 'clerk-1', opinion: '缺少户口簿复印件', promisedDays: 10, occurredAt: cst('2026-11-02 10:00'), sentAt: null, attempts: 0 });
    expect(rows[7]!.data).toMatchObject({ action: 'complete', from: 'approved', to: 'completed', result: 'approved', withinLimit: true });
    const listed = (await h.svc.app.inject({ method: 'GET', url: `/v1/exports?status=pending&caseNumber=${n}`, headers: { authorization: `Bearer ${h.env.token({ sub: 's', roles: ['supervisor'] })}` } })).json();
    expect(listed.total).toBe(8);
  });

  it('should keep a refused batch with its error, retry it after the backoff, and mark it sent', async () => {
    const p = await province(1);
    try {
      const t0 = new Date('2030-01-01T00:00:00Z');
      const first = await exportOnce(h.svc.ctx.prisma, httpSink(p.url), { now: t0, batchSize: 1000 });
      expect(first.sent).toBe(0);
      expect(first.failed).toBeGreaterThan(0);
      const pending = await h.svc.ctx.prisma.provinceExchange.findMany({ where: { sentAt: null } });
      expect(pending.every((r) => r.attempts === 1 && r.lastError === 'province endpoint answered 503' && r.nextAttemptAt!.getTime() === t0.getTime() + 1000)).toBe(true);
      expect(await exportOnce(h.svc.ctx.prisma, httpSink(p.url), { now: new Date(t0.getTime() + 500) })).toEqual({ sent: 0, failed: 0 }); // still backing off
      const second = await exportOnce(h.svc.ctx.prisma, httpSink(p.url), { now: new Date(t0.getTime() + 1000), batchSize: 1000 });
      expect(second).toEqual({ sent: pending.length, failed: 0 });
      expect(await h.svc.ctx.prisma.provinceExchange.count({ where: { sentAt: null } })).toBe(0);
      const sentRows = await h.svc.ctx.prisma.provinceExchange.findMany();
      expect(sentRows.every((r) => r.attempts === 2 && r.lastError === null && r.sentAt!.getTime() === t0.getTime() + 1000)).toBe(true);
      expect(p.accepted[0]!.records.map((r) => r.id).sort()).toEqual(pending.map((r) => r.id).sort());
      expect(p.accepted[0]!.records[0]).toEqual(expect.objectContaining({ stage: expect.any(String), stageName: expect.any(String), caseNumber: expect.any(String), itemCode: 'EX-1', department: 'gy-wjw', occurredAt: expect.any(String) }));
    } finally { await p.close(); }
  });
});

describe('provincial export in the running service', () => {
  it('should scan the table by itself, retry after the province fails, and mark the rows sent', async () => {
    const p = await province(2);
    const h = await startSupervision({ env: { PROVINCE_EXPORT_URL: p.url, EXPORT_INTERVAL_MS: '200' } });
    try {
      const n = newCaseNumber();
      await h.send(...ALL_STAGES(n));
      await waitFor(async () => (await h.svc.ctx.prisma.provinceExchange.count({ where: { caseNumber: n, sentAt: { not: null } } })) === 8, 30_000);
      expect(p.calls()).toBeGreaterThanOrEqual(3);
      const rows = await h.svc.ctx.prisma.provinceExchange.findMany({ where: { caseNumber: n } });
      expect(Math.max(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(2); // refused at least once before it went
      expect(p.accepted.flatMap((a) => a.records).filter((r) => r.caseNumber === n)).toHaveLength(8);
    } finally { await h.close(); await p.close(); }
  }, 60_000);
});
