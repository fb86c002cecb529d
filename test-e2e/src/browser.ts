/**
 * Debian's Chromium for the browser tests (playwright-core drives it; no browser download), and
 * screenshots saved as test artefacts in test-e2e/artifacts/. The flags keep Chromium off the
 * network it cannot reach on these machines (background services, QUIC, component updates).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { budget } from '@hall/testkit';

export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Chromium. Every context it opens waits for selectors, navigations and actions with
 * playwright's usual 30 s scaled by the machine's load (`budget`), like every other wait here.
 */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.setDefaultTimeout(budget(30_000));
    context.setDefaultNavigationTimeout(budget(30_000));
    return context;
  };
  return browser;
}

/** A full-page screenshot as test-e2e/artifacts/<name>.png. */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fills the login form (portal or console) and waits until the page shows who is signed in (demo accounts share one password). */
export async function signIn(page: Page, username: string, displayName: string, password = 'Hall#2026'): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector(`#who:has-text("${displayName}")`);
}

/**
 * Reloads until `selector` shows `text` (results come back through the lanes asynchronously);
 * on timeout saves a screenshot as `<shotPrefix><selector letters>.png` and throws. The time
 * budget is scaled by the machine's load like every wait (`budget`). Reloads back off from 300 ms
 * to 2 s: each reload parses and renders the whole single-page app again, and reloading twice a
 * second took CPU from the very services whose result the page waits for.
 */
export async function reloadUntil(page: Page, selector: string, text: string | RegExp, opts: { timeoutMs: number; shotPrefix: string }): Promise<string> {
  const deadline = Date.now() + budget(opts.timeoutMs);
  for (let pause = 300; ; pause = Math.min(2000, Math.round(pause * 1.5))) {
    const el = await page.$(selector);
    const t = el ? await el.textContent() : null;
    if (t && (typeof text === 'string' ? t.includes(text) : text.test(t))) return t;
    if (Date.now() > deadline) {
      await screenshot(page, `${opts.shotPrefix}${selector.replace(/[^a-z]/gi, '')}`);
      throw new Error(`timed out waiting for ${selector} to show ${text}, last: ${t}`);
    }
    await page.waitForTimeout(pause);
    await page.reload();
    await page.waitForLoadState('domcontentloaded');
  }
}

/**
 * axe-core (@axe-core/playwright) on the page as it is now, with the WCAG 2.1 A and AA rules:
 * throws on any serious or critical violation, naming the rule, its impact and the first elements
 * (and saves `axe-<name>.png`). Minor and moderate findings are not failures here.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (!bad.length) return;
  await screenshot(page, `axe-${name}`);
  throw new Error(`axe: ${bad.length} serious or critical violation(s) on ${name} (${page.url()}):\n${bad.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ') ?? ''}`).join('\n    ')}`).join('\n')}`);
}
