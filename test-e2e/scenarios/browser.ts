/**
 * A citizen and two clerks in a real browser (Debian's Chromium via playwright-core): search the
 * portal, read the guide, log in, fill the form with one mistake and correct it, save a draft,
 * upload with progress, submit, see the receipt and the notice under 我的消息; the window clerk
 * accepts and the approver approves in the console; the citizen sees 已办结 with the certificate id
 * and evaluates the service (好差评). axe finds no serious or critical violation on each page
 * (issue 21). Screenshots go to test-e2e/artifacts/.
 */
import { type Browser, type Page } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { expectAccessible, launchChromium, reloadUntil, screenshot, signIn } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { TINY_PNG, call, eventually, login as apiLogin } from '../src/client.js';

let platform: Platform;
let browser: Browser;

describe('scenario: browser', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = screenshot;

  /** Logs in and waits until the page shows who is signed in, so later navigation is not overtaken. */
  const login = signIn;

  const until = (page: Page, selector: string, text: string | RegExp, timeoutMs = 40_000) => reloadUntil(page, selector, text, { timeoutMs, shotPrefix: 'timeout-' });

  describe('portal and console in a real browser', () => {
    it('applies for 生育登记 on the portal and sees it completed after staff act in the console', async () => {
      const citizen = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
      {
        await citizen.goto(platform.ingress.portal);
        await until(citizen, 'main', '热门事项');
        await shot(citizen, '00-home');
        await expectAccessible(citizen, 'portal-home');
        await citizen.fill('#q', '生育');
        await citizen.click('#search button[type=submit]');
        // The replica fills through the OUTBOUND lane shortly after start (a reload searches again).
        await until(citizen, 'main', '生育登记（生育服务证办理）');
        await citizen.click('text=生育登记（生育服务证办理）');
        await citizen.waitForSelector('text=所需材料');
        await shot(citizen, '01-guide');
        await expectAccessible(citizen, 'portal-guide');
        // The file rules as a citizen reads them, not MIME strings (issue 21).
        expect(await citizen.textContent('ul.materials')).toContain('格式：图片（JPG/PNG）、PDF，不超过 10 MB');
        expect(await citizen.textContent('ul.materials')).not.toContain('application/pdf');
        await citizen.click('text=在线申报');
        await citizen.waitForSelector('#username');
        await expectAccessible(citizen, 'portal-login');
        await login(citizen, 'zhoumengjie', '周梦婕');
        await citizen.waitForSelector('#f-applicantName');
        await expectAccessible(citizen, 'portal-apply');
      }
      await citizen.fill('#f-applicantName', '周梦婕');
      await citizen.fill('#f-spouseName', '陶志强');
      await citizen.fill('#f-marriageDate', '2025-10-01');
      await citizen.fill('#f-existingChildren', '0');
      await citizen.fill('#f-address', '安徽省亳州市涡阳县义门镇陶庄村');
      await citizen.fill('#f-phone', '12345');
      await citizen.setInputFiles('#m-marriage-certificate', { name: '结婚证.png', mimeType: 'image/png', buffer: TINY_PNG });
      await citizen.waitForSelector('text=已上传：结婚证.png');
      expect(await citizen.$eval('#p-marriage-certificate', (el) => (el as HTMLProgressElement).value)).toBe(1);
      // Saved as a draft half-way, then submitted from it (the draft goes with the submission).
      await citizen.click('#save-draft');
      await citizen.waitForSelector('#draft-status:has-text("草稿已保存")');
      await citizen.click('#apply button[type=submit]');
      await citizen.waitForSelector('#e-phone:has-text("联系电话格式不正确")');
      expect(await citizen.getAttribute('#f-phone', 'aria-invalid')).toBe('true');
      await shot(citizen, '02-field-error');
      await expectAccessible(citizen, 'portal-apply-errors');
      await citizen.fill('#f-phone', '13800000000');
      await citizen.click('#apply button[type=submit]');
      const receiptNo = await (await citizen.waitForSelector('#receipt-no')).textContent();
      expect(receiptNo).toMatch(/^SB\d{16}$/);
      await shot(citizen, '03-receipt');
      await citizen.waitForSelector('#receipt-item:has-text("生育登记")');
      await expectAccessible(citizen, 'portal-receipt');
      // The submission notice, as the demo SMS sender delivers it, and no draft left behind.
      await citizen.goto(`${platform.ingress.portal}/#/my?tab=messages`);
      await until(citizen, '#messages', receiptNo!);
      await shot(citizen, '03b-messages');
      await expectAccessible(citizen, 'portal-messages');
      await citizen.goto(`${platform.ingress.portal}/#/my?tab=drafts`);
      await citizen.waitForSelector('text=暂无草稿');

      const clerk = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
      clerk.on('dialog', (d) => void d.accept());
      await clerk.goto(platform.ingress.console);
      await login(clerk, 'window01', '王受理');
      // The platform is shared with other scenarios: act on this application's case, found by its receipt.
      const staffToken = await apiLogin(platform.url('identity-staff'), 'window01');
      const kase = await eventually('the case of this receipt in approval', async () => (await call('GET', `${platform.url('approval')}/v1/cases?q=${receiptNo}`, { token: staffToken })).body.items?.[0], 60_000);
      await until(clerk, 'tbody', kase.caseNumber);
      await shot(clerk, '04-inbox');
      await expectAccessible(clerk, 'console-inbox');
      await clerk.click(`tbody a:has-text("${kase.caseNumber}")`);
      await clerk.waitForSelector('#case-status:has-text("待受理")');
      await expectAccessible(clerk, 'console-case');
      await clerk.click('button[data-action=accept]');
      await clerk.waitForSelector('#case-status:has-text("已受理")');
      await clerk.click('#logout');
      await login(clerk, 'approver01', '赵审批');
      await clerk.goto(`${platform.ingress.console}/#/?status=accepted`);
      await until(clerk, 'tbody', kase.caseNumber);
      await clerk.click(`tbody a:has-text("${kase.caseNumber}")`);
      await clerk.fill('#reason', '材料齐全，符合生育登记条件');
      await clerk.click('button[data-action=approve]');
      await clerk.waitForSelector('#case-status:has-text("审批通过")');
      await shot(clerk, '05-approved');

      await citizen.goto(`${platform.ingress.portal}/#/my`);
      await citizen.click(`a:has-text("${receiptNo}")`);
      await until(citizen, '#app-status', '已办结');
      expect(await citizen.textContent('#certificate-id')).toMatch(/^1\.2\.156\.3005\.2\./);
      expect(await citizen.textContent('.timeline')).toContain('证照已签发');
      await shot(citizen, '06-completed');
      await expectAccessible(citizen, 'portal-application');
      // 好差评: once, after completion, by keyboard-reachable radio buttons; nothing chosen in advance (issue 21).
      expect(await citizen.$$('input[name=level]:checked')).toHaveLength(0);
      await citizen.click('#evaluate button[type=submit]');
      await citizen.waitForSelector('#ev-error:has-text("请选择评价等级")');
      await citizen.check('input[name=level][value="4"]');
      await citizen.fill('#ev-comment', '网上办理方便快捷');
      await citizen.click('#evaluate button[type=submit]');
      await citizen.waitForSelector('#evaluation:has-text("满意")');
      expect(await citizen.$('#evaluate')).toBeNull();
      await shot(citizen, '07-evaluated');

      // 我的证照: the certificate PDF is saved under its Chinese name, not its long identifier (issue 21).
      const certificateId = (await citizen.textContent('#certificate-id'))!;
      await citizen.goto(`${platform.ingress.portal}/wallet.html`);
      await until(citizen, '#wallet', certificateId);
      await until(citizen, `li[data-id="${certificateId}"]`, '下载证照文件（PDF）');
      await expectAccessible(citizen, 'portal-wallet');
      const download = citizen.waitForEvent('download');
      await citizen.click(`li[data-id="${certificateId}"] button[data-download=pdf]`);
      expect((await download).suggestedFilename()).toBe('生育服务证-周梦婕.pdf');

      // 在线咨询: the question travels inbound to the item's department, a clerk answers in the console, the answer comes back.
      await citizen.goto(`${platform.ingress.portal}/#/item/340621-WJW-XZQR-001`);
      await citizen.click('text=在线咨询');
      await citizen.fill('#question', '二孩的生育登记也可以网上办理吗？');
      await citizen.click('#consult button[type=submit]');
      await citizen.waitForSelector('main :text("待答复")');
      await clerk.goto(`${platform.ingress.console}/#/consult`);
      await until(clerk, '#consult', '二孩的生育登记也可以网上办理吗？');
      await clerk.fill('#consult form.answer-form textarea', '可以，请申报“再生育登记”事项。');
      await clerk.click('#consult form.answer-form button[type=submit]');
      await clerk.waitForSelector('#consult .answer');
      await shot(clerk, '08-consultation-answered');
      await expectAccessible(clerk, 'console-consultations');
      await until(citizen, 'main', '可以，请申报“再生育登记”事项。');
      await shot(citizen, '09-consultation-answer');
    }, 180_000);
  });
});
