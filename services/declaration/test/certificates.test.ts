/**
 * E-certificates in the internet zone, from the records the OUTBOUND lane carries: public
 * verification by identifier and QR (with a fresh signature check), the holder's wallet and PDF,
 * nothing for another applicant, revocation shown with its reason, tampering detected.
 */
import { randomUUID, createHash } from 'node:crypto';
import { buildMessage, canonicalJson } from '@hall/contracts';
import { connectNats, createPublisher } from '@hall/messaging';
import { createLogger } from '@hall/logging';
import { generateKeyPair, signBytes, certificateIdentifier } from '@hall/ecert';
import { startDeclaration, waitFor, ITEM, type Harness } from './helpers.js';

let h: Harness;
let publish: (type: 'certificate.record' | 'certificate.revoked', payload: unknown, attachments?: unknown[]) => Promise<void>;
let closeNc: () => Promise<void>;
beforeAll(async () => {
  h = await startDeclaration();
  const creds = h.env.nats.users['relay-out-receiver']!;
  const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 'test-relay-certs', logger: createLogger({ service: 'test', level: 'silent' }) });
  const pub = createPublisher(nc, { timeoutMs: 30_000 }); // generous: CI runs this next to the whole-platform suites
  publish = async (type, payload, attachments) => { await pub.publish(buildMessage(type, { zone: 'extranet', correlationId: 'c', payload: payload as never, ...(attachments ? { attachments: attachments as never } : {}) })); };
  closeNc = () => nc.close();
}, 60_000);
afterAll(async () => { await closeNc?.(); await h?.close(); }, 30_000);

const key = generateKeyPair('SM2-SM3');
let serial = Math.floor(Math.random() * 900_000);
const holder = randomUUID();
const token = (sub: string, name: string) => ({ authorization: `Bearer ${h.env.token({ sub, realm: 'public', name })}` });
const get = (url: string, headers: Record<string, string> = {}) => h.svc.app.inject({ method: 'GET', url, headers });

async function record(opts: { tamper?: boolean; pdf?: Buffer; validUntil?: string } = {}) {
  const id = certificateIdentifier('11100000000017', '11341621003000001X', ++serial);
  const issuer = { department: 'gy-wjw', name: '涡阳县卫生健康委员会', creditCode: '11341621003000001X' };
  const document = { id, type: 'birth-service-certificate', typeName: '生育服务证', issuer, holder: { accountId: holder, name: '周梦婕' }, data: { applicantName: '周梦婕' }, issuedAt: new Date().toISOString(), ...(opts.validUntil ? { validUntil: opts.validUntil } : {}) };
  const signature = signBytes('SM2-SM3', Buffer.from(canonicalJson(document)), key.privateKey, key.publicKey);
  let attachments: unknown[] | undefined;
  let pdfKey: string | undefined;
  if (opts.pdf) {
    // As the lane does: the file is in the internet store before the message is published.
    pdfKey = `certificates/${id}.pdf`;
    const put = await h.svc.ctx.store!.put(pdfKey, opts.pdf, { contentType: 'application/pdf' });
    attachments = [{ key: pdfKey, sha256: put.sha256, size: put.size, contentType: 'application/pdf' }];
  }
  await publish('certificate.record', {
    certificateId: id, certificateType: 'birth-service-certificate', typeName: '生育服务证', holder: { accountId: holder, name: '周梦婕' }, issuer, issuedAt: document.issuedAt, ...(opts.validUntil ? { validUntil: opts.validUntil } : {}),
    document: opts.tamper ? { ...document, data: { applicantName: '周梦杰' } } : document, signature, algorithm: 'SM2-SM3',
    key: { kid: 'gy-wjw-test', algorithm: 'SM2-SM3', publicKey: key.publicKey }, sha256: createHash('sha256').update(canonicalJson(document)).digest('hex'), ...(pdfKey ? { pdfKey } : {}),
  }, attachments);
  await waitFor(() => h.svc.ctx.prisma.certificateRecord.findUnique({ where: { id } }));
  return id;
}

