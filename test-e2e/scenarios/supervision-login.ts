/**
 * The supervisors' dashboard (电子监察) on the whole platform: only a supervisor may sign in through
 * the extranet ingress, and the catalog's items reach the rates over the OUT stream.
 */
import { type Browser } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { launchChromium, screenshot as shot } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';

describe('scenario: supervision-login (supervision dashboard on the whole platform)', () => {
  let platform: Platform;
  let browser: Browser;
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => { await browser?.close(); });

  it('lets the demo supervisor sign in through the extranet ingress and shows the catalog\'s items in 事项进驻率', async () => {
    const page = await (await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(platform.ingress.supervision);
    await page.waitForSelector('#username');
    await page.fill('#username', 'approver01');
    await page.fill('#password', 'Hall#2026');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=该账号不是监察人员');
    await page.fill('#username', 'supervisor01');
    await page.click('button[type=submit]');
    await page.waitForSelector('#who:has-text("孙监察")');
    // The catalog's demo items reach supervision over the OUT stream shortly after start.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.goto(`${platform.ingress.supervision}/?r=${Date.now()}#/rates?bucket=all`);
      await page.waitForSelector('#rates tbody tr', { timeout: 15_000 }).catch(async (err) => {
        await shot(page, 'supervision-timeout-platform');
        throw new Error(`${(err as Error).message}; page shows: ${await page.textContent('main')}`);
      });
      const text = await page.textContent('#rates');
      if (text && /%（\d+\/[1-9]\d*）/.test(text)) break;
      if (Date.now() > deadline) throw new Error(`no item reached supervision: ${text}`);
      await page.waitForTimeout(1000);
    }
    await shot(page, 'supervision-07-platform-rates');
  }, 120_000);
});
