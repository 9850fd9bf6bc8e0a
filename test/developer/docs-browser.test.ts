/**
 * GET /docs in a real browser: headless Chromium (Debian's `chromium`) driven by puppeteer-core opens the page on a
 * real port, finds every area and a sample of actions rendered, and saves a screenshot to
 * test-artifacts/docs.png. Any request the page makes outside 127.0.0.1 is aborted and fails the test.
 * Skipped (with the reason) when no Chromium is installed and CI is not set; under CI=true it is required.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { Harness } from '../support/harness.js';
import { launchBrowser, needsChromium, trackedPage } from '../support/browser.js';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const AREAS = ['Agents', 'Auto access', 'Bots', 'Groups', 'Properties', 'Tags', 'Webhooks', 'Other'];
const SAMPLE = ['create_agent', 'list_agents', 'batch_create_agents', 'create_bot_template', 'list_tags', 'register_webhook', 'list_license_properties', 'check_product_limits_for_plan'];

describe('docs page in headless Chromium', needsChromium(), () => {
  const h = new Harness('sqlite');
  let browser: Browser;
  let origin: string;
  before(async () => {
    await h.start();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    origin = `http://127.0.0.1:${addr.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h.stop();
  });

  it('renders every area and a sample of actions from local assets only', async () => {
    const { page, outside } = await trackedPage(browser, { width: 1280, height: 900 });
    const local: string[] = []; // trackedPage lets these through and refuses (and records) the rest
    page.on('request', (req) => void local.push(new URL(req.url()).pathname));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const res = await page.goto(`${origin}/docs`, { waitUntil: 'networkidle0' });
    assert.equal(res?.status(), 200);
    await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
    await page.waitForFunction((n: number) => document.querySelectorAll('.opblock').length >= n, { timeout: 30_000 }, 63);

    const tags = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag') ?? e.textContent ?? ''));
    for (const area of AREAS) assert.ok(tags.some((t) => t.startsWith(area)), `area ${area} not rendered: ${tags.join(' | ')}`);
    const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.replace(/\u200b/g, '').trim() ?? ''));
    assert.equal(paths.length, 63);
    for (const name of SAMPLE) assert.ok(paths.includes(`/v3.5/configuration/action/${name}`), `${name} not rendered`);
    const text = await page.evaluate(() => document.body.innerText);
    assert.match(text, /Creates a new agent with specified parameters within a license\./);
    assert.match(text, /Configuration API/);

    // Open one operation: its request body and responses render from the document.
    await page.click('#operations-Agents-create_agent .opblock-summary-control');
    await page.waitForSelector('#operations-Agents-create_agent .responses-table', { timeout: 30_000 });
    const opText = await page.$eval('#operations-Agents-create_agent', (e) => (e as HTMLElement).innerText);
    for (const s of ['409', '429', 'already_exists']) assert.ok(opText.includes(s), `create_agent details lack ${s}`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    assert.ok(existsSync(join(ARTIFACTS, 'docs.png')));
    assert.ok(local.includes('/docs/json'), 'the page loaded the document from this server');
    assert.deepEqual(outside, [], `requests outside 127.0.0.1: ${outside.join(', ')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
