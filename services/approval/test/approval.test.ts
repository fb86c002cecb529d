import { randomUUID } from 'node:crypto';
import { startApproval, ITEM, application, waitFor, type Harness } from './helpers.js';

let h: Harness;
let clerk: string, approver: string;
beforeAll(async () => {
  h = await startApproval();
  clerk = h.env.token({ sub: randomUUID(), name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'] });
  approver = h.env.token({ sub: randomUUID(), name: '赵审批', roles: ['staff'], department: 'gy-wjw', positions: ['approval'] });
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const outbox = (type: string, correlationId: string) =>
  h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any; sent_at: Date | null }[]>('SELECT payload, sent_at FROM outbox WHERE type = $1 AND correlation_id = $2 ORDER BY created_at', type, correlationId);

describe('approval', () => {
  it('waits for the item definition, then creates exactly one case per application', async () => {
    const app = application();
    // The application arrives before the item publication: it is retried, not lost. Its first
    // handling has certainly failed once the consumer logs the redelivery it asked for.
    const early = randomUUID();
    await h.publish('relay-in-receiver', 'application.submitted', app, 'internet', early);
    await waitFor(async () => h.logs.some((l) => l.messageId === early && typeof l.retryInMs === 'number'), { what: 'the first handling of the early application to fail and ask for redelivery' });
    expect(await h.svc.ctx.prisma.case.count({ where: { applicationId: app.applicationId } })).toBe(0);
    await h.publish('catalog', 'catalog.item.published', ITEM);
    const c = await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }), 20_000);
    expect(c.caseNumber).toMatch(/^GY-WJW-\d{8}-\d{6}$/);
    expect(c.status).toBe('received');
    // The same application again under a new message id changes nothing (once it is handled).
    const again = randomUUID();
    await h.publish('relay-in-receiver', 'application.submitted', app, 'internet', again);
    await h.handled('approval', again);
    expect(await h.svc.ctx.prisma.case.count({ where: { applicationId: app.applicationId } })).toBe(1);
    const status = await waitFor(async () => (await outbox('case.status.changed', app.applicationId)).filter((r) => r.sent_at));
    expect(status[0]!.payload.payload).toMatchObject({ status: 'received', caseNumber: c.caseNumber });
  }, 40_000);

  it('numbers cases uniquely under concurrency', async () => {
    const apps = Array.from({ length: 20 }, () => application());
    await Promise.all(apps.map((a) => h.publish('relay-in-receiver', 'application.submitted', a, 'internet')));
    const rows = await waitFor(async () => {
      const r = await h.svc.ctx.prisma.case.findMany({ where: { applicationId: { in: apps.map((a) => a.applicationId) } } });
      return r.length === 20 ? r : null;
    }, 20_000);
    expect(new Set(rows.map((r) => r.caseNumber)).size).toBe(20);
  }, 30_000);

  it('accepts, approves, asks for the certificate and completes on issuance, with history and events', async () => {
    const app = application();
    await h.publish('relay-in-receiver', 'application.submitted', app, 'internet');
    const c = await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }));
    const post = (action: string, token: string, body: object = {}) => h.svc.app.inject({ method: 'POST', url: `/v1/cases/${c.id}/${action}`, headers: { authorization: `Bearer ${token}` }, payload: body });
    expect((await post('accept', clerk)).json().status).toBe('accepted');
    const again = await post('accept', clerk);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('invalid_transition');
    expect((await post('approve', approver, { opinion: '同意' })).json().status).toBe('approved');
    const req = await waitFor(async () => (await outbox('certificate.requested', app.applicationId))[0]);
    expect(req.payload.payload).toMatchObject({ caseId: c.id, certificateType: 'birth-service-certificate', holder: { name: '周梦婕' } });

    await h.publish('certificate', 'certificate.issued', { certificateId: '1.2.156.3005.2.T.X.000001.1.A', caseId: c.id, caseNumber: c.caseNumber, applicationId: app.applicationId, certificateType: 'birth-service-certificate', issuedAt: new Date().toISOString(), signature: 'c2ln', algorithm: 'Ed25519' });
    const done = await waitFor(async () => { const x = await h.svc.ctx.prisma.case.findUnique({ where: { id: c.id } }); return x?.status === 'completed' ? x : null; });
    expect(done.certificateId).toBe('1.2.156.3005.2.T.X.000001.1.A');
    const detail = (await h.svc.app.inject({ method: 'GET', url: `/v1/cases/${c.id}`, headers: { authorization: `Bearer ${clerk}` } })).json();
    expect(detail.history.map((x: { action: string }) => x.action)).toEqual(['receive', 'accept', 'approve', 'certificate_request', 'complete']);
    expect(detail.history[1].actorName).toBe('王受理');
    const events = await outbox('case.transitioned', app.applicationId);
    expect(events.map((e) => e.payload.payload.action)).toEqual(['receive', 'accept', 'approve', 'complete']);
  }, 30_000);

  it('requires a reason to reject', async () => {
    const app = application();
    await h.publish('relay-in-receiver', 'application.submitted', app, 'internet');
    const c = await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }));
    const noReason = await h.svc.app.inject({ method: 'POST', url: `/v1/cases/${c.id}/reject`, headers: { authorization: `Bearer ${clerk}` }, payload: {} });
    expect(noReason.statusCode).toBe(400);
    const ok = await h.svc.app.inject({ method: 'POST', url: `/v1/cases/${c.id}/reject`, headers: { authorization: `Bearer ${clerk}` }, payload: { reason: '非本县户籍，不属于本部门受理范围' } });
    expect(ok.json().status).toBe('rejected');
  }, 20_000);
});
