/** WEBHOOK_ALLOW_PRIVATE=off: deliveries to loopback/private/link-local destinations are refused. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { isNonPublicAddress, literalNonPublicHost, publicOnlyLookup } from '../../src/webhooks/egress.js';
import { loadConfig } from '../../src/config.js';

describe('webhook egress guard', () => {
  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isNonPublicAddress(a), false, a);
  });

  it('spots literal internal hosts in URLs and refuses names resolving to them', async () => {
    assert.equal(literalNonPublicHost('http://169.254.169.254/latest'), '169.254.169.254');
    assert.equal(literalNonPublicHost('http://[::1]:8080/x'), '::1');
    assert.equal(literalNonPublicHost('https://hooks.example.com/x'), null);
    const lookup = promisify((host: string, cb: (err: Error | null, address?: string) => void) =>
      publicOnlyLookup(host, {}, (err, address) => cb(err, address as string)));
    await assert.rejects(lookup('localhost'), /non-public address/);
  });

  it('is opt-in: private destinations are allowed by default (local receivers in CI)', () => {
    assert.equal(loadConfig({}).webhooks.allowPrivate, true);
    assert.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'off' }).webhooks.allowPrivate, false);
    assert.throws(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'maybe' }), /WEBHOOK_ALLOW_PRIVATE must be one of on, off, got "maybe"/);
  });
});

describe('webhook egress guard end to end', () => {
  it('never sends to a loopback receiver when WEBHOOK_ALLOW_PRIVATE=off', async () => {
    const { Harness } = await import('../helpers.js');
    const { Receiver, fastRetries, waitFor } = await import('./support.js');
    const rx = await new Receiver().start();
    const h = await new Harness('sqlite').start({ env: fastRetries({ WEBHOOK_ALLOW_PRIVATE: 'off', WEBHOOK_MAX_ATTEMPTS: '2' }) });
    try {
      const { id } = await h.ok('register_webhook', {
        action: 'group_created', url: rx.url('/internal'), secret_key: 's', type: 'license', owner_client_id: h.boot.client_id,
      });
      await h.ok('create_group', { name: 'g', agent_priorities: { [h.boot.owner.id]: 'normal' } });
      const row = await waitFor('the delivery to fail', async () => {
        const r = await h.store.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', id).executeTakeFirst();
        return r?.status === 'failed' && r;
      });
      assert.match(String(row.last_error), /not a public address/);
      assert.equal(rx.requests.length, 0, 'nothing reached the internal receiver');
    } finally {
      await h.stop();
      await rx.stop();
    }
  });
});
