/**
 * Issue 21 in a real browser (Debian's Chromium via playwright-core) on the whole platform:
 * - a person registers in the portal, resets the password with the SMS code, and applies; mid-form
 *   the access token expires and is renewed silently (upload and autosave go on); then the whole
 *   sign-in ends, 提交申报 leads to the login page, and after logging in again the form and the
 *   upload are there intact and the submission succeeds, with a printable 受理回执;
 * - a clerk previews an image and a PDF material in the console (CSP allows the blob: URLs),
 *   labelled by their names in the item, reads the form in the applicant's order, and acts after
 *   the access token expired;
 * - a legal representative binds a handler (经办人) to the company in the portal and revokes it;
 * - axe finds no serious or critical violation on these pages.
 * Screenshots go to test-e2e/artifacts/sessions-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import type { Platform } from '@hall/platform';
import { expectAccessible, launchChromium, reloadUntil, screenshot, signIn } from '../src/browser.js';
import { sharedPlatform } from '../src/platform.js';
import { call, eventually, login as apiLogin, TINY_PNG } from '../src/client.js';

const BIRTH = '340621-WJW-XZQR-001'; // 生育登记: form of six fields, 结婚证 required
const REBIRTH = '340621-WJW-XZQR-002'; // 再生育登记: 申请人居民身份证, 结婚证, 现有子女出生医学证明
/** A one-page PDF (content sniffing sees application/pdf; Chromium's viewer can open it). */
const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/** A valid 18-digit resident ID number (GB 11643 check character), new on every run. */
function idNumber(): string {
  const body = `34162119${String(randomInt(70, 99))}0${randomInt(1, 9)}1${randomInt(0, 9)}${String(randomInt(0, 999)).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return body + '10X98765432'[[...body].reduce((s, c, i) => s + Number(c) * weights[i]!, 0) % 11];
}

let platform: Platform;
let dataDir: string;
let browser: Browser;

describe('scenario: sessions-browser', () => {
  beforeAll(async () => {
    ({ platform, dataDir } = await sharedPlatform());
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (page: Page, name: string) => screenshot(page, `sessions-${name}`);

  it('a person registers, resets the password and applies; an expired token is renewed mid-form, and after the sign-in ended the form comes back intact', async () => {
    const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
    const username = `u${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const phone = `139${String(randomInt(0, 1e8)).padStart(8, '0')}`;

    // 注册: from the login page.
    await page.goto(`${platform.ingress.portal}/#/login`);
    await page.click('text=注册个人账号');
    await page.waitForSelector('#register');
    await page.fill('#r-username', username);
    await page.fill('#r-name', '林晓燕');
    await page.fill('#r-idNumber', '341621199001010510'); // wrong check character
    await page.fill('#r-phone', phone);
    await page.fill('#r-password', 'Spring#2026');
    await page.fill('#r-password2', 'Spring#2026');
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#r-idNumber-e:has-text("身份证号码无效")');
    expect(await page.getAttribute('#r-idNumber', 'aria-invalid')).toBe('true');
    await expectAccessible(page, 'portal-register');
    await shot(page, '01-register-error');
    await page.fill('#r-idNumber', idNumber());
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#who:has-text("林晓燕")');

    // 找回密码: the code arrives by SMS (the demo sender writes it to the zone's mailbox).
    await page.click('#logout');
    await page.waitForSelector('main :text("热门事项")');
    await page.goto(`${platform.ingress.portal}/#/login`);
    await page.click('text=忘记密码');
    await page.fill('#p-username', username);
    await page.click('#reset-request button[type=submit]');
    await page.waitForSelector('#reset-confirm:not([hidden])');
    const box = path.join(dataDir, 'mailbox-internet', `${phone}.txt`);
    const code = await eventually('the reset code by SMS', async () => (fs.existsSync(box) ? /验证码 (\d{6})/.exec(fs.readFileSync(box, 'utf8'))?.[1] : undefined), 30_000);
    await page.fill('#p-code', code);
    await page.fill('#p-newPassword', 'Autumn#2026');
    await expectAccessible(page, 'portal-reset');
    await page.click('#reset-confirm button[type=submit]');
    await page.waitForSelector('#reset-done');
    await shot(page, '02-reset');
    const signInAs = async (password: string) => {
      await page.fill('#username', username);
      await page.fill('#password', password);
      await page.click('#login button[type=submit]');
    };
    await page.click('text=去登录');
    await signInAs('Spring#2026');
    await page.waitForSelector('#login-error:has-text("用户名或密码错误")');
    await signInAs('Autumn#2026');
    await page.waitForSelector('#who:has-text("林晓燕")');

    // 申报: the file rules read as a citizen reads them.
    await page.goto(`${platform.ingress.portal}/#/apply/${BIRTH}`);
    await reloadUntil(page, 'main', '结婚证', { timeoutMs: 60_000, shotPrefix: 'sessions-timeout-' });
    expect(await page.textContent('#mr-marriage-certificate')).toBe('格式：图片（JPG/PNG）、PDF，不超过 10 MB');
    await expectAccessible(page, 'portal-apply');
    await page.fill('#f-applicantName', '林晓燕');
    await page.fill('#f-spouseName', '王建国');

    // The access token expires mid-form: the upload and the autosave renew it silently.
    const before = await page.evaluate(() => sessionStorage.getItem('refresh'));
    await page.evaluate(() => sessionStorage.setItem('token', 'expired.access.token'));
    await page.fill('#f-marriageDate', '2024-05-20');
    await page.setInputFiles('#m-marriage-certificate', { name: '结婚证.png', mimeType: 'image/png', buffer: TINY_PNG });
    await page.waitForSelector('text=已上传：结婚证.png');
    await page.fill('#f-existingChildren', '0');
    await page.waitForSelector('#draft-status:has-text("已自动保存草稿")');
    expect(await page.evaluate(() => sessionStorage.getItem('token'))).not.toBe('expired.access.token');
    expect(await page.evaluate(() => sessionStorage.getItem('refresh'))).not.toBe(before); // rotated
    expect(page.url()).toMatch(/#\/apply\/340621-WJW-XZQR-001\?draft=[0-9a-f-]{36}$/);
    await shot(page, '03-renewed-mid-form');

    // Then the whole sign-in ends (refresh token gone too): 提交申报 leads to the login page.
    await page.fill('#f-address', '安徽省亳州市涡阳县城关镇建设路 8 号');
    await page.fill('#f-phone', phone);
    await page.evaluate(() => { sessionStorage.setItem('token', 'expired.access.token'); sessionStorage.setItem('refresh', 'ended-sign-in-refresh-token'); });
    await page.click('#apply button[type=submit]');
    await page.waitForSelector('#login');
    await shot(page, '04-signed-out');
    await signInAs('Autumn#2026');
    // Back on the form, everything as it was, the upload too.
    await page.waitForSelector('#restored');
    const values = await page.$$eval('#apply input:not([type=file]), #apply select', (els) => Object.fromEntries(els.map((e) => [e.id, (e as HTMLInputElement).value])));
    expect(values).toMatchObject({ 'f-applicantName': '林晓燕', 'f-spouseName': '王建国', 'f-marriageDate': '2024-05-20', 'f-existingChildren': '0', 'f-address': '安徽省亳州市涡阳县城关镇建设路 8 号', 'f-phone': phone });
    expect(await page.textContent('#me-marriage-certificate')).toBe('已上传：结婚证.png');
    await shot(page, '05-restored');
    await page.click('#apply button[type=submit]');

    // 受理回执: item, date, time limit, printable.
    const receiptNo = await (await page.waitForSelector('#receipt-no')).textContent();
    expect(receiptNo).toMatch(/^SB\d{16}$/);
    await page.waitForSelector('#receipt');
    expect(await page.textContent('#receipt-item')).toBe('生育登记（生育服务证办理）');
    expect(await page.textContent('#receipt-date')).toMatch(/^\d{4}\/\d{1,2}\/\d{1,2} \d{2}:\d{2}:\d{2}$/);
    expect(await page.textContent('#receipt-limit')).toMatch(/个工作日|即办件/);
    expect(await page.isVisible('#print-receipt')).toBe(true);
    await expectAccessible(page, 'portal-receipt');
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('header')).toBe(false);
    expect(await page.isVisible('#print-receipt')).toBe(false);
    expect(await page.isVisible('#receipt')).toBe(true);
    await shot(page, '06-receipt-print');
    await page.emulateMedia({ media: 'screen' });
    // The draft went with the submission; nothing is left to restore.
    await page.goto(`${platform.ingress.portal}/#/my?tab=drafts`);
    await page.waitForSelector('text=暂无草稿');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('form:')))).toEqual([]);
    await expectAccessible(page, 'portal-my');
  }, 240_000);

  it('a legal representative binds a handler to the company in the portal and revokes the grant', async () => {
    const identity = platform.url('identity-public');
    const username = `h${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const made = await call('POST', `${identity}/v1/accounts`, { json: { username, password: 'Handler#2026', name: '赵经办', idNumber: idNumber(), phone: `137${String(randomInt(0, 1e8)).padStart(8, '0')}` } });
    expect(made.status).toBe(201);
    const handler = await apiLogin(identity, username, 'Handler#2026');
    const represents = async () => ((await call('GET', `${identity}/v1/representations`, { token: handler })).body.items as { partyName: string; relation: string }[]).filter((p) => p.relation === 'handler').map((p) => p.partyName);

    const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 900 } })).newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${platform.ingress.portal}/#/login?next=${encodeURIComponent('#/my?tab=company')}`);
    await signIn(page, 'wangjun', '王军');
    await page.waitForSelector('#register-company');
    const section = page.locator('section.company', { hasText: '涡阳县梦婕农业发展有限公司' });
    await section.waitFor();
    expect(await section.textContent()).toContain('chenjing');
    await expectAccessible(page, 'portal-company');
    await section.locator('input').fill('nobody-here');
    await section.locator('button[type=submit]').click();
    await page.waitForSelector('section.company .field-error:has-text("未找到该自然人账号")');
    await section.locator('input').fill(username);
    await section.locator('button[type=submit]').click();
    await page.waitForSelector(`section.company li:has-text("${username}")`);
    expect(await represents()).toEqual(['涡阳县梦婕农业发展有限公司']);
    await shot(page, '09-company-handler');
    await page.click(`section.company li:has-text("${username}") [data-revoke-handler]`);
    await page.waitForSelector(`section.company li:has-text("${username}")`, { state: 'detached' });
    expect(await represents()).toEqual([]);
    expect(await page.textContent('section.company')).toContain('chenjing');
  }, 120_000);

  it('a clerk previews an image and a PDF labelled by their names in the item, reads the form in the applicant\'s order, and acts after the token expired', async () => {
    const portal = platform.url('declaration');
    await eventually('item replica', async () => (await call('GET', `${portal}/v1/items/${REBIRTH}`)).status === 200, 60_000);
    const item = (await call('GET', `${portal}/v1/items/${REBIRTH}`)).body;
    const citizen = await apiLogin(platform.url('identity-public'), 'zhoumengjie');
    const materials = [];
    for (const [code, file, body, type] of [['id-card', '身份证正反面.png', TINY_PNG, 'image/png'], ['marriage-certificate', '结婚证扫描件.pdf', TINY_PDF, 'application/pdf'], ['children-birth', '出生证.png', TINY_PNG, 'image/png']] as const) {
      const up = await call('POST', `${portal}/v1/materials?itemCode=${REBIRTH}&materialCode=${code}&fileName=${encodeURIComponent(file)}`, { token: citizen, body, contentType: type });
      expect(up.status).toBe(201);
      materials.push({ materialCode: code, materialId: up.body.materialId });
    }
    const receipt = await call('POST', `${portal}/v1/applications`, {
      token: citizen, headers: { 'idempotency-key': `sessions-${randomUUID()}` },
      json: { itemCode: REBIRTH, form: { phone: '13800000001', existingChildren: 1, spouseName: '陶志强', idNumber: '341621199203150020', applicantName: '周梦婕' }, materials },
    });
    expect(receipt.status).toBe(202);
    const clerkToken = await apiLogin(platform.url('identity-staff'), 'window01');
    const kase = await eventually('case in approval', async () => (await call('GET', `${platform.url('approval')}/v1/cases?q=${receipt.body.receiptNo}`, { token: clerkToken })).body.items?.[0], 60_000);

    const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 900 } })).newPage();
    page.on('dialog', (d) => void d.accept());
    const refused: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) refused.push(m.text()); });
    await page.goto(`${platform.ingress.console}/#/login`);
    await signIn(page, 'window01', '王受理');
    await page.waitForSelector('tbody');
    await expectAccessible(page, 'console-inbox');
    await page.goto(`${platform.ingress.console}/#/case/${kase.caseId}`);
    await page.waitForSelector('#case-status:has-text("待受理")');

    // Materials by their names in the item; the file name only beside.
    const labels = await page.$$eval('#case-materials li strong', (els) => els.map((e) => e.textContent));
    expect(labels).toEqual(['申请人居民身份证', '结婚证', '现有子女出生医学证明']);
    // The form in the order of the applicant's form (x-ui), not the stored order.
    const titles = (item.formSchema['x-ui'].order as string[]).map((k) => item.formSchema.properties[k].title as string);
    expect(await page.$$eval('#case-form dt', (els) => els.map((e) => e.textContent))).toEqual(titles);
    await expectAccessible(page, 'console-case');

    // 预览: the image decodes and the PDF opens in a frame; the CSP refuses neither.
    await page.click('button[data-preview="0"]');
    await page.waitForSelector('#preview-0 img.preview');
    await page.waitForFunction(() => { const img = document.querySelector<HTMLImageElement>('#preview-0 img.preview'); return !!img && img.complete && img.naturalWidth > 0; });
    expect(await page.getAttribute('#preview-0 img.preview', 'alt')).toContain('申请人居民身份证');
    await page.click('button[data-preview="1"]');
    const frame = await (await page.waitForSelector('#preview-1 iframe.preview')).contentFrame();
    expect(frame?.url()).toMatch(/^blob:/);
    expect(await page.getAttribute('#preview-1 iframe.preview', 'title')).toContain('结婚证');
    await shot(page, '07-console-preview');
    expect(refused).toEqual([]);

    // The access token expires while the clerk reads: 受理 still goes through, renewed silently.
    await page.evaluate(() => sessionStorage.setItem('staff-token', 'expired.access.token'));
    await page.click('button[data-action=accept]');
    await page.waitForSelector('#case-status:has-text("已受理")');
    expect(await page.evaluate(() => sessionStorage.getItem('staff-token'))).not.toBe('expired.access.token');
    // An ended sign-in returns the clerk to the same case after logging in again.
    await page.evaluate(() => { sessionStorage.setItem('staff-token', 'expired.access.token'); sessionStorage.setItem('staff-refresh', 'ended-sign-in-refresh-token'); });
    await page.reload();
    await page.waitForSelector('#login');
    await signIn(page, 'window01', '王受理');
    await page.waitForSelector(`h1:has-text("${kase.caseNumber}")`);
    await shot(page, '08-console-back-on-case');
  }, 180_000);
});
