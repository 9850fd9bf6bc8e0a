/**
 * The web console end to end, in headless Chromium against a real server on 127.0.0.1, on both stores: sign-in (and
 * a wrong token refused), a licence's agents, the open licence view following the licence live (an agent and a tag
 * created through the API shown within 1 s without a reload, nothing loaded for another licence's change, the stream
 * closed on leaving), a webhook delivery arriving live and opening to its body, a resend with its new attempt, a
 * failed call in the journal, sign-out. Screenshots of each main view are saved (docs/screenshots with
 * UPDATE_SCREENSHOTS=1). Skipped (with the reason) when no Chromium is installed and CI is not set; under CI=true it
 * is required.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { postgresOrSkip, type StoreKind } from '../support/stores.js';
import { Receiver, waitFor } from '../support/webhooks.js';
import { ConsoleServer, launchBrowser, msUntilShown, needsChromium, screenshotDir, trackedPage, waitForText, type TrackedPage } from '../support/browser.js';

const FIRST_VIEW_BUDGET = 200 * 1024;
let browser: Browser;

/** How many subscribers the server's licence change feed has for the licence (one per open view of it). */
const liveStreams = (server: ConsoleServer, licenseId: number): number => server.app.changes.subscribers(licenseId);

/** Wait (up to 5 s) until `ok()` holds. */
async function waitUntil(ok: () => boolean | Promise<boolean>, message: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !(await ok()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) assert.fail(message);
  }
}

/** Click the dialog's confirm button once the confirmation is open. */
async function confirm(page: Page): Promise<void> {
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
}

