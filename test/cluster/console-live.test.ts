/**
 * The console is live across nodes (issue 23): two `config-api serve` processes on one PostgreSQL database, the
 * console open in headless Chromium on node A, and changes made elsewhere — an API write on node B, the control plane
 * of node B, a write of another process of the database (the CLI's kind: a core of this test process) — shown in the
 * open licence view within 1 s, without a reload. The nodes' change signals (LISTEN/NOTIFY) carry the licence ids;
 * node A's console stream tells the page.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'puppeteer-core';
import { postgresOrSkip } from '../support/stores.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { launchBrowser, msUntilShown, needsChromium, trackedPage, waitForText, type TrackedPage } from '../support/browser.js';
import { updateLicense } from '../../src/provisioning/licenses.js';

const ADMIN_TOKEN = 'console-live-admin-token-0123456789';

describe('the console open on one node follows changes made on another [postgres]', needsChromium(), async () => {
  if (!(await postgresOrSkip())) return;
  let cluster: Cluster;
  let browser: Browser;
  let tp: TrackedPage;
  let page: Page;

  before(async () => {
    // Token lookups cached for 10 minutes: only the signals make a node see another's writes at once.
    [cluster, browser] = await Promise.all([startCluster(2, { ADMIN_TOKEN, AUTH_CACHE_TTL_MS: '600000' }), launchBrowser()]);
    tp = await trackedPage(browser);
    page = tp.page;
  });
  after(async () => {
    await page?.close();
    await browser?.close();
    await cluster?.stop();
    assert.deepEqual(tp?.outside ?? [], [], 'the console requested something outside 127.0.0.1');
  });

  it('shows an agent created through node B, a plan changed by another process and a ban made by node B’s control plane within 1 s', async () => {
    const a = cluster.nodes[0]!;
    const b = cluster.nodes[1]!;
    const L = cluster.lic.license_id;
    await page.goto(`${a.base}/console`);
    await page.waitForSelector('#token');
    await page.type('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await waitForText(page, 'main table', String(L));
    await page.goto(`${a.base}/console#/licenses/${L}/agents`);
    await waitForText(page, 'main table', cluster.lic.owner.id);
    await waitForText(page, '#tab-status', 'updated live');
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    const agent = await msUntilShown(page, 'main table', 'grace@example.com', async () => {
      const res = await b.call(cluster.lic.bearer_token, 'create_agent', { id: 'grace@example.com', name: 'Grace' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
    assert.ok(agent < 1000, `node B's new agent appeared on node A's console after ${agent} ms`);

    const plan = await msUntilShown(page, '#license-summary', 'plan team', () =>
      cluster.core.transaction((tx) => updateLicense(tx, L, { plan: 'team' }), { licenseId: L }),
    );
    assert.ok(plan < 1000, `the plan changed by another process appeared after ${plan} ms`);

    await page.goto(`${a.base}/console#/licenses/${L}/bans`);
    await waitForText(page, '#tab-status', 'updated live');
    const ban = await msUntilShown(page, 'main table', '10.9.8.7', async () => {
      const res = await fetch(`${b.base}/admin/licenses/${L}/bans`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ip: '10.9.8.7', agent_id: cluster.lic.owner.id }),
      });
      assert.equal(res.status, 200, await res.text());
    });
    assert.ok(ban < 1000, `the ban made by node B's control plane appeared after ${ban} ms`);
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was not reloaded');
  });
});
