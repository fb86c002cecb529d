/**
 * E-certificates across both zones, whole platform: an approved 生育登记 issues an SM2-signed
 * 生育服务证 with a PDF; the OUTBOUND lane carries its verification record (PDF attached) to the
 * portal; it verifies valid in the extranet (certificate service) and in the internet (public
 * verification page's API); the holder sees it in 我的证照 and downloads the PDF, whose QR code
 * leads to the portal's verification page; the certificate file checks offline against the keys
 * the exchange publishes; the issuing department revokes it with a reason and both zones then
 * answer "revoked".
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Platform } from '@hall/platform';
import { launchChromium } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';
import { DEMO_CERTIFICATE_TYPES, verifyCertificateFile } from '@hall/ecert';
import { renderFirstPage } from '../../services/certificate/test/pdf-render.js';

const ITEM = '340621-WJW-XZQR-001';
let platform: Platform;

describe('scenario: certificate-lifecycle', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
  }, 180_000);

  describe('e-certificate lifecycle in both zones', () => {
    it("takes its certificate types from the catalog's publications, not from its fallback table", async () => {
      const db = new pg.Client({ connectionString: platform.databaseUrl('certificate') });
      await db.connect();
      try {
        const rows = await eventually('the catalog\'s certificate types in the certificate service', async () => {
          const r = (await db.query<{ code: string; type_code: string; version: number }>('SELECT code, type_code, version FROM certificate_type ORDER BY code')).rows;
          return r.length === Object.keys(DEMO_CERTIFICATE_TYPES).length ? r : null;
        }, 60_000);
        expect(rows.map((r) => r.code)).toEqual(Object.keys(DEMO_CERTIFICATE_TYPES).sort());
        expect(rows.find((r) => r.code === 'birth-service-certificate')).toMatchObject({ type_code: DEMO_CERTIFICATE_TYPES['birth-service-certificate']!.typeCode });
      } finally {
        await db.end();
      }
    }, 90_000);

    it('issues, verifies, delivers, checks offline, revokes — and both zones agree', async () => {
      const portal = platform.url('declaration');
      await eventually('item replica', async () => (await call('GET', `${portal}/v1/items/${ITEM}`)).status === 200);
      const citizen = await login(platform.url('identity-public'), 'zhoumengjie');
      const up = await call('POST', `${portal}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=${encodeURIComponent('结婚证.png')}`, { token: citizen, body: TINY_PNG, contentType: 'image/png' });
      expect(up.status).toBe(201);
      const receipt = await call('POST', `${portal}/v1/applications`, {
        token: citizen, headers: { 'idempotency-key': `ecert-${randomUUID()}` },
        json: { itemCode: ITEM, form: { applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '安徽省亳州市涡阳县义门镇陶庄村', phone: '13800000000' }, materials: [{ materialCode: 'marriage-certificate', materialId: up.body.materialId }] },
      });
      expect(receipt.status).toBe(202);
      const applicationId = receipt.body.applicationId as string;
      const clerk = await login(platform.url('identity-staff'), 'window01');
      const approver = await login(platform.url('identity-staff'), 'approver01');
      const approval = platform.url('approval');
      const kase = await eventually('case in approval', async () => (await call('GET', `${approval}/v1/cases?status=received`, { token: clerk })).body.items?.find((c: { applicationId: string }) => c.applicationId === applicationId));
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/accept`, { token: clerk, json: {} })).status).toBe(200);
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: approver, json: { opinion: '材料齐全，符合条件' } })).status).toBe(200);
      const done = await eventually('certificate id in the portal', async () => {
        const r = await call('GET', `${portal}/v1/applications/${applicationId}`, { token: citizen });
        return r.body.certificateId ? r.body : null;
      }, 60_000);
      const id = done.certificateId as string;
      const certificate = platform.url('certificate');

      // Extranet: valid, SM2 with SM3.
      const x1 = await call('GET', `${certificate}/v1/certificates/${encodeURIComponent(id)}/verify`, { token: approver });
      expect(x1.body).toMatchObject({ status: 'valid', signatureValid: true, algorithm: 'SM2-SM3' });

      // Internet: the verification record arrived over the OUTBOUND lane; public verification (no login) says valid.
      const i1 = await eventually('verification record in the portal', async () => {
        const r = await call('GET', `${portal}/v1/public/certificates/${encodeURIComponent(id)}/verify`);
        return r.status === 200 && r.body.status !== 'unknown' ? r.body : null;
      }, 45_000);
      expect(i1).toMatchObject({ status: 'valid', statusText: '有效', signatureValid: true, typeName: '生育服务证', issuerName: '涡阳县卫生健康委员会', holderName: '周*婕' });
      const wrong = `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;
      const refused = await call('GET', `${portal}/v1/public/certificates/${encodeURIComponent(wrong)}/verify`);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'certificate_id_invalid', title: '证照标识格式或校验位不正确' });

      // The holder's wallet: listed, the PDF downloads, renders, and its QR leads to the portal's verification page.
      const wallet = await call('GET', `${portal}/v1/certificates`, { token: citizen });
      expect(wallet.body.items.map((c: { id: string }) => c.id)).toContain(id);
      const pdf = await fetch(`${portal}/v1/certificates/${encodeURIComponent(id)}/pdf`, { headers: { authorization: `Bearer ${citizen}` } });
      expect(pdf.status).toBe(200);
      const rendered = renderFirstPage(new Uint8Array(await pdf.arrayBuffer()));
      expect(rendered.nonWhiteShare).toBeGreaterThan(0.01);
      // The QR code leads to the portal's public address (PORTAL_PUBLIC_URL: the ingress), not a service's own port.
      expect(rendered.qr).toBe(`${platform.ingress.portal}/verify.html?id=${encodeURIComponent(id)}`);
      const byQr = await call('GET', `${portal}/v1/public/certificates/verify?qr=${encodeURIComponent(rendered.qr!)}`);
      expect(byQr.body).toMatchObject({ id, status: 'valid', signatureValid: true });
      const verifyPage = await fetch(rendered.qr!);
      expect(verifyPage.status).toBe(200);
      expect(await verifyPage.text()).toContain('电子证照核验');
      // Another applicant cannot see it.
      const other = await login(platform.url('identity-public'), 'lisi');
      expect((await call('GET', `${portal}/v1/certificates/${encodeURIComponent(id)}`, { token: other })).status).toBe(404);
      expect((await call('GET', `${portal}/v1/certificates`, { token: other })).body.items.map((c: { id: string }) => c.id)).not.toContain(id);

      // Offline: the certificate file from the wallet and the keys the exchange publishes.
      const detail = await call('GET', `${portal}/v1/certificates/${encodeURIComponent(id)}`, { token: citizen });
      const keys = await call('GET', `${platform.url('exchange')}/v1/certificate-keys`);
      expect(keys.status).toBe(200);
      expect(verifyCertificateFile(detail.body.file, keys.body)).toEqual({ valid: true, reason: 'ok' });
      const tampered = { ...detail.body.file, document: { ...detail.body.file.document, data: { ...detail.body.file.document.data, existingChildren: 1 } } };
      expect(verifyCertificateFile(tampered, keys.body)).toEqual({ valid: false, reason: 'bad_signature' });

      // Revocation by the issuing department, with a reason: revoked in the extranet at once, in the internet after the lane.
      const revoked = await call('POST', `${certificate}/v1/certificates/${encodeURIComponent(id)}/revoke`, { token: approver, json: { reason: '当事人申请注销' } });
      expect(revoked.status).toBe(200);
      expect((await call('GET', `${certificate}/v1/certificates/${encodeURIComponent(id)}/verify`, { token: approver })).body).toMatchObject({ status: 'revoked', revocationReason: '当事人申请注销' });
      const i2 = await eventually('revocation in the portal', async () => {
        const r = await call('GET', `${portal}/v1/public/certificates/${encodeURIComponent(id)}/verify`);
        return r.body.status === 'revoked' ? r.body : null;
      }, 45_000);
      expect(i2).toMatchObject({ status: 'revoked', statusText: '已注销', revocationReason: '当事人申请注销' });
      const walletAfter = await call('GET', `${portal}/v1/certificates`, { token: citizen });
      expect(walletAfter.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ status: 'revoked', revocationReason: '当事人申请注销' });
  
      // In a real browser on a phone-sized screen: the QR's page shows the revocation; the wallet lists it; a mistyped identifier is refused.
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
        await page.goto(rendered.qr!);
        await page.waitForSelector('#verify-status[data-status="revoked"]');
        expect(await page.textContent('#verify-status')).toContain('已注销');
        expect(await page.textContent('#verify-reason')).toBe('当事人申请注销');
        await page.fill('#cert-id', wrong);
        await page.press('#cert-id', 'Enter');
        await page.waitForSelector('#verify-error');
        expect(await page.textContent('#verify-error')).toContain('证照标识格式或校验位不正确');

        // Signing in needs the identity realm behind the zone's ingress (/auth/), as a citizen would reach the portal.
        const site = platform.ingress.portal;
        await page.goto(`${site}/#/login`);
        await page.fill('#username', 'zhoumengjie');
        await page.fill('#password', 'Hall#2026');
        await page.click('button[type=submit]');
        await page.waitForSelector('#who:has-text("周梦婕")');
        await page.goto(`${site}/wallet.html`);
        await page.waitForSelector(`#wallet-list li[data-id="${id}"]`);
        expect(await page.textContent(`#wallet-list li[data-id="${id}"]`)).toContain('已注销');
      } finally {
        await browser.close();
      }
    }, 240_000);
  });
});
