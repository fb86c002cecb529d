/**
 * Issue 13 in a real browser (Debian's Chromium via playwright-core) on the whole platform: a citizen
 * reads a notice the catalog published (OUTBOUND lane), files an anonymous complaint that supervision
 * answers (INBOUND, then OUTBOUND), and pays the fee of a case that reached its payment step at the
 * demo provider's cashier; the signed callback settles it and the case moves on in the extranet.
 * Screenshots go to test-e2e/artifacts/.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { expectAccessible, launchChromium, reloadUntil, screenshot } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';

const FEE_ITEM = '340621-WJW-GGFW-007';
const NOTICE = '关于2027年元旦期间网上办事大厅服务安排的通知';
let platform: Platform;
let browser: Browser;

describe('scenario: openness-browser', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = screenshot;

  const until = (page: Page, selector: string, text: string, timeoutMs = 60_000) => reloadUntil(page, selector, text, { timeoutMs, shotPrefix: 'openness-timeout-' });

  describe('政务公开, 投诉 and 网上缴费 in a real browser', () => {
    it('a citizen reads a notice, files a complaint that gets answered, and pays a fee', async () => {
      const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();

      // 1. 政务公开: the seeded notice crossed the OUTBOUND lane; read it from the navigation.
      await page.goto(platform.ingress.portal);
      await page.click('nav >> text=政务公开');
      await until(page, '#openness-list', NOTICE);
      await page.click(`text=${NOTICE}`);
      await page.waitForSelector('#article-title');
      expect(await page.textContent('main')).toContain('网上申报、查询、缴费服务照常运行');
      await shot(page, 'openness-01-notice');
      await expectAccessible(page, 'portal-notice');
      await page.goto(`${platform.ingress.portal}/#/openness?q=${encodeURIComponent('收费目录')}`);
      await until(page, '#openness-list', '涡阳县政务服务事项收费目录清单');
      // Its PDF attachment crossed the OUTBOUND lane (copied X → I, SHA-256 and type checked by the receiver).
      await page.click('text=涡阳县政务服务事项收费目录清单（2026年版）');
      const link = await page.waitForSelector('#attachments a');
      expect(await link.textContent()).toBe('收费目录清单.pdf');
      const pdf = await call('GET', `${platform.ingress.portal}${await link.getAttribute('href')}`);
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      await shot(page, 'openness-01b-policy-attachment');

      // Issue 20: a category from the address bar was written into a link unescaped (a fake "log in again" link).
      const injection = '"><a id="injected" href="https://evil.example/login">请重新登录</a><i x="';
      await page.goto(`${platform.ingress.portal}/#/openness?category=${encodeURIComponent(injection)}`);
      await page.waitForSelector('#openness-list');
      expect(await page.$('#injected')).toBeNull();
      expect(await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')).filter((h) => h?.includes('evil.example')))).toEqual([]);

      // 2. 投诉: anonymous, no login; the tracking code follows it to supervision's answer.
      await page.goto(`${platform.ingress.portal}/#/complaint`);
      await page.waitForSelector('#complaint-form');
      await expectAccessible(page, 'portal-complaint');
      await page.fill('#c-dept', 'gy-wjw');
      await page.fill('#c-content', '窗口工作人员未一次性告知需要补正的材料，导致多跑一次。');
      expect(await page.isChecked('#c-anonymous')).toBe(true);
      await page.click('#complaint-submit');
      const trackingCode = (await (await page.waitForSelector('#tracking-code')).textContent())!.trim();
      expect(trackingCode).toMatch(/^TS[0-9A-Z]{12}$/);
      await shot(page, 'openness-02-complaint-filed');

      const supervisor = await login(platform.url('identity-staff'), 'supervisor01');
      const supervision = platform.url('supervision');
      const complaint = await eventually('complaint in supervision', async () => {
        const r = await call('GET', `${supervision}/v1/complaints`, { token: supervisor });
        return r.body.items?.find((c: { trackingCode: string }) => c.trackingCode === trackingCode);
      }, 60_000);
      expect(complaint).toMatchObject({ department: 'gy-wjw', anonymous: true, complainantName: null });
      const answered = await call('POST', `${supervision}/v1/complaints/${complaint.id}/answer`, { token: supervisor, json: { outcome: 'substantiated', answer: '经核查属实，已要求窗口落实一次性告知制度。' } });
      expect(answered.status).toBe(200);
      await page.goto(`${platform.ingress.portal}/#/complaint-track?code=${trackingCode}`);
      await until(page, '#complaint-status', '已要求窗口落实一次性告知制度');
      await shot(page, 'openness-03-complaint-answered');
      await expectAccessible(page, 'portal-complaint-track');

      // 3. 网上缴费: an application whose item has a payment step, accepted and approved by staff.
      const portal = platform.url('declaration');
      await eventually('fee item replica', async () => ((await call('GET', `${portal}/v1/items/${FEE_ITEM}`)).status === 200 ? true : null), 60_000);
      const citizen = await login(platform.url('identity-public'), 'zhoumengjie');
      const up = await call('POST', `${portal}/v1/materials?itemCode=${FEE_ITEM}&materialCode=id-card&fileName=${encodeURIComponent('身份证.png')}`, { token: citizen, body: TINY_PNG, contentType: 'image/png' });
      expect(up.status).toBe(201);
      const receipt = await call('POST', `${portal}/v1/applications`, {
        token: citizen, headers: { 'idempotency-key': `fee-${randomUUID()}` },
        json: { itemCode: FEE_ITEM, form: { applicantName: '周梦婕', idNumber: '341621199203150020', childName: '陶小宝', birthDate: '2025-10-01', phone: '13800000001' }, materials: [{ materialCode: 'id-card', materialId: up.body.materialId }] },
      });
      expect(receipt.status).toBe(202);
      const applicationId = receipt.body.applicationId as string;
      const clerk = await login(platform.url('identity-staff'), 'window01');
      const approver = await login(platform.url('identity-staff'), 'approver01');
      const approval = platform.url('approval');
      const kase = await eventually('case in approval', async () => {
        const r = await call('GET', `${approval}/v1/cases?status=received`, { token: clerk });
        return r.body.items?.find((c: { applicationId: string }) => c.applicationId === applicationId);
      }, 60_000);
      expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/accept`, { token: clerk, json: {} })).status).toBe(200);
      const approved = await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: approver, json: { opinion: '符合补发条件' } });
      expect(approved.body.status).toBe('payment_pending');

      // The citizen pays in the browser: 网上缴费 → 立即缴费 → the provider's cashier → back.
      await page.goto(`${platform.ingress.portal}/#/login?next=${encodeURIComponent('#/payments')}`);
      await page.fill('#username', 'zhoumengjie');
      await page.fill('#password', 'Hall#2026');
      await page.click('button[type=submit]');
      await page.waitForSelector('#who:has-text("周梦婕")');
      await page.goto(`${platform.ingress.portal}/#/payments`);
      await until(page, '#payments', '待缴费');
      expect(await page.textContent('#payments')).toContain('¥10.00');
      await shot(page, 'openness-04-payment-order');
      await expectAccessible(page, 'portal-payments');
      await page.click('[data-pay]');
      await page.waitForSelector('#demo-pay-confirm');
      await shot(page, 'openness-05-cashier');
      await page.click('#demo-pay-confirm');
      await page.waitForSelector('#demo-pay-done');
      await page.click('text=返回网上办事大厅');
      await until(page, '#payments', '已缴费');
      await shot(page, 'openness-06-paid');
      const download = page.waitForEvent('download');
      await page.click('[data-receipt]');
      expect((await download).suggestedFilename()).toMatch(/^电子票据-.*\.pdf$/);

      // The settlement crossed inbound: the case left its payment step.
      await eventually('case paid', async () => {
        const r = await call('GET', `${approval}/v1/cases/${kase.caseId}`, { token: clerk });
        return r.status === 200 && r.body.status !== 'payment_pending' ? r.body.status : null;
      }, 60_000);
    }, 300_000);
  });
});
