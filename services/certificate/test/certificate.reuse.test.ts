/**
 * 免提交: a submission offering e-certificates instead of materials is checked here — own, valid,
 * well-signed certificates are verified for approval; another holder's, a revoked one, an unknown
 * one and a wrong check character are refused with a reason, and nothing of another holder's
 * certificate is passed on.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { connectNats, createPublisher } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { certificateIdentifier } from '@hall/ecert';
import { startCertificate, certificateRequest, waitFor, type Harness } from './helpers.js';

let h: Harness;
let submit: (applicant: string, certificates: { materialCode: string; certificateId: string }[]) => Promise<string>;
let closeNc: () => Promise<void>;
beforeAll(async () => {
  h = await startCertificate();
  const c = h.env.nats.users['relay-in-receiver']!;
  const nc = await connectNats({ servers: h.env.nats.url, user: c.user, pass: c.pass, name: 'test-relay-in', logger: createLogger({ service: 't', level: 'silent' }) });
  // A generous ack timeout: in CI this file runs next to the whole-platform suites on two cores.
  const pub = createPublisher(nc, { timeoutMs: 30_000 });
  closeNc = () => nc.close();
  submit = async (applicant, certificates) => {
    const applicationId = randomUUID();
    await pub.publish(buildMessage('application.submitted', {
      zone: 'internet', correlationId: applicationId,
      payload: { applicationId, receiptNo: 'SB2026112700000001', itemCode: '340621-WJW-XZQR-001', itemVersion: 1, applicant: { accountId: applicant, name: '周梦婕', kind: 'person' }, form: {}, materials: [], certificates, submittedAt: new Date().toISOString() },
    }));
    return applicationId;
  };
}, 60_000);
afterAll(async () => { await closeNc?.(); await h?.close(); }, 30_000);

const issue = async (holderId: string) => {
  const req = certificateRequest({ certificateType: 'marriage-certificate', department: 'gy-mzj', holder: { accountId: holderId, name: '周梦婕' }, data: { applicantName: '周梦婕', spouseName: '陶志强' } });
  await h.request(req);
  return waitFor(() => h.svc.ctx.prisma.certificate.findUnique({ where: { caseId: req.caseId } }), 60_000);
};
const checks = (applicationId: string, n: number) => waitFor(async () => {
  const rows = await h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any; subject: string }[]>("SELECT payload, subject FROM outbox WHERE type = 'certificate.reuse.checked' AND correlation_id = $1 ORDER BY seq", applicationId);
  return rows.length === n && rows;
}, 60_000);

describe('certificate reuse (免提交)', () => {
  it("should verify the applicant's own valid certificate and pass its signed document on", async () => {
    const holder = randomUUID();
    const cert = await issue(holder);
    const applicationId = await submit(holder, [{ materialCode: 'marriage-certificate', certificateId: cert.id }]);
    const [row] = await checks(applicationId, 1);
    expect(row!.subject).toBe('hall.x.certificate.reuse.checked');
    expect(row!.payload.payload).toMatchObject({
      applicationId, materialCode: 'marriage-certificate', certificateId: cert.id, verified: true, status: 'valid', signatureValid: true,
      certificateType: 'marriage-certificate', typeName: '结婚证', issuerName: '涡阳县民政局', document: { id: cert.id, holder: { accountId: holder } },
    });
  }, 120_000);

  it("should refuse another holder's, a revoked, an unknown and a mistyped certificate, with reasons", async () => {
    const holder = randomUUID();
    const others = await issue(randomUUID());
    const revoked = await issue(holder);
    await h.svc.ctx.prisma.certificate.update({ where: { id: revoked.id }, data: { status: 'revoked', revokedAt: new Date(), revocationReason: '测试注销' } });
    const unknown = certificateIdentifier('11100000000013', '11341621003000002T', 999_998);
    const mistyped = `${revoked.id.slice(0, -1)}${revoked.id.endsWith('0') ? '1' : '0'}`;
    const applicationId = await submit(holder, [
      { materialCode: 'a', certificateId: others.id }, { materialCode: 'b', certificateId: revoked.id }, { materialCode: 'c', certificateId: unknown }, { materialCode: 'd', certificateId: mistyped },
    ]);
    const rows = (await checks(applicationId, 4)).map((r) => r.payload.payload);
    expect(rows.map((r) => [r.materialCode, r.verified, r.reason, r.status])).toEqual([
      ['a', false, '电子证照不属于申请人', 'valid'], ['b', false, '电子证照已注销', 'revoked'], ['c', false, '电子证照不存在', 'unknown'], ['d', false, '证照标识格式或校验位不正确', 'unknown'],
    ]);
    // Nothing of another holder's certificate goes into this applicant's case.
    expect(rows[0].document).toBeUndefined();
    expect(rows[0].typeName).toBeUndefined();
  }, 150_000);
});
