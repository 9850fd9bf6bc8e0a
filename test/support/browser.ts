/**
 * Browser-test support: one headless Chromium per test file (Debian's `chromium`, driven by puppeteer-core), pages
 * that refuse every request that does not go to 127.0.0.1 (and record it, so the test fails), and a real server on
 * a loopback port with the console on. Browser suites take `needsChromium()` as their options: skipped with the reason
 * where no Chromium is installed, failed under CI=true.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { Harness } from './harness.js';
import { type StoreKind } from './stores.js';
import { ROOT } from './processes.js';

/** Debian's Chromium (or CHROMIUM_PATH); undefined when none is installed. */
export const CHROMIUM: string | undefined =
  process.env.CHROMIUM_PATH || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** How to get one, for skip reasons and errors. */
export const INSTALL_CHROMIUM = 'apt-get install -y chromium, or set CHROMIUM_PATH to a Chromium binary';

/**
 * The options of a suite that drives Chromium (`describe(name, needsChromium(), fn)`): where none is installed the
 * suite is skipped, with the reason and how to install it (the report and `npm test`'s summary show it). Under
 * CI=true a missing Chromium fails the run: a failed test says so, and the suite is skipped rather than started (a
 * suite whose `before` fails still runs its inner suites' `before` hooks in Node 20, but never their `after` hooks).
 */
export function needsChromium(): { skip?: string } {
  if (CHROMIUM) return {};
  if (process.env.CI !== 'true') return { skip: `Chromium not installed (${INSTALL_CHROMIUM})` };
  test('Chromium is installed (required under CI=true)', () => {
    throw new Error(`Chromium is required under CI=true but none is installed (${INSTALL_CHROMIUM})`);
  });
  return { skip: 'Chromium not installed, which CI=true does not allow (see the failed test)' };
}

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(`no Chromium installed (${INSTALL_CHROMIUM})`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root (CI) Chromium needs --no-sandbox; the pages only ever load this test's own loopback server.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-extensions'],
  });
}

export interface TrackedPage {
  page: Page;
  /** Requests to anything but 127.0.0.1, refused (a test fails when this is not empty). */
  outside: string[];
  /** Bytes received over the network since the last `resetTransfer()` (encoded: what crossed the wire). */
  transferred(): number;
  resetTransfer(): void;
}

export async function trackedPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<TrackedPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const outside: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return void req.continue();
    outside.push(req.url());
    return void req.abort('blockedbyclient');
  });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
  return { page, outside, transferred: () => bytes, resetTransfer: () => void (bytes = 0) };
}

/** A started harness whose app also listens on 127.0.0.1 (port 0), with the control plane and so the console on. */
export class ConsoleServer extends Harness {
  base = '';
  readonly adminToken = `admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;

  constructor(kind: StoreKind) {
    super(kind);
  }

  async listen(): Promise<this> {
    await this.start({ eventLog: 'subscribed', env: { ADMIN_TOKEN: this.adminToken } });
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    this.base = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}`;
    return this;
  }
}

/** Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1 (to commit them), else test-results/. */
export function screenshotDir(): string {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Text of the element matching `selector` once it contains `text` (waits for it). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page
    .waitForFunction(
      (sel, t) => [...document.querySelectorAll(sel)].some((e) => e.textContent?.includes(t)),
      { timeout: 15_000 },
      selector,
      text,
    )
    .catch(async (err: Error) => {
      const shown = await page.$eval('main', (m) => (m as HTMLElement).innerText).catch(() => '(no main)');
      throw new Error(`${err.message}: no "${text}" in ${selector}; the page shows:\n${shown.slice(0, 1500)}`);
    });
}

/** Milliseconds from `write`'s answer until `text` shows in `selector` (waits up to 15 s, then fails). */
export async function msUntilShown(page: Page, selector: string, text: string, write: () => Promise<unknown>): Promise<number> {
  await write();
  const t0 = Date.now();
  await waitForText(page, selector, text);
  return Date.now() - t0;
}