describe('certificates in the portal', () => {
  it('should verify publicly by identifier and by QR, with the holder masked, then show the revocation with its reason', async () => {
    const id = await record();
    const r = await get(`/v1/public/certificates/${encodeURIComponent(id)}/verify`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id, status: 'valid', statusText: '有效', signatureValid: true, holderName: '周*婕', typeName: '生育服务证', algorithm: 'SM2-SM3' });
    expect(r.body).not.toContain('周梦婕');
    const qr = await get(`/v1/public/certificates/verify?qr=${encodeURIComponent(`http://portal/verify.html?id=${encodeURIComponent(id)}`)}`);
    expect(qr.json()).toMatchObject({ id, status: 'valid', signatureValid: true });

    await publish('certificate.revoked', { certificateId: id, reason: '当事人申请注销', revokedAt: new Date().toISOString() });
    const revoked = await waitFor(async () => { const v = (await get(`/v1/public/certificates/${encodeURIComponent(id)}/verify`)).json(); return v.status === 'revoked' && v; });
    expect(revoked).toMatchObject({ statusText: '已注销', revocationReason: '当事人申请注销', signatureValid: true });
  });

  it('should refuse a wrong check character before lookup, answer unknown for a well-formed unknown identifier', async () => {
    const id = certificateIdentifier('11100000000017', '11341621003000001X', 999_999);
    const wrong = `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;
    const bad = await get(`/v1/public/certificates/${encodeURIComponent(wrong)}/verify`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.json()).toMatchObject({ code: 'certificate_id_invalid', title: '证照标识格式或校验位不正确' });
    expect((await get(`/v1/public/certificates/${encodeURIComponent(id)}/verify`)).json()).toMatchObject({ status: 'unknown', signatureValid: false });
  });

  it('should answer expired after the signed validity, in the portal too', async () => {
    const id = await record({ validUntil: new Date(Date.now() - 60_000).toISOString() });
    expect((await get(`/v1/public/certificates/${encodeURIComponent(id)}/verify`)).json()).toMatchObject({ status: 'expired', statusText: '已过期', signatureValid: true });
    const later = await record({ validUntil: new Date(Date.now() + 86_400_000).toISOString() });
    expect((await get(`/v1/public/certificates/${encodeURIComponent(later)}/verify`)).json()).toMatchObject({ status: 'valid', signatureValid: true });
  });

  it('should report a bad signature for a record whose data was changed', async () => {
    const id = await record({ tamper: true });
    expect((await get(`/v1/public/certificates/${encodeURIComponent(id)}/verify`)).json()).toMatchObject({ status: 'valid', signatureValid: false });
  });

  it("should list the holder's certificates and serve the PDF to the holder only", async () => {
    const pdf = Buffer.from('%PDF-1.4\n% test certificate\n');
    const id = await record({ pdf });
    const mine = await get('/v1/certificates', token(holder, '周梦婕'));
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items.find((c: { id: string }) => c.id === id)).toMatchObject({ typeName: '生育服务证', status: 'valid', hasPdf: true });
    const file = await get(`/v1/certificates/${encodeURIComponent(id)}/pdf`, token(holder, '周梦婕'));
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(pdf)).toBe(true);
    // Saved under the certificate's Chinese name, not its long identifier (issue 21).
    const disposition = String(file.headers['content-disposition']);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)![1]!)).toBe('生育服务证-周梦婕.pdf');
    expect(disposition).not.toContain(id);
    const detail = (await get(`/v1/certificates/${encodeURIComponent(id)}`, token(holder, '周梦婕'))).json();
    expect(detail).toMatchObject({ signatureValid: true, file: { format: 'hall-e-certificate/1', algorithm: 'SM2-SM3', keyId: 'gy-wjw-test' } });

    const stranger = token(randomUUID(), '李四');
    expect((await get(`/v1/certificates/${encodeURIComponent(id)}`, stranger)).statusCode).toBe(404);
    expect((await get(`/v1/certificates/${encodeURIComponent(id)}/pdf`, stranger)).statusCode).toBe(404);
    expect((await get('/v1/certificates', stranger)).json().items).toEqual([]);
    expect((await get('/v1/certificates')).statusCode).toBe(401);
  });

  it('should accept a valid own certificate instead of an upload (免提交) and send the reference, no file', async () => {
    const item = { ...ITEM, code: `T-REUSE-${randomUUID().slice(0, 8)}`, publishedAt: new Date().toISOString(), materials: [
      { code: 'birth-service', name: '生育服务证', required: true, allowedTypes: ['image/png', 'application/pdf'], maxSizeBytes: 4096, eCertificateType: 'birth-service-certificate' },
      { code: 'id-card', name: '身份证', required: false, allowedTypes: ['image/png'], maxSizeBytes: 4096 },
    ] };
    await h.publishOutbound('catalog.item.published', item);
    await waitFor(async () => (await get(`/v1/items/${item.code}`)).statusCode === 200);
    const id = await record();
    const submit = (materials: unknown[], who = token(holder, '周梦婕')) => h.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { ...who, 'idempotency-key': randomUUID() }, payload: { itemCode: item.code, form: { name: '周梦婕', phone: '13800000000' }, materials } });

    const ok = await submit([{ materialCode: 'birth-service', certificateId: id }]);
    expect(ok.statusCode).toBe(202);
    const rows = await h.svc.ctx.prisma.$queryRawUnsafe<{ payload: any }[]>("SELECT payload FROM outbox WHERE type = 'application.submitted' AND correlation_id = $1", ok.json().applicationId);
    expect(rows[0]!.payload.payload.certificates).toEqual([{ materialCode: 'birth-service', certificateId: id }]);
    expect(rows[0]!.payload.payload.materials).toEqual([]);
    expect(rows[0]!.payload.attachments ?? []).toEqual([]);

    // Not the holder's, not a material that takes a certificate, mistyped, revoked: refused with stable codes.
    const stranger = await submit([{ materialCode: 'birth-service', certificateId: id }], token(randomUUID(), '李四'));
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json()).toMatchObject({ code: 'certificate_not_found', title: '所选电子证照不存在' });
    expect((await submit([{ materialCode: 'id-card', certificateId: id }])).json().code).toBe('certificate_not_accepted');
    expect((await submit([{ materialCode: 'birth-service', certificateId: `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}` }])).json().code).toBe('certificate_id_invalid');
    expect((await submit([])).json().code).toBe('materials_missing');
    await publish('certificate.revoked', { certificateId: id, reason: '测试注销', revokedAt: new Date().toISOString() });
    await waitFor(async () => (await h.svc.ctx.prisma.certificateRecord.findUnique({ where: { id } }))?.status === 'revoked');
    const revoked = await submit([{ materialCode: 'birth-service', certificateId: id }]);
    expect(revoked.statusCode).toBe(400);
    expect(revoked.json()).toMatchObject({ code: 'certificate_not_valid', title: '所选电子证照已注销，不能使用' });
  });
});
