/**
 * The request journal with bodies (JOURNAL_BODIES=on, secrets redacted), its live stream (server-sent events through
 * a real port), its bound, and the control plane on a throwaway in-memory SQLite database (sqlite::memory:).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describeStores, type Harness } from '../support/harness.js';
import { testConfig } from '../support/stores.js';
import { openStore } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import { createApp } from '../../src/app.js';
import { redactSecrets } from '../../src/http/journal.js';
import { MemoryJournal } from '../../src/shared-state/journal.js';

const ADMIN_TOKEN = 'journal-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function journal(h: Harness, query: string): Promise<any[]> {
  const res = await h.app.inject({ method: 'GET', url: `/admin/requests?${query}`, headers: auth });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body).requests;
}

describeStores(
  'request journal with bodies',
  (h) => {
    it('keeps request and response bodies with tokens, secret keys, bot secrets and PATs redacted', async () => {
      const b = h().boot;
      await h().ok('register_webhook', { action: 'agent_created', url: 'http://127.0.0.1:9/x', secret_key: 'very-secret', type: 'license', owner_client_id: b.client_id });
      const bot = await h().ok('create_bot', { name: 'Botty', owner_client_id: b.client_id });
      await h().ok('list_agents', {});
      const entries = await journal(h(), `license_id=${b.license_id}&limit=3`);
      assert.deepEqual(entries.map((e) => e.action), ['list_agents', 'create_bot', 'register_webhook']);
      const [list, created, webhook] = entries;
      assert.deepEqual(list.request_body, {});
      assert.deepEqual(list.response_body.map((a: any) => a.id), [b.owner.id]);
      assert.equal(webhook.request_body.secret_key, '[redacted]');
      assert.equal(webhook.request_body.url, 'http://127.0.0.1:9/x');
      assert.equal(created.response_body.id, bot.id);
      for (const k of Object.keys(bot)) if (/secret/i.test(k)) assert.equal(created.response_body[k], '[redacted]');
      assert.ok(!JSON.stringify(entries).includes('very-secret'));
      assert.ok(!JSON.stringify(entries).includes(b.bearer_token));
    });

    it('streams new entries as server-sent events', async () => {
      await h().app.listen({ port: 0, host: '127.0.0.1' });
      const port = (h().app.server.address() as AddressInfo).port;
      const ac = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/admin/requests/stream`, { headers: auth, signal: ac.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = res.body!.getReader();
      await h().ok('list_groups', {});
      let text = '';
      while (!text.includes('"list_groups"')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      const line = text.split('\n').find((l) => l.startsWith('data: ') && l.includes('"list_groups"'))!;
      const entry = JSON.parse(line.slice(6));
      assert.equal(entry.status, 200);
      assert.equal(entry.license_id, h().boot.license_id);
      assert.equal(h().app.controlPlane!.journal.subscribers, 1);
      ac.abort();
      await reader.cancel().catch(() => {});
      const unauth = await fetch(`http://127.0.0.1:${port}/admin/requests/stream`);
      assert.equal(unauth.status, 401);
      assert.equal(((await unauth.json()) as any).error.type, 'authentication');
    });
  },
  { env: { ADMIN_TOKEN, JOURNAL_BODIES: 'on' } },
);

it('keeps only the most recent entries (ring buffer)', async () => {
  const j = new MemoryJournal(3, false);
  for (let i = 0; i < 5; i++) {
    j.record({ time: '', request_id: String(i), action: i % 2 ? 'a' : 'b', version: 'v3.5', caller_kind: null, license_id: i, agent_id: null, status: 200, error_type: null, duration_ms: 1 });
  }
  assert.deepEqual((await j.list()).map((e) => e.request_id), ['4', '3', '2']);
  assert.deepEqual((await j.list({ action: 'a' })).map((e) => e.request_id), ['3']);
  assert.deepEqual((await j.list({ limit: 1 })).map((e) => e.request_id), ['4']);
  assert.deepEqual(redactSecrets({ pat: 'x', nested: [{ bearer_token: 't', name: 'n' }], secret: '' }), { pat: '[redacted]', nested: [{ bearer_token: '[redacted]', name: 'n' }], secret: '' });
});

it('works on a throwaway in-memory SQLite database (sqlite::memory:)', async () => {
  const config = testConfig({ DATABASE_URL: 'sqlite::memory:', ADMIN_TOKEN });
  const store = openStore(config.database.url, { poolSize: 1 });
  await migrate(store);
  const app = await createApp({ store, config, logger: false });
  try {
    const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = auth) => {
      const res = await app.inject({ method: method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: body === undefined ? '' : JSON.stringify(body) });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    const boot = (await call('POST', '/admin/bootstrap', {})).body;
    const api = { authorization: `Bearer ${boot.bearer_token}` };
    assert.equal((await call('POST', '/v3.5/configuration/action/create_agent', { id: 'm@example.com', name: 'M' }, api)).status, 200);
    const snap = (await call('POST', `/admin/licenses/${boot.license_id}/snapshots`, {})).body;
    assert.equal((await call('POST', `/admin/licenses/${boot.license_id}/reset`)).status, 200);
    assert.equal((await call('POST', '/v3.5/configuration/action/list_agents', {}, api)).body.length, 1);
    assert.equal((await call('POST', `/admin/licenses/${boot.license_id}/snapshots/${snap.snapshot_id}/restore`)).status, 200);
    assert.equal((await call('POST', '/v3.5/configuration/action/list_agents', {}, api)).body.length, 2);
  } finally {
    await app.close();
    await store.close();
  }
});
