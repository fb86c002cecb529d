/**
 * The console in a real browser (Debian's Chromium via playwright-core), whole platform: an
 * application for 再生育登记 submitted at the portal goes 受理 (window01) → 审查 (reviewer01) →
 * 审批 (approver01) in the staff console, each from the clerk's own task inbox with its deadline,
 * and the console shows it completed (办结) once the certificate is issued.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { budget } from '@hall/testkit';
import { expectAccessible, launchChromium, reloadUntil, screenshot, signIn } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { catalogAdminToken, CATALOG_ADMIN } from '../src/catalog-admin.js';
import { call, login as apiLogin, eventually, TINY_PNG } from '../src/client.js';

const ITEM = '340621-WJW-XZQR-002'; // 再生育登记: 受理 → 审查 → 决定 → 办结 (birth-service-certificate)
const CERT_TYPE = 'birth-service-certificate';
let platform: Platform;
let browser: Browser;

describe('scenario: approval-browser', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (page: Page, name: string) => screenshot(page, `approval-${name}`);

  async function login(page: Page, username: string, displayName: string, password?: string) {
    await page.goto(`${platform.ingress.console}/#/login`);
    await signIn(page, username, displayName, password);
  }

  /** Reloads the inbox until the case shows up in it, then opens the case. */
  async function openFromInbox(page: Page, caseNumber: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await page.goto(`${platform.ingress.console}/#/`);
      await page.waitForSelector('tbody');
      const link = await page.$(`tbody a:has-text("${caseNumber}")`);
      if (link) { await link.click(); return; }
      if (Date.now() > deadline) { await shot(page, 'timeout-inbox'); throw new Error(`case ${caseNumber} never reached the inbox`); }
      await page.waitForTimeout(500);
    }
  }

  /** 周梦婕 applies for 再生育登记 at the portal (its API) with the three required materials; the case as approval lists it. */
  async function fileApplication(keyPrefix: string): Promise<{ caseId: string; caseNumber: string }> {
    const portal = platform.url('declaration');
    await eventually('item replica', async () => (await call('GET', `${portal}/v1/items/${ITEM}`)).status === 200, 60_000);
    const citizen = await apiLogin(platform.url('identity-public'), 'zhoumengjie');
    const materials = [];
    for (const code of ['id-card', 'marriage-certificate', 'children-birth']) {
      const up = await call('POST', `${portal}/v1/materials?itemCode=${ITEM}&materialCode=${code}&fileName=${code}.png`, { token: citizen, body: TINY_PNG, contentType: 'image/png' });
      expect(up.status).toBe(201);
      materials.push({ materialCode: code, materialId: up.body.materialId });
    }
    const receipt = await call('POST', `${portal}/v1/applications`, {
      token: citizen, headers: { 'idempotency-key': `${keyPrefix}-${randomUUID()}` },
      json: { itemCode: ITEM, form: { applicantName: '周梦婕', idNumber: '341621199203150020', spouseName: '陶志强', existingChildren: 1, phone: '13800000001' }, materials },
    });
    expect(receipt.status).toBe(202);
    const clerkToken = await apiLogin(platform.url('identity-staff'), 'window01');
    return eventually('case in approval', async () => {
      const r = await call('GET', `${platform.url('approval')}/v1/cases?q=${receipt.body.receiptNo}`, { token: clerkToken });
      return r.body.items?.[0];
    }, 60_000);
  }

  describe('staff console in a real browser', () => {
    it('takes a portal application through 受理, 审查 and 审批 by three clerks to 办结', async () => {
      const kase = await fileApplication('approval-ui');

      const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 900 } })).newPage();
      page.on('dialog', (d) => void d.accept());

      // 受理 by the window clerk, from the inbox with its deadline.
      await login(page, 'window01', '王受理');
      await page.waitForSelector(`tbody a:has-text("${kase.caseNumber}")`);
      expect(await page.textContent('tbody')).toContain('即将到期 剩余 1 个工作日'); // 受理: a limit of 1 working day
      await shot(page, '01-inbox');
      await page.click(`tbody a:has-text("${kase.caseNumber}")`);
      await page.waitForSelector('#case-status:has-text("待受理")');
      await page.click('button[data-preview="0"]');
      await page.waitForSelector('#preview-0 img.preview');
      await page.click('button[data-action=accept]');
      await page.waitForSelector('#case-status:has-text("已受理")');
      await shot(page, '02-accepted');

      // 审查 by the reviewer: a refusal needs a reason; the reviewer agrees.
      await page.click('#logout');
      await login(page, 'reviewer01', '吴审查');
      await openFromInbox(page, kase.caseNumber);
      await page.waitForSelector('.steps li.current:has-text("审查")');
      await page.click('button[data-action=refuse]');
      await page.waitForSelector('#act-error:has-text("请填写理由")');
      await page.fill('#reason', '材料齐全，符合再生育条件');
      await page.click('button[data-action=pass]');
      await page.waitForSelector('#case-status:has-text("审查中")');
      await shot(page, '03-reviewed');

      // 审批 by the approver; the certificate is issued and the case completes.
      await page.click('#logout');
      await login(page, 'approver01', '赵审批');
      await openFromInbox(page, kase.caseNumber);
      await page.fill('#reason', '同意');
      await page.click('button[data-action=approve]');
      await page.waitForSelector('#case-status:has-text("审批通过"), #case-status:has-text("已办结")');
      const deadline = Date.now() + 45_000;
      while (!(await page.textContent('#case-status'))?.includes('已办结')) {
        if (Date.now() > deadline) { await shot(page, 'timeout-completed'); throw new Error('case never completed'); }
        await page.waitForTimeout(500);
        await page.reload();
        await page.waitForSelector('#case-status');
      }
      const history = await page.textContent('table tbody');
      for (const step of ['网上受理', '受理', '审查意见', '审批通过', '办结']) expect(history).toContain(step);
      await shot(page, '04-completed');

      // The search finds it as 已办结.
      await page.goto(`${platform.ingress.console}/#/search?q=${kase.caseNumber}&status=completed`);
      await page.waitForSelector(`tbody a:has-text("${kase.caseNumber}")`);

      // Issue 20: the status from the address bar went unescaped into the pager's links.
      const injection = '"><a id="injected" href="https://evil.example/login">请重新登录</a><i x="';
      await page.goto(`${platform.ingress.console}/#/search?q=${kase.caseNumber}&status=${encodeURIComponent(injection)}`);
      await page.waitForSelector('nav.pager, .alert');
      expect(await page.$('#injected')).toBeNull();
      expect(await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')).filter((h) => h?.includes('evil.example')))).toEqual([]);

      // 证照管理 (certificate service behind the console's origin under /certificate/): the issued
      // certificate is listed for the department, found by case number, and revoked with a reason.
      await page.click('nav >> text=证照管理');
      await page.waitForSelector('#cert-q');
      await page.fill('#cert-q', kase.caseNumber);
      await page.click('#cert-search button[type=submit]');
      // The search re-renders the page: act on the searched list only.
      await page.waitForSelector(`main[data-view="certificates?q=${kase.caseNumber}&status="]`);
      const row = page.locator('#certificates tbody tr', { hasText: kase.caseNumber });
      await row.waitFor();
      expect(await row.textContent()).toContain('有效');
      await shot(page, '05-certificates');
      await row.locator('button[data-revoke]').click();
      await page.click('#revoke-form button[type=submit]');
      expect(await page.textContent('#revoke-error')).toBe('请填写注销理由');
      await page.fill('#revoke-reason', '持证人信息登记有误，予以注销');
      await page.click('#revoke-form button[type=submit]');
      await page.waitForSelector(`#certificates tbody tr:has-text("${kase.caseNumber}"):has-text("已注销")`);
      expect(await page.textContent('#certificates tbody')).toContain('持证人信息登记有误，予以注销');
      await shot(page, '06-certificate-revoked');
      // The revocation reached the certificate service itself (not just the page).
      const staff = await apiLogin(`${platform.ingress.console}/auth`, 'approver01');
      const listed = await call('GET', `${platform.ingress.console}/certificate/v1/certificates?status=revoked&q=${encodeURIComponent(kase.caseNumber)}`, { token: staff });
      expect(listed.status).toBe(200);
      expect((listed.body as { total: number }).total).toBe(1);

      // The department admin rotates the department's signing key from the same page.
      await page.click('#logout');
      await login(page, 'wjwadmin', '卫部门管理员');
      await page.goto(`${platform.ingress.console}/#/certificates`);
      await page.click('#rotate-key');
      await page.waitForSelector('#rotate-result:has-text("已启用新密钥")');
      const kid = /已启用新密钥 (\S+)（/.exec((await page.textContent('#rotate-result')) ?? '')?.[1];
      const keys = await call('GET', `${platform.ingress.console}/certificate/v1/keys`);
      expect((keys.body as { keys: { kid: string; active: boolean; department: string }[] }).keys).toContainEqual(expect.objectContaining({ kid, active: true, department: 'gy-wjw' }));
      await shot(page, '07-key-rotated');
    }, 300_000);

    it('shows 制证失败 on a case whose certificate cannot be issued, lists it in supervision, and completes it on an admin\'s retry once the definition is fixed', async () => {
      const catalog = platform.url('catalog');
      const approval = platform.url('approval');
      const admin = await catalogAdminToken(platform);
      // A catalog administrator's mistake: 生育服务证 no longer names 卫健委 among its issuers.
      const saved = await call('GET', `${catalog}/v1/certificate-types/${CERT_TYPE}`, { token: admin });
      expect(saved.status).toBe(200);
      const { code: _code, version: _version, updatedAt: _updatedAt, ...definition } = saved.body;
      expect(definition.issuers).toContain('gy-wjw');
      const put = (issuers: string[]) => call('PUT', `${catalog}/v1/certificate-types/${CERT_TYPE}`, { token: admin, json: { ...definition, issuers } });
      expect((await put(['gy-mzj'])).status).toBe(200);
      try {
        const kase = await fileApplication('certificate-failure');
        const staffToken = (u: string) => apiLogin(platform.url('identity-staff'), u);
        expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/accept`, { token: await staffToken('window01'), json: {} })).status).toBe(200);
        expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/review`, { token: await staffToken('reviewer01'), json: { outcome: 'pass', opinion: '符合条件' } })).status).toBe(200);
        expect((await call('POST', `${approval}/v1/cases/${kase.caseId}/approve`, { token: await staffToken('approver01'), json: { opinion: '同意' } })).status).toBe(200);

        // The department admin sees 制证失败 on the case within a minute, with the cause.
        const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 900 } })).newPage();
        await login(page, 'wjwadmin', '卫部门管理员');
        await page.goto(`${platform.ingress.console}/#/case/${kase.caseId}`);
        const alert = await reloadUntil(page, 'main div.alert', '制证失败', { timeoutMs: 60_000, shotPrefix: 'approval-timeout-' });
        expect(alert).toContain('发证部门不包括');
        expect(await page.textContent('#case-status')).toBe('审批通过');
        await shot(page, '08-certificate-failed');
        // …and in the department view's list of failures.
        await page.goto(`${platform.ingress.console}/#/department`);
        await page.waitForSelector(`section[aria-labelledby="h-failed"] a:has-text("${kase.caseNumber}")`);

        // Supervision lists the anomaly of the case.
        const supervisor = await staffToken('supervisor01');
        const anomaly = await eventually('certificate_failed anomaly', async () => {
          const r = await call('GET', `${platform.url('supervision')}/v1/anomalies?caseNumber=${kase.caseNumber}&rule=certificate_failed`, { token: supervisor });
          return r.body.items?.[0];
        }, 60_000);
        expect(anomaly).toMatchObject({ rule: 'certificate_failed', title: expect.stringContaining('制证失败'), department: 'gy-wjw', detail: { code: 'issuer_not_allowed' } });

        // The catalog administrator fixes the definition in the console (证照定义): the type names 卫健委 again.
        await page.click('#logout');
        await login(page, CATALOG_ADMIN.username, CATALOG_ADMIN.displayName, CATALOG_ADMIN.password);
        await page.click('nav >> text=证照定义');
        const typeRow = page.locator(`#certificate-types tr[data-code="${CERT_TYPE}"]`);
        expect(await typeRow.textContent()).toContain('涡阳县民政局（gy-mzj）');
        expect(await page.textContent('#issuers')).toContain('涡阳县卫生健康委员会');
        await expectAccessible(page, 'approval-certificate-definitions');
        // A department without an issuer record is registered here too (checked on the page as the catalog checks it).
        await page.click('#new-issuer');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('issuer-department');
        await page.fill('#issuer-department', 'e2e-issuer');
        await page.fill('#issuer-name', '测试发证机关');
        await page.fill('#issuer-credit', '11341621003000099I');
        await page.click('#issuer-form button[type=submit]');
        await page.waitForSelector('#issuer-error:has-text("统一社会信用代码须为 18 位")');
        await page.fill('#issuer-credit', '113416210030000991');
        await page.click('#issuer-form button[type=submit]');
        await page.waitForSelector('#issuer-result:has-text("已保存发证机关测试发证机关（第 1 版）")');
        expect(await page.textContent('#issuers tr[data-department="e2e-issuer"]')).toContain('113416210030000991');
        expect((await call('GET', `${catalog}/v1/issuers/e2e-issuer`, { token: admin })).body).toMatchObject({ name: '测试发证机关', creditCode: '113416210030000991', keyPolicy: 'on_first_use', version: 1 });

        await typeRow.locator('button[data-edit-type]').click();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('type-issuers');
        await page.fill('#type-issuers', 'gy-wjw-typo');
        await page.click('#type-form button[type=submit]');
        await page.waitForSelector('#type-error:has-text("没有发证机关记录")');
        await page.fill('#type-issuers', definition.issuers.join(', '));
        await page.click('#type-form button[type=submit]');
        await page.waitForSelector('#type-result:has-text("已保存")');
        expect(await typeRow.textContent()).toContain('涡阳县卫生健康委员会（gy-wjw）');
        await shot(page, '09-certificate-type-fixed');
        const fixed = await call('GET', `${catalog}/v1/certificate-types/${CERT_TYPE}`, { token: admin });
        expect(fixed.body).toMatchObject({ issuers: definition.issuers, version: saved.body.version + 2, schema: definition.schema });

        // The department admin retries from the case page until the certificate service has the fixed
        // definition (it arrives by message) and the case completes.
        await page.click('#logout');
        await login(page, 'wjwadmin', '卫部门管理员');
        await page.goto(`${platform.ingress.console}/#/case/${kase.caseId}`);
        await page.waitForSelector('#retry-certificate');
        const deadline = Date.now() + budget(60_000);
        while (!(await page.textContent('#case-status'))?.includes('已办结')) {
          if (Date.now() > deadline) { await shot(page, 'timeout-retry'); throw new Error('case never completed after the retry'); }
          const retry = await page.$('#retry-certificate');
          if (retry) {
            await retry.click();
            await page.waitForSelector('main div.alert', { state: 'detached' });
          }
          await page.waitForTimeout(500);
          await page.reload();
          await page.waitForSelector('#case-status');
        }
        const history = await page.textContent('table tbody');
        for (const step of ['制证失败', '重新制证', '办结']) expect(history).toContain(step);
        await shot(page, '10-certificate-retried');
        const completed = await call('GET', `${approval}/v1/cases/${kase.caseId}`, { token: await staffToken('wjwadmin') });
        expect(completed.body).toMatchObject({ status: 'completed', certificateFailure: null });
        expect(completed.body.certificateId).toEqual(expect.any(String));
      } finally {
        await put(definition.issuers);
      }
    }, 300_000);
  });
});
