/**
 * The golden path, whole platform, every process real: catalog publishes 生育登记 → OUTBOUND lane →
 * portal replica; 周梦婕 logs in, uploads her 结婚证 and submits; INBOUND lane carries it with the
 * file; approval creates the case; the window clerk accepts, the approver approves; certificate
 * issues a signed 生育服务证; status and notice flow back; she sees 已办结 with the certificate id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Client as MinioClient } from 'minio';
import type { Platform } from '@hall/platform';
import { sharedPlatform } from '../src/platform.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';

const ITEM = '340621-WJW-XZQR-001';
let platform: Platform;

describe('scenario: golden-path', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
  }, 180_000);


  describe('golden path across both zones', () => {
    it('takes one application from the portal to a completed case with a signed certificate', async () => {
      const portal = platform.url('declaration');

      // 1. The published item reaches the internet replica through the OUTBOUND lane.
      const item = await eventually('item replica', async () => {
        const r = await call('GET', `${portal}/v1/items/${ITEM}`);
        return r.status === 200 ? r.body : null;
      });
      expect(item.name).toBe('生育登记（生育服务证办理）');
      expect(item.materials.map((m: { code: string }) => m.code)).toContain('marriage-certificate');

      // 2. The applicant logs in (public realm), uploads a material and submits with an Idempotency-Key.
      const citizen = await login(platform.url('identity-public'), 'zhoumengjie');
      const up = await call('POST', `${portal}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=${encodeURIComponent('结婚证.png')}`, { token: citizen, body: TINY_PNG, contentType: 'image/png' });
      expect(up.status).toBe(201);
      expect(up.body.sha256).toBe(createHash('sha256').update(TINY_PNG).digest('hex'));
      const submission = {
        itemCode: ITEM,
        form: { applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '安徽省亳州市涡阳县义门镇陶庄村', phone: '13800000000' },
        materials: [{ materialCode: 'marriage-certificate', materialId: up.body.materialId }],
      };
      const key = `e2e-${randomUUID()}`;
      const receipt = await call('POST', `${portal}/v1/applications`, { token: citizen, json: submission, headers: { 'idempotency-key': key } });
      expect(receipt.status).toBe(202);
      expect(receipt.body.receiptNo).toMatch(/^SB\d{8}\d{8}$/);
      const again = await call('POST', `${portal}/v1/applications`, { token: citizen, json: submission, headers: { 'idempotency-key': key } });
      expect(again.status).toBe(202);
      expect(again.body.applicationId).toBe(receipt.body.applicationId);
      const applicationId = receipt.body.applicationId as string;

      // 3. Approval creates a case (INBOUND lane) and the clerk of the item's department sees it.
      const clerk = await login(platform.url('identity-staff'), 'window01');
      const approver = await login(platform.url('identity-staff'), 'approver01');
      const approval = platform.url('approval');
      const kase = await eventually('case in approval', async () => {
        const r = await call('GET', `${approval}/v1/cases?status=received`, { token: clerk });
        return r.body.items?.find((c: { applicationId: string }) => c.applicationId === applicationId);
      });
      expect(kase.caseNumber).toMatch(/^GY-WJW-\d{8}-\d{6}$/);
      expect(kase.applicantName).toBe('周梦婕');

      // The material crossed with the application: it is in the extranet store, byte for byte.
      const detail = await call('GET', `${approval}/v1/cases/${kase.caseId}`, { token: clerk });
      const material = detail.body.materials[0];
      const x = platform.s3.extranet;
      const u = new URL(x.endpoint);
      const minio = new MinioClient({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: x.accessKey, secretKey: x.secretKey });
      const chunks: Buffer[] = [];
      for await (const c of await minio.getObject('hall-materials', material.objectKey)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(TINY_PNG)).toBe(true);

      // 4. Accept (受理) by the window clerk, approve by the approver; the clerk may not approve.
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/accept`, { token: clerk, json: {} })).status).toBe(200);
      const wrongPosition = await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: clerk, json: {} });
      expect(wrongPosition.status).toBe(403);
      const approved = await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: approver, json: { opinion: '材料齐全，符合条件' } });
      expect(approved.status).toBe(200);

      // 5. Certificate issued, case completed, status and notice back in the internet zone.
      const done = await eventually('completed application', async () => {
        const r = await call('GET', `${portal}/v1/applications/${applicationId}`, { token: citizen });
        return r.body.status === 'completed' && r.body.certificateId ? r.body : null;
      }, 45_000);
      expect(done.statusText).toBe('已办结');
      expect(done.caseNumber).toBe(kase.caseNumber);
      expect(done.certificateId).toMatch(/^1\.2\.156\.3005\.2\.11100000000017\.11341621003000001X\.\d{6}\.1\.[0-9A-Z]$/);
      const statuses = done.timeline.map((t: { status: string }) => t.status);
      expect(statuses).toEqual(expect.arrayContaining(['submitted', 'received', 'accepted', 'approved', 'completed', 'certificate_issued']));

      // 6. The certificate verifies with its department's key.
      const verified = await call('GET', `${platform.url('certificate')}/v1/certificates/${encodeURIComponent(done.certificateId)}/verify`, { token: approver });
      expect(verified.body).toMatchObject({ status: 'valid', signatureValid: true });
      expect(verified.body.document.holder.name).toBe('周梦婕');

      // 7. Supervision saw every stage of the case.
      const supervisor = await login(platform.url('identity-staff'), 'supervisor01');
      const timeline = await eventually('supervision timeline', async () => {
        const r = await call('GET', `${platform.url('supervision')}/v1/cases/${kase.caseNumber}/timeline`, { token: supervisor });
        const stages = (r.body.events ?? []).map((e: { stage: string | null }) => e.stage);
        return stages.includes('办结') ? stages : null;
      });
      expect(timeline).toEqual(expect.arrayContaining(['网上受理', '受理', '审批过程', '办结']));
    }, 150_000);

    it('rejects an internet-zone token in the extranet and the other way round', async () => {
      const citizen = await login(platform.url('identity-public'), 'zhoumengjie');
      const clerk = await login(platform.url('identity-staff'), 'window01');
      expect((await call('GET', `${platform.url('approval')}/v1/cases`, { token: citizen })).status).toBe(401);
      expect((await call('GET', `${platform.url('declaration')}/v1/applications`, { token: clerk })).status).toBe(401);
      expect((await call('GET', `${platform.url('declaration')}/v1/applications`, { token: citizen })).status).toBe(200);
    }, 30_000);

    it('shows an applicant only their own applications', async () => {
      const other = await login(platform.url('identity-public'), 'lisi');
      const mine = await call('GET', `${platform.url('declaration')}/v1/applications`, { token: await login(platform.url('identity-public'), 'zhoumengjie') });
      expect(mine.body.total).toBeGreaterThan(0);
      const id = mine.body.items[0].applicationId;
      expect((await call('GET', `${platform.url('declaration')}/v1/applications/${id}`, { token: other })).status).toBe(404);
      expect((await call('GET', `${platform.url('declaration')}/v1/applications`, { token: other })).body.total).toBe(0);
    }, 30_000);
  });
});