describe('web console in Chromium', needsChromium(), () => {
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  for (const kind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
    describe(`web console in Chromium [${kind}]`, async () => {
      if (kind === 'postgres' && !(await postgresOrSkip())) return;
      const server = new ConsoleServer(kind);
      const rx = new Receiver();
      let tp: TrackedPage;
      let page: Page;
      const shots = kind === 'sqlite' ? screenshotDir() : undefined;
      /** Save a screenshot, after checking the view shows no stray rendering of a non-text value. */
      const shot = async (name: string, fullPage = false) => {
        const text = await page.$eval('main', (m) => (m as HTMLElement).innerText);
        assert.doesNotMatch(text, /\[object |\bundefined\b|^null$|\bNaN\b/m, `${name} view`);
        if (shots && !name.startsWith('tab-')) await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
      };

      before(async () => {
        await Promise.all([server.listen(), rx.start()]);
        tp = await trackedPage(browser);
        page = tp.page;
      });
      after(async () => {
        await page?.close();
        await server.stop();
        await rx.stop();
        assert.deepEqual(tp?.outside ?? [], [], 'the console requested something outside 127.0.0.1');
      });

      it('loads the first view under 200 KB and refuses a wrong admin token', async () => {
        tp.resetTransfer();
        await page.goto(`${server.base}/console`, { waitUntil: 'networkidle0' });
        await page.waitForSelector('#token');
        const bytes = tp.transferred();
        assert.ok(bytes > 0 && bytes < FIRST_VIEW_BUDGET, `first view transferred ${bytes} bytes`);
        await shot('sign-in');

        await page.type('#token', 'not-the-admin-token');
        await page.keyboard.press('Enter');
        await waitForText(page, '.error', 'authentication');
        await waitForText(page, '.error', 'Wrong admin token');
        assert.deepEqual(await page.cookies(), []);
        assert.equal(await page.$eval('#nav', (e) => getComputedStyle(e).display), 'none', 'no navigation before sign-in');
      });

      it('signs in with the admin token into an HttpOnly, SameSite=Strict session and lists licences', async () => {
        await page.$eval('#token', (e) => ((e as HTMLInputElement).value = ''));
        await page.type('#token', server.adminToken);
        await page.click('button[type=submit]');
        await waitForText(page, 'main table', String(server.boot.license_id));
        const cookies = await page.cookies();
        assert.equal(cookies.length, 1);
        assert.equal(cookies[0]!.httpOnly, true);
        assert.equal(cookies[0]!.sameSite, 'Strict');
        assert.notEqual(cookies[0]!.value, server.adminToken);
        assert.ok(!page.url().includes(server.adminToken));
        assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
        await shot('licences');
      });

      it('is usable from the keyboard: skip link first, visible focus, links and buttons reached with Tab', async () => {
        await page.reload();
        await waitForText(page, 'main table', String(server.boot.license_id));
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
        assert.equal(outline, 'solid', 'focused elements show an outline');
        // Tab to the licence's link and open it with Enter.
        const target = `#/licenses/${server.boot.license_id}/agents`;
        for (let i = 0; i < 30; i++) {
          await page.keyboard.press('Tab');
          if ((await page.evaluate(() => document.activeElement?.getAttribute('href'))) === target) break;
        }
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), target);
        await page.keyboard.press('Enter');
        await waitForText(page, 'main table', server.boot.owner.id);
        await page.goto(`${server.base}/console#/licenses`);
        await page.waitForSelector(`a[href="${target}"]`);
      });

      it("shows a licence's agents, and an agent created through the API within 1 s, without a reload", async () => {
        await page.click(`a[href="#/licenses/${server.boot.license_id}/agents"]`);
        await waitForText(page, 'main table', server.boot.owner.id);
        await waitForText(page, 'main table', 'owner');
        await waitForText(page, '#tab-status', 'updated live');
        await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
        const ms = await msUntilShown(page, 'main table', 'ada@example.com', () =>
          server.ok('create_agent', { id: 'ada@example.com', name: 'Ada', role: 'administrator', groups: [{ id: 0, priority: 'first' }] }),
        );
        assert.ok(ms < 1000, `the new agent appeared ${ms} ms after the API answered`);
        await waitForText(page, 'main table', '0 (first)');
        assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was not reloaded');
        assert.equal(await page.$eval('tr[data-id="ada@example.com"]', (tr) => tr.classList.contains('new')), true, 'the new row is highlighted');
        // The manual reload is still there.
        await page.click('#refresh');
        await waitForText(page, 'main table', 'ada@example.com');
        await shot('agents');
        const narrow = await trackedPage(browser, { width: 390, height: 844 });
        try {
          await narrow.page.setCookie(...(await page.cookies()));
          await narrow.page.goto(`${server.base}/console#/licenses/${server.boot.license_id}/agents`);
          await waitForText(narrow.page, 'main table', 'ada@example.com');
          const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px screen`);
          if (shots) await narrow.page.screenshot({ path: join(shots, 'agents-390.png') });
          assert.deepEqual(narrow.outside, []);
        } finally {
          await narrow.page.close();
        }
      });

      it("follows the open tab live: a tag appears within 1 s, another licence's change loads nothing, leaving closes the stream", async () => {
        const L = server.boot.license_id;
        await page.goto(`${server.base}/console#/licenses/${L}/tags`);
        await waitForText(page, '#tab-status', 'updated live');
        await new Promise((r) => setTimeout(r, 300)); // past a catch-up load, should the stream have been slower than the first load
        const tabLoads: string[] = [];
        const count = (req: HTTPRequest) => {
          if (req.url().includes(`/console/api/licenses/${L}/tabs/`)) tabLoads.push(req.url());
        };
        page.on('request', count);
        try {
          const other = await server.bootstrap();
          await server.ok('create_tag', { name: 'not-here', group_ids: [0] }, { token: other.bearer_token });
          await new Promise((r) => setTimeout(r, 600));
          assert.deepEqual(tabLoads, [], "another licence's change does not reload this one");
          const ms = await msUntilShown(page, 'main table', 'live-tag', () => server.ok('create_tag', { name: 'live-tag', group_ids: [0] }));
          assert.ok(ms < 1000, `the new tag appeared ${ms} ms after the API answered`);
          assert.equal(tabLoads.length, 1, 'one load for one change');
        } finally {
          page.off('request', count);
        }
        // Leaving the licence closes its stream: the server's feed no longer has a subscriber for it.
        assert.equal(liveStreams(server, L), 1);
        await page.goto(`${server.base}/console#/licenses`);
        await waitForText(page, 'main table', String(L));
        await waitUntil(() => liveStreams(server, L) === 0, 'the licence stream was not closed on leaving the view');
        await page.goto(`${server.base}/console#/licenses/${L}/agents`);
        await waitForText(page, 'main table', 'ada@example.com');
      });

      it('renders every licence tab from what the API holds', async () => {
        const groupId = (await server.ok('create_group', { name: 'Support', agent_priorities: { 'ada@example.com': 'normal' } })).id;
        await server.ok('create_tag', { name: 'urgent', group_ids: [groupId] });
        await server.ok('add_auto_access', { access: { groups: [groupId] }, conditions: { domain: { values: [{ value: 'example.com', exact_match: true }] } } });
        await server.ok('create_bot', { name: 'Robo', owner_client_id: server.boot.client_id });
        const ban = await server.app.inject({
          method: 'POST',
          url: `/admin/licenses/${server.boot.license_id}/bans`,
          headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ ip: '198.51.100.23', agent_id: 'ada@example.com' }),
        });
        assert.equal(ban.statusCode, 200, ban.body);
        const tabs: Array<[string, string, string]> = [
          ['groups', 'main table', 'ada@example.com (normal)'],
          ['bots', 'main table', 'Robo'],
          ['tags', 'main table', 'urgent'],
          ['auto_access', 'main table', 'example.com'],
          ['bans', 'main table', '198.51.100.23'],
          ['properties', 'main', 'Licence values'],
          ['webhooks', 'main', 'Licence webhooks'],
        ];
        for (const [tab, where, text] of tabs) {
          // The previous tab may show the same text ('example.com'): wait for this tab's view (its link current) first;
          // the tab bar is rendered anew with each view, so wait for it before clicking.
          const link = `a[href="#/licenses/${server.boot.license_id}/${tab}"]`;
          await page.waitForSelector(link);
          await page.click(link);
          await page.waitForSelector(`${link}[aria-current="page"]`);
          await waitForText(page, where, text);
          await shot(`tab-${tab}`);
        }
      });

      let deliveryId = '';
      it('shows a webhook delivery arriving live and opens its exact body', async () => {
        const path = `/hooks/${kind}`;
        const webhookId = (await server.ok('register_webhook', {
          action: 'agent_created', url: rx.url(path), secret_key: 'console-secret', type: 'license', owner_client_id: server.boot.client_id,
        })).id as string;
        await page.click(`a[href="#/licenses/${server.boot.license_id}/deliveries"]`);
        await page.waitForSelector('#deliveries-list');
        await waitForText(page, '.live', 'live');
        await server.ok('create_agent', { id: 'grace@example.com', name: 'Grace' });
        await waitFor('the delivery at the receiver', () => rx.acked(path).length === 1);
        await waitForText(page, '#deliveries-list', 'agent_created');
        await waitForText(page, '#deliveries-list', 'delivered');
        await page.click('#deliveries-list a.open-delivery');
        await waitForText(page, '#delivery-body', 'grace@example.com');
        const shown = JSON.parse(await page.$eval('#delivery-body', (e) => e.textContent ?? ''));
        assert.deepEqual(shown, rx.acked(path)[0]!.body);
        assert.equal(shown.webhook_id, webhookId);
        const raw = await page.$eval('#delivery-raw', (e) => e.textContent ?? '');
        assert.equal(raw, rx.acked(path)[0]!.raw);
        deliveryId = page.url().split('/').pop()!;
        await waitForText(page, '#delivery-headers', `x-webhook-delivery-id: ${deliveryId}`);
        await shot('delivery', true);
      });

      it('resends the delivery after confirmation and shows the new attempt', async () => {
        const path = `/hooks/${kind}`;
        await page.waitForSelector('table[aria-label=Attempts] tbody tr');
        assert.equal((await page.$$('table[aria-label=Attempts] tbody tr')).length, 1);
        await page.$eval('#resend', (b) => (b as HTMLButtonElement).click());
        await confirm(page);
        await waitFor('the resent delivery at the receiver', () => rx.acked(path).length === 2);
        await page.waitForFunction(() => document.querySelectorAll('table[aria-label=Attempts] tbody tr').length === 2, { timeout: 15_000 });
        await waitForText(page, '#toast', 'queued again');
        assert.equal(rx.acked(path)[1]!.headers['x-webhook-delivery-id'], deliveryId);
      });

      it('switches licence webhooks off and on per application after confirmation', async () => {
        await page.click(`a[href="#/licenses/${server.boot.license_id}/webhooks"]`);
        const section = `section[data-client-id="${server.boot.client_id}"]`;
        await waitForText(page, `${section} .webhooks-state`, 'enabled');
        await shot('webhooks');
        const renders = () => page.$eval('#tab-body', (b) => Number((b as HTMLElement).dataset.renders ?? 0));
        const before = await renders();
        await page.click(`${section} .switch-state`);
        await confirm(page);
        await waitForText(page, `${section} .webhooks-state`, 'disabled');
        const state = await server.ok('get_license_webhooks_state', { owner_client_id: server.boot.client_id });
        assert.equal(state.license_webhooks_enabled, false);
        // The console's own change comes back through the licence's stream: the tab is drawn again from the server.
        await page.waitForFunction((n) => Number((document.querySelector('#tab-body') as HTMLElement).dataset.renders) > n, { timeout: 5000 }, before);
        await waitForText(page, `${section} .webhooks-state`, 'disabled');
        await page.click(`${section} .switch-state`);
        await confirm(page);
        await waitForText(page, `${section} .webhooks-state`, 'enabled');
      });

      it('shows a failed call arriving live in the journal, filtered by error type, and opens it', async () => {
        await page.click('a[href="#/calls"]');
        await page.waitForSelector('#calls-list');
        await waitForText(page, '.live', 'live');
        await page.select('#filter-error_type', 'not_found');
        await page.waitForFunction(() => !document.querySelector('#calls-list tbody tr') || [...document.querySelectorAll('#calls-list tbody tr')].every((r) => r.textContent?.includes('not_found')));
        const res = await server.call('get_agent', { id: 'nobody@example.com' });
        assert.equal(res.body.error.type, 'not_found');
        await server.ok('list_agents', {}); // a successful call: filtered out
        await waitForText(page, '#calls-list', 'get_agent');
        const rows = await page.$$eval('#calls-list tbody tr', (trs) => trs.map((t) => t.textContent ?? ''));
        assert.ok(rows.length >= 1 && rows.every((r) => r.includes('not_found') && !r.includes('list_agents')), rows.join(' | '));
        assert.ok(rows.every((r) => r.includes('v3.5')), `each call shows its API version: ${rows.join(' | ')}`);
        await server.call('get_agent', { id: 'nobody@example.com' }, { version: 'v3.6' });
        await waitForText(page, '#calls-list', 'v3.6');
        await page.click('#calls-list a.open-call');
        await waitForText(page, '#call-detail', 'not_found');
        await waitForText(page, '#call-detail', 'bearer');
        await waitForText(page, '#call-detail', 'API version');
        await waitForText(page, '#call-detail', 'v3.6');
        await shot('calls');
        await page.select('#filter-error_type', '');
      });

      it('reports a refused side effect in words with its error type', async () => {
        const detail = await server.ok('list_webhooks', { owner_client_id: server.boot.client_id });
        await server.ok('unregister_webhook', { id: detail[0].id, owner_client_id: server.boot.client_id });
        await page.goto(`${server.base}/console#/licenses/${server.boot.license_id}/deliveries/${deliveryId}`);
        await page.waitForSelector('#resend');
        await page.$eval('#resend', (b) => (b as HTMLButtonElement).click()); // the card may re-render under a live update
        await confirm(page);
        await waitForText(page, '#delivery-detail .error', 'validation');
        await waitForText(page, '#delivery-detail .error', 'unregistered');
      });

      it('takes a snapshot, restores it and resets the licence, each after confirmation', async () => {
        await page.goto(`${server.base}/console#/licenses/${server.boot.license_id}/agents`);
        await waitForText(page, 'main table', 'grace@example.com');
        await page.click('#snapshot-take');
        await waitForText(page, '#toast', 'Snapshot');
        await page.waitForSelector('#restore:not([disabled])');
        await server.ok('create_agent', { id: 'linus@example.com', name: 'Linus' });
        await page.click('#refresh');
        await waitForText(page, 'main table', 'linus@example.com');
        await page.click('#restore');
        await confirm(page);
        await waitForText(page, '#toast', 'restored');
        await waitForText(page, 'main table', 'grace@example.com');
        assert.ok(!(await page.$eval('main table', (t) => t.textContent ?? '')).includes('linus@example.com'));
        await page.click('#reset');
        await page.waitForSelector('dialog#confirm[open]');
        await page.click('dialog#confirm button[value=cancel]'); // cancelled: nothing happens
        assert.ok((await page.$eval('main table', (t) => t.textContent ?? '')).includes('grace@example.com'));
        await page.click('#reset');
        await confirm(page);
        await waitForText(page, '#toast', 'reset');
        await page.waitForFunction(() => document.querySelectorAll('main table tbody tr').length === 1);
        const agents = await server.ok('list_agents', {});
        assert.deepEqual(agents.map((a: { id: string }) => a.id), [server.boot.owner.id]);
      });

      it('signs out: the session cookie no longer opens the console API', async () => {
        const cookie = (await page.cookies())[0]!;
        await page.click('#sign-out');
        await page.waitForSelector('#token');
        const res = await fetch(`${server.base}/console/api/licenses`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).error.type, 'authentication');
      });
    });
  }
});
