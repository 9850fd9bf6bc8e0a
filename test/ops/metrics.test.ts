/** GET /metrics after real calls through a real port, on both stores; one registry per app; METRICS_TOKEN. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postgresOrSkip } from '../support/stores.js';
import { Receiver, waitFor } from '../support/webhooks.js';
import { liveApp, type LiveApp } from '../support/ops.js';

/** The value of one sample of a Prometheus text exposition (labels in any order), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    const same = Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v);
    if (same) return Number(m[3]);
  }
  return undefined;
}

async function scrape(s: LiveApp, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${s.base}/metrics`, { headers });
  assert.equal(res.status, 200);
  assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
  return res.text();
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`metrics [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    const rx = new Receiver();
    let s: LiveApp;
    before(async () => {
      await rx.start();
      rx.behaviour = (path) => (path === '/hang' ? 'hang' : 200);
      s = await liveApp(kind, {}, { authCacheTtlMs: 60_000 });
    });
    after(async () => {
      await rx.stop();
      await s.stop();
    });

    it('counts and times calls per action and outcome, batch sizes and the authentication cache', async () => {
      assert.equal((await s.call('list_agents', {})).status, 200);
      assert.equal((await s.call('list_agents', {})).status, 200);
      assert.equal((await s.call('create_agent', {})).status, 400);
      assert.equal((await s.call('no_such_action', {})).status, 404);
      assert.equal((await s.call('list_auto_access', {})).status, 200); // an alias: counted under its action
      const batch = await s.call('batch_create_agents', {
        requests: [1, 2, 3].map((i) => ({ id: `m${i}@example.com`, name: `M${i}` })),
      });
      assert.equal(batch.status, 200);
      const text = await scrape(s);
      assert.equal(sample(text, 'config_api_requests_total', { version: 'v3.5', action: 'list_agents', status: '200', error_type: '' }), 2);
      assert.equal(sample(text, 'config_api_requests_total', { version: 'v3.5', action: 'create_agent', status: '400', error_type: 'validation' }), 1);
      assert.equal(sample(text, 'config_api_requests_total', { version: 'v3.5', action: '_unknown', status: '404', error_type: 'not_found' }), 1);
      assert.equal(sample(text, 'config_api_requests_total', { version: 'v3.5', action: 'list_auto_accesses', status: '200', error_type: '' }), 1);
      assert.equal(sample(text, 'config_api_request_duration_seconds_count', { version: 'v3.5', action: 'list_agents', status: '200', error_type: '' }), 2);
      assert.ok(sample(text, 'config_api_request_duration_seconds_sum', { version: 'v3.5', action: 'list_agents', status: '200', error_type: '' })! > 0);
      // Each version counts under its own label; versions not served under one label.
      const v = (version: string, action: string) => fetch(`${s.base}/${version}/configuration/action/${action}`, {
        method: 'POST', headers: { authorization: `Bearer ${s.boot.bearer_token}`, 'content-type': 'application/json' }, body: '{}',
      });
      assert.equal((await v('v3.6', 'list_agents')).status, 200);
      assert.equal((await v('v3.4', 'list_tags')).status, 404);
      assert.equal((await v('v3.9', 'list_agents')).status, 400);
      assert.equal((await v('v9.9', 'list_agents')).status, 400);
      const after = await scrape(s);
      assert.equal(sample(after, 'config_api_requests_total', { version: 'v3.6', action: 'list_agents', status: '200', error_type: '' }), 1);
      assert.equal(sample(after, 'config_api_requests_total', { version: 'v3.4', action: '_unknown', status: '404', error_type: 'not_found' }), 1); // v3.4 has no list_tags
      assert.equal(sample(after, 'config_api_requests_total', { version: '_unsupported', action: 'list_agents', status: '400', error_type: 'unsupported_version' }), 2);
      assert.equal(sample(after, 'config_api_request_duration_seconds_bucket', { version: 'v3.6', action: 'list_agents', status: '200', error_type: '', le: '+Inf' }), 1);
      assert.equal(sample(after, 'config_api_requests_total', { version: 'v3.5', action: 'list_agents', status: '200', error_type: '' }), 2);
      assert.equal(sample(text, 'config_api_batch_size_count', { action: 'batch_create_agents' }), 1);
      assert.equal(sample(text, 'config_api_batch_size_sum', { action: 'batch_create_agents' }), 3);
      // One token: looked up once, then answered from the cache (the unknown action never authenticates).
      assert.equal(sample(text, 'config_api_auth_cache_lookups_total', { result: 'miss' }), 1);
      assert.equal(sample(text, 'config_api_auth_cache_lookups_total', { result: 'hit' }), 4);
      // Process defaults on the app's registry.
      assert.ok(sample(text, 'process_cpu_user_seconds_total')! > 0);
      assert.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0);
      if (kind === 'postgres') {
        assert.ok(sample(text, 'config_api_db_pool_connections')! >= 1);
        assert.ok(sample(text, 'config_api_db_pool_idle_connections')! >= 0);
        assert.ok(sample(text, 'config_api_db_pool_waiting_requests')! >= 0);
      } else {
        assert.equal(sample(text, 'config_api_db_pool_connections'), undefined);
      }
    });

    it('reports webhook deliveries, their latency and attempts, the queue depth and the oldest pending age', async () => {
      const register = async (path: string) => {
        const res = await s.call('register_webhook', {
          action: 'tag_created', url: rx.url(path), secret_key: 'k', type: 'license', owner_client_id: s.boot.client_id,
        });
        assert.equal(res.status, 200);
      };
      await register('/ok');
      assert.equal((await s.call('create_tag', { name: 'metrics-1' })).status, 200);
      await waitFor('the delivery', () => rx.acked('/ok').length === 1);
      let text = '';
      await waitFor('the delivered count', async () => {
        text = await scrape(s);
        return sample(text, 'config_api_webhook_deliveries_total', { status: 'delivered' }) === 1;
      });
      assert.equal(sample(text, 'config_api_webhook_delivery_duration_seconds_count', { outcome: 'success' }), 1);
      assert.equal(sample(text, 'config_api_webhook_delivery_attempts_count', { status: 'delivered' }), 1);
      assert.equal(sample(text, 'config_api_webhook_delivery_attempts_sum', { status: 'delivered' }), 1);
      assert.equal(sample(text, 'config_api_webhook_deliveries_total', { status: 'failed' }), 0);
      assert.equal(sample(text, 'config_api_webhook_queue_depth'), 0);
      assert.equal(sample(text, 'config_api_webhook_oldest_pending_age_seconds'), 0);

      // A receiver that never answers: the delivery stays pending while it is being sent.
      await register('/hang');
      assert.equal((await s.call('create_tag', { name: 'metrics-2' })).status, 200);
      await waitFor('the hanging request', () => rx.on('/hang').length === 1);
      // The same event also went to /ok: once that delivery is recorded, only the hanging one is pending.
      await waitFor('only the hanging delivery pending', async () => {
        text = await scrape(s);
        return sample(text, 'config_api_webhook_queue_depth') === 1;
      });
      assert.ok(sample(text, 'config_api_webhook_oldest_pending_age_seconds')! > 0);
    });

    it('keeps one registry per app: two apps in one process count separately', async () => {
      const other = await liveApp(kind);
      try {
        assert.equal((await other.call('list_tags', {})).status, 200);
        const mine = await scrape(other);
        assert.equal(sample(mine, 'config_api_requests_total', { version: 'v3.5', action: 'list_tags', status: '200', error_type: '' }), 1);
        assert.equal(sample(mine, 'config_api_requests_total', { version: 'v3.5', action: 'list_agents', status: '200', error_type: '' }), undefined);
        const theirs = await scrape(s);
        assert.equal(sample(theirs, 'config_api_requests_total', { version: 'v3.5', action: 'list_tags', status: '200', error_type: '' }), undefined);
      } finally {
        await other.stop();
      }
    });
  });
}

describe('metrics behind METRICS_TOKEN', () => {
  it('answers 401 in the error format without the token, 200 with it', async () => {
    const s = await liveApp('sqlite', { METRICS_TOKEN: 'scrape-secret-1' });
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic c2NyYXBlLXNlY3JldC0x' }] as Record<string, string>[]) {
        const res = await fetch(`${s.base}/metrics`, { headers });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).error.type, 'authentication');
      }
      const text = await scrape(s, { authorization: 'Bearer scrape-secret-1' });
      assert.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0);
      assert.ok(!s.logText().includes('scrape-secret-1'));
    } finally {
      await s.stop();
    }
  });
});
