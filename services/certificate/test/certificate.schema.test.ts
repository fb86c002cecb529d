/** The type's data schema is enforced at issuance: conforming data is signed, other data is refused (recorded, audited, acknowledged), never signed. */
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
const staffOf = (department: string) => ({ authorization: `Bearer ${h.env.token({ sub: `clerk-${department}`, name: '王核验', roles: ['staff'], department })}` });
beforeAll(async () => { h = await startCertificate(); }, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const outcome = (caseId: string, department = 'gy-wjw') => h.svc.app.inject({ method: 'GET', url: `/v1/certificate-requests/${caseId}`, headers: staffOf(department) });
const outboxOf = (applicationId: string) => h.svc.ctx.prisma.$queryRawUnsafe<{ type: string }[]>('SELECT type FROM outbox WHERE correlation_id = $1', applicationId);
const refusalAudits = (caseId: string) => h.svc.ctx.prisma.auditEntry.findMany({ where: { action: 'certificate.refuse', target: caseId } });
/** The durable consumer's state on stream X, over the JetStream API. */
const consumerInfo = async () => (await h.svc.ctx.nc.request('$JS.API.CONSUMER.INFO.X.certificate', '', { timeout: 5000 })).json<{ num_ack_pending: number; num_redelivered: number; num_pending: number }>();

describe('certificate data schema', () => {
  it('should issue when the data conforms to the type schema, and say so through the API', async () => {
    const req = certificateRequest({ data: { applicantName: '周梦婕', spouseName: '陶志强', existingChildren: 0, address: '安徽省亳州市涡阳县义门镇陶庄村' } });
    const id = await h.request(req);
    await h.handled(id);
    const cert = await waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }));
    expect(cert.data).toEqual(req.data);
    const r = await outcome(req.caseId);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ caseId: req.caseId, status: 'issued', certificateId: cert.id, certificateType: 'birth-service-certificate' });
    expect(await refusalAudits(req.caseId)).toHaveLength(0);
  });

  it.each([
    ['an integer field of the wrong type', certificateRequest({ data: { applicantName: '周梦婕', existingChildren: '两个' } }), { instancePath: '/existingChildren', keyword: 'type' }],
    ['a required field missing', certificateRequest({ certificateType: 'marriage-certificate', department: 'gy-mzj', data: { applicantName: '周梦婕' } }), { instancePath: '', keyword: 'required', params: { missingProperty: 'spouseName' } }],
  ])('should refuse, record and acknowledge a request with %s, signing nothing', async (_what, req, expected) => {
    const messageId = await h.request(req);
    // The refusal commits with the inbox row: the request is handled (and acknowledged), not retried.
    await h.handled(messageId);
    expect(await h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } })).toBeNull();
    // Nothing issued; certificate.failed tells approval (制证失败 on the case) and supervision.
    expect(await outboxOf(req.applicationId)).toEqual([{ type: 'certificate.failed' }]);
    const refusal = await h.svc.ctx.prisma.certificateRefusal.findUniqueOrThrow({ where: { caseId: req.caseId } });
    expect(refusal).toMatchObject({ caseNumber: req.caseNumber, type: req.certificateType, department: req.department, code: 'data_invalid' });
    expect(refusal.errors).toEqual(expect.arrayContaining([expect.objectContaining(expected)]));
    const audits = await refusalAudits(req.caseId);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: 'system', detail: { caseNumber: req.caseNumber, certificateType: req.certificateType, errors: expect.arrayContaining([expect.objectContaining(expected)]) } });

    // The department's staff see the refusal; another department does not.
    const r = await outcome(req.caseId, req.department);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ caseId: req.caseId, status: 'refused', reason: expect.stringContaining('未签发'), errors: expect.arrayContaining([expect.objectContaining(expected)]) });
    const other = await outcome(req.caseId, req.department === 'gy-wjw' ? 'gy-mzj' : 'gy-wjw');
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('certificate_request_not_found');

    // Acknowledged: nothing left pending on the consumer, and no further delivery re-audits or signs it.
    // An acknowledged message is never delivered again; to see the consumer carry on past it, a later
    // request is handled and acknowledged before the checks (instead of a sleep).
    const settled = async () => { const c = await consumerInfo(); return c.num_ack_pending === 0 && c.num_pending === 0; };
    await waitFor(settled, { what: 'the certificate consumer to have acknowledged the refused request' });
    await h.handled(await h.request(certificateRequest()));
    await waitFor(settled, { what: 'the certificate consumer to have acknowledged a later request' });
    expect(await refusalAudits(req.caseId)).toHaveLength(1);
    expect((await consumerInfo()).num_ack_pending).toBe(0);
    expect(await h.svc.ctx.prisma.certificate.count({ where: { caseId: req.caseId } })).toBe(0);
  });

  it('should answer 404 for a case it never saw and 400 for a malformed case id', async () => {
    expect((await outcome('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const bad = await outcome('not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
