/**
 * 制证失败 (issue 19): a certificate request the certificate service cannot honour arrives as
 * certificate.failed; the case shows it (case view and the department's list) with the reason and
 * keeps waiting at 办结; a department admin retries after the definition is fixed, which sends the
 * request anew; the certificate then completes the case.
 */
import { startApproval, ITEM, application, waitFor, staffToken, call, outboxOf, type Harness } from './helpers.js';

let h: Harness;
let clerk: string, approver: string, admin: string;
beforeAll(async () => {
  h = await startApproval();
  clerk = staffToken(h, '王受理', 'gy-wjw', ['acceptance']);
  approver = staffToken(h, '赵审批', 'gy-wjw', ['approval']);
  admin = staffToken(h, '钱管理', 'gy-wjw', [], { roles: ['staff', 'dept_admin'] });
  await h.publish('catalog', 'catalog.item.published', ITEM);
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

describe('certificate failure on a case', () => {
  it('should show 制证失败 on the case within a minute, let an admin retry, and complete on the certificate', async () => {
    const app = application();
    await h.publish('relay-in-receiver', 'application.submitted', app, 'internet');
    const c = await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }), 30_000);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/accept`, clerk)).status).toBe(200);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/approve`, approver, { opinion: '同意' })).body.status).toBe('approved');
    await waitFor(async () => (await outboxOf(h, 'certificate.requested', app.applicationId)).length === 1);

    // Nothing to retry before a failure.
    expect((await call(h, 'POST', `/v1/cases/${c.id}/certificate/retry`, admin)).body.code).toBe('no_certificate_failure');

    const failedAt = h.svc.ctx.clock.now();
    // certificate.failed names the refused request by its message id.
    const [request] = await h.svc.ctx.prisma.$queryRawUnsafe<{ payload: { id: string } }[]>("SELECT payload FROM outbox WHERE type = 'certificate.requested' AND correlation_id = $1", app.applicationId);
    await h.publish('certificate', 'certificate.failed', {
      requestId: request!.payload.id, request: { caseId: c.id, caseNumber: c.caseNumber, applicationId: app.applicationId, certificateType: ITEM.certificateType, department: 'gy-wjw' },
      code: 'issuer_unknown', reason: '部门“gy-wjw”没有发证机关记录', failedAt: failedAt.toISOString(),
    });
    const shown = await waitFor(async () => { const r = await call(h, 'GET', `/v1/cases/${c.id}`, clerk); return r.body.certificateFailure && r.body; }, { timeoutMs: 60_000, what: 'the case to show 制证失败' });
    expect(shown).toMatchObject({ status: 'approved', certificateFailure: { code: 'issuer_unknown', reason: expect.stringContaining('发证机关'), certificateType: ITEM.certificateType } });
    const entry = shown.history.find((x: { action: string }) => x.action === 'certificate_failed');
    expect(entry.reason).toMatch(/^制证失败：/);
    // Recorded within a minute of the failure, by the service's clock.
    expect(new Date(entry.at).getTime() - failedAt.getTime()).toBeLessThan(60_000);
    expect(shown.tasks.find((t: { kind: string }) => t.kind === 'complete')).toMatchObject({ status: 'waiting' });

    // The department's view lists it among the failed ones.
    const listed = await call(h, 'GET', '/v1/cases?certificateFailed=true&pageSize=100', admin);
    expect(listed.body.items.map((x: { caseId: string }) => x.caseId)).toContain(c.id);

    // Only a department admin retries.
    expect((await call(h, 'POST', `/v1/cases/${c.id}/certificate/retry`, approver)).status).toBe(403);
    const retried = await call(h, 'POST', `/v1/cases/${c.id}/certificate/retry`, admin);
    expect(retried.status).toBe(200);
    expect(retried.body.certificateFailure).toBeNull();
    const requests = await waitFor(async () => { const r = await outboxOf(h, 'certificate.requested', app.applicationId); return r.length === 2 && r; });
    expect(requests[1]).toMatchObject({ caseId: c.id, certificateType: ITEM.certificateType, department: 'gy-wjw' });

    await h.publish('certificate', 'certificate.issued', { certificateId: '1.2.156.3005.2.T.X.000009.1.A', caseId: c.id, caseNumber: c.caseNumber, applicationId: app.applicationId, certificateType: ITEM.certificateType, issuedAt: new Date().toISOString(), signature: 'c2ln', algorithm: 'Ed25519' });
    const done = await waitFor(async () => { const x = await h.svc.ctx.prisma.case.findUnique({ where: { id: c.id } }); return x?.status === 'completed' ? x : null; });
    expect(done.certificateFailure).toBeNull();
    const detail = (await call(h, 'GET', `/v1/cases/${c.id}`, clerk)).body;
    expect(detail.history.map((x: { action: string }) => x.action)).toEqual(['receive', 'accept', 'approve', 'certificate_request', 'certificate_failed', 'certificate_retry', 'complete']);
  }, 120_000);
});
