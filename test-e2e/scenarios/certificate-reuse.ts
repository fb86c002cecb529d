/**
 * 免提交, whole platform: 周梦婕 gets her 生育服务证 through the golden path (upload, accept,
 * approve, certificate issued, record carried outbound); a second item whose material may be
 * replaced by that certificate type is published; she applies for it picking the certificate from
 * her wallet — no upload at all; the extranet verifies the certificate (valid, hers) and the case
 * receives it as its material, with the certificate's PDF for the clerk to open.
 */
import { randomUUID } from 'node:crypto';
import type { Platform } from '@hall/platform';
import { launchChromium } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { catalogAdminToken as createCatalogAdmin } from '../src/catalog-admin.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';
import { BIRTH_REGISTRATION } from '../../services/catalog/src/demo-items.js';

const ITEM = '340621-WJW-XZQR-001';
const REUSE_ITEM = 'E2E-WJW-REUSE-001';
let platform: Platform;

describe('scenario: certificate-reuse', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
  }, 180_000);

  /** 卫健委's catalog administrator, created once by the system administrator. */
  let catalogAdminPromise: Promise<string> | undefined;
  const catalogAdminToken = () => (catalogAdminPromise ??= createCatalogAdmin(platform));

  describe('certificate reuse (免提交)', () => {
    it('reuses the certificate of a first application in a second one without any upload', async () => {
      const portal = platform.url('declaration');
      const approval = platform.url('approval');
      await eventually('item replica', async () => (await call('GET', `${portal}/v1/items/${ITEM}`)).status === 200);

      // 1. First application, the golden path: a 生育服务证 for 周梦婕.
      const citizen = await login(platform.url('identity-public'), 'zhoumengjie');
      const up = await call('POST', `${portal}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=${encodeURIComponent('结婚证.png')}`, { token: citizen, body: TINY_PNG, contentType: 'image/png' });
      expect(up.status).toBe(201);
      const first = await call('POST', `${portal}/v1/applications`, {
        token: citizen, headers: { 'idempotency-key': `reuse-1-${randomUUID()}` },
        json: { itemCode: ITEM, form: { applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '安徽省亳州市涡阳县义门镇陶庄村', phone: '13800000000' }, materials: [{ materialCode: 'marriage-certificate', materialId: up.body.materialId }] },
      });
      expect(first.status).toBe(202);
      const clerk = await login(platform.url('identity-staff'), 'window01');
      const approver = await login(platform.url('identity-staff'), 'approver01');
      const case1 = await eventually('first case', async () => (await call('GET', `${approval}/v1/cases?status=received`, { token: clerk })).body.items?.find((c: { applicationId: string }) => c.applicationId === first.body.applicationId));
      expect((await call('POST', `${approval}/v1/cases/${case1.caseId}/accept`, { token: clerk, json: {} })).status).toBe(200);
      expect((await call('POST', `${approval}/v1/cases/${case1.caseId}/approve`, { token: approver, json: { opinion: '材料齐全，符合条件' } })).status).toBe(200);
      const certificate = await eventually('certificate in the wallet', async () => {
        const r = await call('GET', `${portal}/v1/certificates`, { token: citizen });
        return r.body.items?.find((c: { type: string; status: string }) => c.type === 'birth-service-certificate' && c.status === 'valid');
      }, 90_000);

      // 2. An item whose material may be replaced by a 生育服务证, published by a catalog administrator.
      const catalogAdmin = await catalogAdminToken();
      const { version: _v, certificateType: _c, ...base } = BIRTH_REGISTRATION;
      const draft = await call('POST', `${platform.url('catalog')}/v1/items`, {
        token: catalogAdmin,
        json: {
          ...base, code: REUSE_ITEM, implementationCode: '11341621003175082A4340621099', name: '生育津贴申领（电子证照免提交）', keywords: ['生育津贴'],
          materials: [{ code: 'birth-service', name: '生育服务证', required: true, allowedTypes: ['application/pdf'], maxSizeBytes: 10 * 1024 * 1024, form: 'electronic', eCertificateType: 'birth-service-certificate' }],
        },
      });
      expect(draft.status).toBe(201);
      expect((await call('POST', `${platform.url('catalog')}/v1/items/${REUSE_ITEM}/versions/${draft.body.version}/publish`, { token: catalogAdmin, json: {} })).status).toBe(200);
      await eventually('reuse item replica', async () => (await call('GET', `${portal}/v1/items/${REUSE_ITEM}`)).status === 200, 45_000);

      // 3. The second application, in a real browser: she picks the certificate in the apply form instead of uploading.
      const browser = await launchChromium();
      let applicationId: string;
      try {
        const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
        const site = platform.ingress.portal;
        // After signing in the portal goes on to the apply form (its `next`).
        await page.goto(`${site}/#/login?next=${encodeURIComponent(`#/apply/${REUSE_ITEM}`)}`);
        await page.fill('#username', 'zhoumengjie');
        await page.fill('#password', 'Hall#2026');
        await page.click('button[type=submit]');
        await page.waitForSelector(`#c-birth-service option[value="${certificate.id}"]`, { state: 'attached' });
        for (const [field, value] of Object.entries({ applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: '1', address: '安徽省亳州市涡阳县义门镇陶庄村', phone: '13800000000' })) await page.fill(`#f-${field}`, value);
        await page.selectOption('#c-birth-service', certificate.id);
        await page.click('#apply button[type=submit]');
        await page.waitForSelector('#receipt-no');
        applicationId = /#\/receipt\/([0-9a-f-]{36})/.exec(page.url())![1]!;
      } finally {
        await browser.close();
      }
      const second = { body: { applicationId } };

      // 4. The case receives the verified certificate as its material, with the certificate's PDF.
      const case2 = await eventually('second case', async () => (await call('GET', `${approval}/v1/cases?status=received`, { token: clerk })).body.items?.find((c: { applicationId: string }) => c.applicationId === second.body.applicationId), 45_000);
      const detail = await eventually('certificate attached to the case', async () => {
        const r = await call('GET', `${approval}/v1/cases/${case2.caseId}`, { token: clerk });
        return r.body.materials?.length ? r.body : null;
      }, 45_000);
      expect(detail.materials).toHaveLength(1);
      expect(detail.materials[0]).toMatchObject({
        materialCode: 'birth-service', source: 'e-certificate', certificateId: certificate.id, contentType: 'application/pdf',
        certificate: { verified: true, status: 'valid', signatureValid: true, typeName: '生育服务证', issuerName: '涡阳县卫生健康委员会', document: { holder: { name: '周梦婕' } } },
      });
      const pdf = await fetch(`${approval}/v1/cases/${case2.caseId}/materials/0`, { headers: { authorization: `Bearer ${clerk}` } });
      expect(pdf.status).toBe(200);
      expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    }, 300_000);

    it("shows a legal person's certificate to its handler and legal representative, and to no one else", async () => {
      const portal = platform.url('declaration');
      const approval = platform.url('approval');
      const code = 'E2E-WJW-CLINIC-001';
      // An item of 卫健委 issuing a 医疗机构执业许可证 (a legal person's certificate).
      const catalogAdmin = await catalogAdminToken();
      // The type is 珠海卫健局's in the demo catalog; issuers are catalog data, so the catalog admin
      // lets 涡阳卫健委 issue it too (without this its certificate would be refused: issuer_not_allowed).
      const type = await call('GET', `${platform.url('catalog')}/v1/certificate-types/medical-institution-license`, { token: catalogAdmin });
      expect(type.status).toBe(200);
      const { version: _tv, updatedAt: _tu, code: _tc, ...typeInput } = type.body;
      const widened = await call('PUT', `${platform.url('catalog')}/v1/certificate-types/medical-institution-license`, {
        token: catalogAdmin, json: { ...typeInput, issuers: [...new Set([...(type.body.issuers as string[]), 'gy-wjw'])] },
      });
      expect(widened.status).toBe(200);
      const { version: _v, ...base } = BIRTH_REGISTRATION;
      const draft = await call('POST', `${platform.url('catalog')}/v1/items`, {
        token: catalogAdmin,
        json: {
          ...base, code, implementationCode: '11341621003175082A4340621098', name: '诊所执业登记（测试）', keywords: ['诊所'], certificateType: 'medical-institution-license',
          materials: [{ code: 'application-form', name: '执业登记申请书', required: true, allowedTypes: ['image/png', 'application/pdf'], maxSizeBytes: 10 * 1024 * 1024, form: 'original' }],
        },
      });
      expect(draft.status).toBe(201);
      expect((await call('POST', `${platform.url('catalog')}/v1/items/${code}/versions/${draft.body.version}/publish`, { token: catalogAdmin, json: {} })).status).toBe(200);
      await eventually('clinic item replica', async () => (await call('GET', `${portal}/v1/items/${code}`)).status === 200, 45_000);

      // 陈静, the company's handler (经办人), applies for the company.
      const handler = await login(platform.url('identity-public'), 'chenjing');
      const reps = await call('GET', `${platform.url('identity-public')}/v1/representations`, { token: handler });
      const company = reps.body.items.find((r: { relation: string }) => r.relation === 'handler');
      expect(company).toBeDefined();
      const forCompany = { 'x-on-behalf-of': company.partyId as string };
      const up = await call('POST', `${portal}/v1/materials?itemCode=${code}&materialCode=application-form&fileName=${encodeURIComponent('申请书.png')}`, { token: handler, body: TINY_PNG, contentType: 'image/png', headers: forCompany });
      expect(up.status).toBe(201);
      const submitted = await call('POST', `${portal}/v1/applications`, {
        token: handler, headers: { ...forCompany, 'idempotency-key': `clinic-${randomUUID()}` },
        json: { itemCode: code, form: { applicantName: '陈静', spouseName: '不适用', marriageDate: '2020-01-01', existingChildren: 0, address: '安徽省亳州市涡阳县城关镇', phone: '13800000004' }, materials: [{ materialCode: 'application-form', materialId: up.body.materialId }] },
      });
      expect(submitted.status).toBe(202);
      const clerk = await login(platform.url('identity-staff'), 'window01');
      const approver = await login(platform.url('identity-staff'), 'approver01');
      const kase = await eventually('clinic case', async () => (await call('GET', `${approval}/v1/cases?status=received`, { token: clerk })).body.items?.find((c: { applicationId: string }) => c.applicationId === submitted.body.applicationId), 45_000);
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/accept`, { token: clerk, json: {} })).status).toBe(200);
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: approver, json: { opinion: '符合条件' } })).status).toBe(200);

      // The company's wallet, seen by its handler and by its legal representative.
      const license = await eventually("the company's certificate in its handler's wallet", async () => {
        const r = await call('GET', `${portal}/v1/certificates`, { token: handler, headers: forCompany });
        return r.body.items?.find((c: { type: string }) => c.type === 'medical-institution-license');
      }, 90_000);
      expect(license).toMatchObject({ typeName: '医疗机构执业许可证', issuerName: '涡阳县卫生健康委员会', status: 'valid', hasPdf: true });
      const legalRep = await login(platform.url('identity-public'), 'wangjun');
      const repWallet = await call('GET', `${portal}/v1/certificates`, { token: legalRep, headers: forCompany });
      expect(repWallet.body.items.map((c: { id: string }) => c.id)).toContain(license.id);
      expect((await fetch(`${portal}/v1/certificates/${encodeURIComponent(license.id)}/pdf`, { headers: { authorization: `Bearer ${handler}`, ...forCompany } })).status).toBe(200);

      // Not the handler's own certificate, and nobody else's.
      expect((await call('GET', `${portal}/v1/certificates`, { token: handler })).body.items.map((c: { id: string }) => c.id)).not.toContain(license.id);
      const stranger = await login(platform.url('identity-public'), 'lisi');
      expect((await call('GET', `${portal}/v1/certificates`, { token: stranger, headers: forCompany })).status).toBe(403);
      expect((await call('GET', `${portal}/v1/certificates/${encodeURIComponent(license.id)}`, { token: stranger })).status).toBe(404);
    }, 300_000);
  });
});
