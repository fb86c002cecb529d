/**
 * Issue 19: every terminal status closes the case (denied included), and a certificate the
 * certificate service could not issue (certificate.failed) is listed as an anomaly of the case.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { startSupervision, caseFlow, newCaseNumber, waitFor, type Harness } from './helpers.js';

let h: Harness;
let supervisor: { authorization: string };
beforeAll(async () => {
  h = await startSupervision();
  supervisor = { authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` };
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);
const caseRow = (caseNumber: string) => h.svc.ctx.prisma.supervisedCase.findUnique({ where: { caseNumber } });

describe('closing cases and certificate failures', () => {
  it.each([
    ['denied', [['receive', 'received'], ['accept', 'accepted'], ['deny', 'denied']]],
    ['rejected', [['receive', 'received'], ['reject', 'rejected']]],
    ['withdrawn', [['receive', 'received'], ['withdraw', 'withdrawn']]],
    ['terminated', [['receive', 'received'], ['accept', 'accepted'], ['terminate', 'terminated']]],
  ] as const)('should close a %s case (closedAt set, no longer 办理中)', async (last, steps) => {
    const caseNumber = newCaseNumber();
    const t0 = new Date();
    const flow = caseFlow(caseNumber, steps.map(([a, to], i) => [a, to, minutes(t0, i)] as [string, typeof to, Date]), { reason: '不符合法定条件' });
    for (const m of flow) await h.publish(m);
    const c = await waitFor(async () => { const r = await caseRow(caseNumber); return r?.status === last && r; });
    expect(c.closedAt?.toISOString()).toBe(minutes(t0, steps.length - 1).toISOString());
    expect(c.lastResult).toBe(last);
  });

  it('should list a certificate failure as an anomaly of the case', async () => {
    const caseNumber = newCaseNumber();
    const t0 = new Date();
    const flow = caseFlow(caseNumber, [['receive', 'received', t0], ['accept', 'accepted', minutes(t0, 20)], ['approve', 'approved', minutes(t0, 40)]]);
    for (const m of flow) await h.publish(m);
    const { caseId, applicationId } = flow[0]!.payload;
    const requestId = randomUUID();
    const failed = buildMessage('certificate.failed', {
      zone: 'extranet', correlationId: applicationId,
      payload: { requestId, request: { caseId, caseNumber, applicationId, certificateType: 'eia-approval', department: 'gy-wjw' }, code: 'issuer_unknown', reason: '部门“gy-wjw”没有发证机关记录', failedAt: minutes(t0, 41).toISOString() },
    });
    await h.publish(failed);
    const listed = await waitFor(async () => {
      const r = (await h.svc.app.inject({ method: 'GET', url: `/v1/anomalies?caseNumber=${caseNumber}&rule=certificate_failed`, headers: supervisor })).json();
      return r.items?.length === 1 && r.items[0];
    }, { timeoutMs: 60_000, what: 'the certificate failure to be listed as an anomaly' });
    expect(listed).toMatchObject({ rule: 'certificate_failed', title: expect.stringContaining('制证失败'), caseNumber, department: 'gy-wjw', messageId: failed.id, retractedAt: null, detail: { code: 'issuer_unknown', certificateType: 'eia-approval', requestId } });
    // A later recomputation of the case (another transition) keeps it.
    await h.publish(caseFlow(caseNumber, [['complete', 'completed', minutes(t0, 50), { from: 'approved' }]], { caseId, applicationId })[0]!);
    await waitFor(async () => (await caseRow(caseNumber))?.status === 'completed');
    expect((await h.svc.ctx.prisma.anomaly.findMany({ where: { caseNumber, rule: 'certificate_failed' } })).map((a) => a.retractedAt)).toEqual([null]);
  });
});
