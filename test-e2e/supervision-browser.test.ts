/**
 * The supervisors' dashboard (电子监察) and the hall display board (大屏) in a real browser (Debian's
 * Chromium via playwright-core), over the real supervision service on real Postgres and NATS, fed
 * with process events as approval and the inbound lane publish them (the supervisor's token is put
 * into the session the way the login form stores it). The demo supervisor's sign-in on the whole
 * platform is the scenario test-e2e/scenarios/supervision-login.ts.
 * axe finds no serious or critical violation on the overview, 整改, rates and board (issue 21).
 * Screenshots go to test-e2e/artifacts/.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import { scanDeadlines } from '../services/supervision/src/monitor.js';
import { expectAccessible, launchChromium, screenshot } from './src/browser.js';
import { PLATFORM_STOP_TIMEOUT_MS } from './src/platform.js';
import { startSupervision, caseFlow, itemPublished, applicationSubmitted, evaluation, type Harness } from '../services/supervision/test/helpers.js';

let h: Harness;
let browser: Browser;
// The service's clock starts at noon (China time) of today and runs on from there, so "today" holds
// every case this file files a few hours back, whenever the run happens (a run at 00:20 China time
// once saw a case completed 55 minutes earlier counted as yesterday's).
const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const offset = new Date(`${today}T12:00:00+08:00`).getTime() - Date.now();
const clock = () => new Date(Date.now() + offset);
const ago = (minutes: number) => new Date(clock().getTime() - minutes * 60_000);
const daysAgo = (days: number, hour = 2) => { const d = new Date(clock().getTime() - days * 86_400_000); d.setUTCHours(hour, 0, 0, 0); return d; };

beforeAll(async () => {
  h = await startSupervision({ clock });
  const WJW = { department: 'gy-wjw', departmentName: '涡阳县卫健委', hall: '涡阳县政务服务中心' };
  const SCJ = { department: 'gy-scj', departmentName: '涡阳县市场监管局', hall: '涡阳县政务服务中心' };
  await h.publishItem(itemPublished('BR-BIRTH', { ...WJW, promisedDays: 5, publishedAt: daysAgo(120) }));
  await h.publishItem(itemPublished('BR-PAPER', { ...WJW, online: false, publishedAt: daysAgo(120) }));
  await h.publishItem(itemPublished('BR-SHOP', { ...SCJ, promisedDays: 3, publishedAt: daysAgo(120) }));
  // Cases over the last two months, some online, one late; a few open today; two completed today.
  let i = 0;
  const file = async (item: string, department: string, online: boolean, steps: Parameters<typeof caseFlow>[1]) => {
    const applicationId = randomUUID();
    const n = `${department.toUpperCase()}-BR-${String(++i).padStart(4, '0')}`;
    if (online) await h.send(applicationSubmitted(applicationId, steps[0]![2], item));
    await h.send(...caseFlow(n, steps, { itemCode: item, department, applicationId }));
    return n;
  };
  for (const [d, late] of [[60, false], [45, true], [30, false], [20, false], [10, true]] as const) {
    const n = await file('BR-BIRTH', 'gy-wjw', d !== 30, [['receive', 'received', daysAgo(d, 1)], ['accept', 'accepted', daysAgo(d, 2)], ['approve', 'approved', daysAgo(d - (late ? 9 : 1), 3), { reason: '符合条件，予以许可' }], ['complete', 'completed', daysAgo(d - (late ? 9 : 1), 4)]]);
    await h.send(evaluation(n, late ? 2 : 5, daysAgo(d - 10), { department: 'gy-wjw', itemCode: 'BR-BIRTH', comment: late ? '办理时间太长' : undefined }));
  }
  await file('BR-SHOP', 'gy-scj', true, [['receive', 'received', daysAgo(40, 1)], ['accept', 'accepted', daysAgo(40, 2)], ['approve', 'approved', daysAgo(39, 3), { reason: '准予登记' }], ['complete', 'completed', daysAgo(39, 4)]]);
  await file('BR-SHOP', 'gy-scj', true, [['receive', 'received', daysAgo(12, 1)], ['accept', 'accepted', daysAgo(12, 2)]]); // open, overdue
  await file('BR-BIRTH', 'gy-wjw', true, [['receive', 'received', daysAgo(6, 1)], ['accept', 'accepted', daysAgo(6, 2)]]); // open, near or past its limit
  await file('BR-BIRTH', 'gy-wjw', true, [['receive', 'received', ago(30)]]); // waiting for acceptance
  await file('BR-SHOP', 'gy-scj', true, [['receive', 'received', ago(90)], ['accept', 'accepted', ago(80)], ['request_supplement', 'supplement_requested', ago(70), { reason: '缺少章程' }]]);
  await file('BR-BIRTH', 'gy-wjw', true, [['receive', 'received', ago(120)], ['accept', 'accepted', ago(110)], ['approve', 'approved', ago(60), { reason: '符合条件' }], ['complete', 'completed', ago(55)]]);
  await file('BR-SHOP', 'gy-scj', false, [['receive', 'received', ago(100)], ['reject', 'rejected', ago(50), { reason: '经营范围不属于本局登记' }]]);
  await scanDeadlines(h.svc.ctx.prisma, clock());
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
}, PLATFORM_STOP_TIMEOUT_MS);

const shot = screenshot;

async function asSupervisor(width: number, height: number): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width, height } });
  const token = h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] });
  await context.addInitScript(([t, p]) => { sessionStorage.setItem('supervision-token', t!); sessionStorage.setItem('supervision-principal', p!); }, [token, JSON.stringify({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })]);
  return context.newPage();
}

describe('supervision dashboard and hall display board in a real browser', () => {
  it('asks for a staff login when there is no session', async () => {
    const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    await page.goto(h.svc.url);
    await page.waitForSelector('text=监察人员登录');
    expect(await page.getAttribute('#username', 'autocomplete')).toBe('username');
    expect(await page.locator('label[for=password]').textContent()).toBe('密码');
  });

  it('shows live counts and warnings by department', async () => {
    const page = await asSupervisor(1280, 900);
    await page.goto(h.svc.url);
    await page.waitForSelector('#departments tbody tr');
    expect(await page.textContent('#who')).toContain('陈监察');
    const rows = await page.$$eval('#departments tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // Departments by code: gy-scj, then gy-wjw.
    expect(rows.map((r) => r[0])).toEqual(['涡阳县市场监管局', '涡阳县卫健委']);
    expect(rows[1]![1]).toBe('2'); // open at 卫健委
    expect(rows[1]![2]).toBe('1'); // completed today
    expect(Number(await page.textContent('#total-red'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('table.warnings tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('table.warnings')).toContain('红牌');
    await shot(page, 'supervision-01-overview');
    await expectAccessible(page, 'supervision-overview');

    await page.click('text=差评整改');
    await page.waitForSelector('text=办理时间太长');
    await shot(page, 'supervision-03-rectifications');
    await expectAccessible(page, 'supervision-rectifications');
  });

  it('draws the four rates over time with Chart.js', async () => {
    const page = await asSupervisor(1280, 1100);
    await page.goto(`${h.svc.url}/#/rates`);
    await page.waitForSelector('#rates tbody tr');
    // One canvas per rate, each drawn by Chart.js with one line per department.
    const charts = await page.evaluate(() => ['entry', 'online', 'onTime', 'satisfaction'].map((k) => {
      const chart = (window as unknown as { Chart: { getChart(el: Element): { data: { datasets: { label: string; data: (number | null)[] }[] } } | undefined } }).Chart.getChart(document.getElementById(`chart-${k}`)!);
      return chart ? chart.data.datasets.map((d) => [d.label, d.data.filter((v) => v !== null).length]) : null;
    }));
    for (const c of charts) {
      expect(c).not.toBeNull();
      expect(c!.map((d) => d[0])).toEqual(['涡阳县市场监管局', '涡阳县卫健委']);
      expect(c!.some((d) => (d[1] as number) >= 1)).toBe(true);
    }
    const table = await page.textContent('#rates');
    expect(table).toContain('事项进驻率');
    expect(table).toMatch(/50\.0%（1\/2）/); // 卫健委: one of its two items is handled online
    await shot(page, 'supervision-02-rates');
    await expectAccessible(page, 'supervision-rates');
  });

  it('works on a phone-sized screen', async () => {
    const page = await asSupervisor(390, 844);
    await page.goto(h.svc.url);
    await page.waitForSelector('#departments tbody tr');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'supervision-04-phone');
  });

  it('shows the hall display board with queue, today\'s completions and results, and refreshes by itself', async () => {
    const page = await (await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1920, height: 1080 } })).newPage();
    await page.goto(`${h.svc.url}/board.html?refresh=500`);
    await page.waitForSelector('#queue tbody tr');
    expect(await page.textContent('#completed-today')).toBe('1');
    const queue = await page.$$eval('#queue tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(queue).toEqual([['涡阳县市场监管局', '0', '1', '1'], ['涡阳县卫健委', '1', '1', '0']]);
    const recent = await page.textContent('#recent');
    expect(recent).toContain('不予受理');
    expect(recent).toContain('已办结');
    expect(recent).not.toContain('GY-WJW-BR'); // masked
    await shot(page, 'supervision-05-board');
    await expectAccessible(page, 'supervision-board');

    // A case completed now shows up without anyone touching the screen.
    const applicationId = randomUUID();
    await h.send(...caseFlow('GY-WJW-BR-LIVE', [['receive', 'received', ago(20)], ['accept', 'accepted', ago(15)], ['approve', 'approved', ago(10), { reason: '符合条件' }], ['complete', 'completed', ago(1)]], { itemCode: 'BR-BIRTH', applicationId }));
    await page.waitForFunction(() => document.getElementById('completed-today')?.textContent === '2', undefined, { timeout: 15_000 });
    expect(Number(await page.getAttribute('body', 'data-refreshed'))).toBeGreaterThanOrEqual(2);
    await shot(page, 'supervision-06-board-refreshed');
  });
});
