/**
 * A citizen and two clerks in a real browser (Debian's Chromium via playwright-core): search the
 * portal, read the guide, log in, fill the form with one mistake and correct it, upload with
 * progress, submit, see the receipt; the window clerk accepts and the approver approves in the
 * console; the citizen sees 已办结 with the certificate id. Screenshots go to test-e2e/artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { startTestPlatform, type TestPlatform } from './src/platform.js';
import { TINY_PNG } from './src/client.js';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let platform: Platform;
let running: TestPlatform | undefined;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  running = await startTestPlatform('ui', 'info');
  platform = running.platform;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
}, 60_000);

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Logs in and waits until the page shows who is signed in, so later navigation is not overtaken. */
async function login(page: Page, username: string, displayName: string) {
  await page.fill('#username', username);
  await page.fill('#password', 'Hall#2026');
  await page.click('button[type=submit]');
  await page.waitForSelector(`#who:has-text("${displayName}")`);
}

/** Reloads until `selector` shows `text`: the result comes back through the lanes asynchronously. */
async function until(page: Page, selector: string, text: string | RegExp, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const el = await page.$(selector);
    const t = el ? await el.textContent() : null;
    if (t && (typeof text === 'string' ? t.includes(text) : text.test(t))) return t;
    if (Date.now() > deadline) {
      await page.screenshot({ path: path.join(ARTIFACTS, `timeout-${selector.replace(/[^a-z]/gi, '')}.png`), fullPage: true });
      throw new Error(`timed out waiting for ${selector} to show ${text}, last: ${t}`);
    }
    await page.waitForTimeout(500);
    await page.reload();
    await page.waitForLoadState('domcontentloaded');
  }
}

describe('portal and console in a real browser', () => {
  it('applies for 生育登记 on the portal and sees it completed after staff act in the console', async () => {
    const citizen = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
    {
      await citizen.goto(platform.ingress.portal);
      // The replica fills through the OUTBOUND lane shortly after start.
      await until(citizen, 'main', '生育登记');
      await citizen.fill('#q', '生育');
      await citizen.click('#search button[type=submit]');
      await citizen.click('text=生育登记（生育服务证办理）');
      await citizen.waitForSelector('text=所需材料');
      await shot(citizen, '01-guide');
      await citizen.click('text=在线申报');
      await citizen.waitForSelector('#username');
      await login(citizen, 'zhoumengjie', '周梦婕');
      await citizen.waitForSelector('#f-applicantName');
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
    await citizen.click('#apply button[type=submit]');
    await citizen.waitForSelector('#e-phone:has-text("联系电话格式不正确")');
    expect(await citizen.getAttribute('#f-phone', 'aria-invalid')).toBe('true');
    await shot(citizen, '02-field-error');
    await citizen.fill('#f-phone', '13800000000');
    await citizen.click('#apply button[type=submit]');
    const receiptNo = await (await citizen.waitForSelector('#receipt-no')).textContent();
    expect(receiptNo).toMatch(/^SB\d{16}$/);
    await shot(citizen, '03-receipt');

    const clerk = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    clerk.on('dialog', (d) => void d.accept());
    await clerk.goto(platform.ingress.console);
    await login(clerk, 'window01', '王受理');
    await until(clerk, 'tbody', '周梦婕');
    await shot(clerk, '04-inbox');
    await clerk.click('tbody a');
    await clerk.waitForSelector('#case-status:has-text("待受理")');
    await clerk.click('button[data-action=accept]');
    await clerk.waitForSelector('#case-status:has-text("已受理")');
    await clerk.click('#logout');
    await login(clerk, 'approver01', '赵审批');
    await clerk.goto(`${platform.ingress.console}/#/?status=accepted`);
    await until(clerk, 'tbody', '周梦婕');
    await clerk.click('tbody a');
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
  }, 150_000);
});
