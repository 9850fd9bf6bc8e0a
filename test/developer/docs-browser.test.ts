/**
 * GET /docs in a real browser: headless Chromium (Debian's `chromium`) driven by puppeteer-core opens the page on a
 * real port, finds every area and a sample of actions rendered (v3.6, the default), switches the version menu to v3.5
 * and v3.4, and saves a screenshot to test-artifacts/docs.png. Any request the page makes outside 127.0.0.1 is
 * aborted and fails the test.
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
const AREAS = ['Agents', 'Auto access', 'Bots', 'Groups', 'Properties', 'Tags', 'Webhooks', 'Other', 'Greetings', 'Customer bans'];
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
    await page.waitForFunction((n: number) => document.querySelectorAll('.opblock').length >= n, { timeout: 30_000 }, 73);

    const tags = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag') ?? e.textContent ?? ''));
    for (const area of AREAS) assert.ok(tags.some((t) => t.startsWith(area)), `area ${area} not rendered: ${tags.join(' | ')}`);
    const shownPaths = () => page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.replace(/\u200b/g, '').trim() ?? ''));
    let paths = await shownPaths();
    assert.equal(paths.length, 73);
    for (const name of [...SAMPLE, 'create_greeting', 'list_customer_bans']) assert.ok(paths.includes(`/v3.6/configuration/action/${name}`), `${name} not rendered`);
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

    // The version menu: v3.6 (stable) selected; v3.5 and v3.4 switch the document.
    const options = await page.$$eval('.topbar select option', (els) => els.map((e) => (e as HTMLOptionElement).text));
    assert.deepEqual(options, ['v3.6 (stable)', 'v3.5 (legacy)', 'v3.4 (deprecated)']);
    assert.equal(await page.$eval('.topbar select', (e) => (e as HTMLSelectElement).selectedOptions[0]?.text), 'v3.6 (stable)');
    for (const [label, prefix, count] of [['v3.5 (legacy)', '/v3.5/', 63], ['v3.4 (deprecated)', '/v3.4/', 46]] as const) {
      const value = await page.$$eval('.topbar select option', (els, l) => (els.find((e) => (e as HTMLOptionElement).text === l) as HTMLOptionElement).value, label);
      await page.select('.topbar select', value);
      await page.waitForFunction((p: string, n: number) => {
        const shown = [...document.querySelectorAll('.opblock-summary-path')].map((e) => e.textContent?.replace(/\u200b/g, '').trim() ?? '');
        return shown.length === n && shown.every((x) => x.startsWith(p));
      }, { timeout: 30_000 }, prefix, count);
    }
    paths = await shownPaths();
    assert.ok(!paths.includes('/v3.4/configuration/action/list_tags'));
    for (const name of ['list_license_properties', 'list_group_properties', 'get_license_id', 'get_organization_id']) {
      assert.equal(paths.filter((p) => p === `/v3.4/configuration/action/${name}`).length, 2, `${name}: GET and POST`);
    }
    const text34 = await page.evaluate(() => document.body.innerText);
    assert.match(text34, /Deprecation/);
    assert.ok(local.includes('/docs/json'), 'the page loaded the documents from this server');
    assert.deepEqual(outside, [], `requests outside 127.0.0.1: ${outside.join(', ')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
