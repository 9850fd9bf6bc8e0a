/** Closing with a shutdown deadline lets webhook sends under way finish; past the deadline they are released. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgresOrSkip } from '../support/stores.js';
import { waitFor } from '../support/webhooks.js';
import { liveApp } from '../support/ops.js';

/** A webhook receiver that holds every request until the test answers it. */
async function holdingReceiver() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    held,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`shutdown and webhook sends [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;

    for (const answered of [true, false]) {
      it(answered ? 'a send under way finishes before the app closes' : 'a send still under way at the deadline is released, not spent', async () => {
        const rx = await holdingReceiver();
        const s = await liveApp(kind);
        try {
          const reg = await s.call('register_webhook', {
            action: 'tag_created', url: rx.url, secret_key: 'k', type: 'license', owner_client_id: s.boot.client_id,
          });
          assert.equal(reg.status, 200);
          assert.equal((await s.call('create_tag', { name: 'drain' })).status, 200);
          await waitFor('the send to be under way', () => rx.held.length === 1);
          s.app.lifecycle.drain(answered ? 30_000 : 600);
          const closed = s.app.close();
          if (answered) rx.held[0].end('ok');
          await closed;
          const [d] = await s.store.db.selectFrom('webhook_deliveries').selectAll().execute();
          if (answered) {
            assert.equal(d.status, 'delivered');
            assert.equal(d.attempts, 1);
          } else {
            assert.equal(d.status, 'pending');
            assert.equal(d.attempts, 0, 'the interrupted attempt is given back');
            assert.equal(d.lease_owner, null);
          }
        } finally {
          await s.stop();
          await rx.stop();
        }
      });
    }
  });
}
