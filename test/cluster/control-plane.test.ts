/**
 * Three `config-api serve` processes (nodes) on one PostgreSQL database have one control plane (issue 23 part X):
 * fault rules set or removed through one node apply on every node within 1 s and a `count` is consumed exactly across
 * them; the request journal of every node shows the calls any node answered within 1 s (bounded by JOURNAL_SIZE,
 * newest kept, bodies redacted), its live stream too; a console session made on one node works on every node (a
 * round-robin balancer), ends everywhere at sign-out, survives a restart, and only its digest is stored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { postgresOrSkip } from '../support/stores.js';
import { adminCall, startCluster, type Cluster } from '../support/cluster.js';
import type { ServerProcess } from '../support/servers.js';
import { waitFor } from '../support/webhooks.js';
import type { BootstrapResult } from '../../src/provisioning/bootstrap.js';
import type { Store } from '../../src/store/store.js';

const ADMIN_TOKEN = 'cluster-admin-token-0123456789';
const JOURNAL_SIZE = 40;
const NODE_ENV = { ADMIN_TOKEN, JOURNAL_SIZE: String(JOURNAL_SIZE), JOURNAL_BODIES: 'on', WEBHOOK_DELIVERY: 'off' };
const COOKIE = 'config_api_console';

/** Poll `check` until it holds; fails unless it held within `boundMs`. Returns how long it took. */
async function within(what: string, boundMs: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await waitFor(what, check, boundMs);
  const ms = performance.now() - t0;
  assert.ok(ms <= boundMs, `${what} after ${ms.toFixed(0)} ms`);
  return ms;
}

/** An action called on a node, with a request id of ours. */
async function call(node: ServerProcess, token: string, action: string, body: unknown = {}, requestId?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${node.base}/v3.5/configuration/action/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const admin = (node: ServerProcess, method: string, path: string, body?: unknown): Promise<any> => adminCall(node, ADMIN_TOKEN, method, path, body);

/** A console request with a session cookie (state changes carry the console header). */
function consoleCall(node: ServerProcess, method: string, path: string, token: string): Promise<Response> {
  return fetch(`${node.base}/console/api${path}`, { method, headers: { cookie: `${COOKIE}=${token}`, 'x-console-request': '1' } });
}

async function signIn(node: ServerProcess): Promise<string> {
  const res = await fetch(`${node.base}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-console-request': '1' },
    body: JSON.stringify({ token: ADMIN_TOKEN }),
  });
  assert.equal(res.status, 200);
  const cookie = /config_api_console=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  assert.ok(cookie, 'a session cookie');
  return cookie[1]!;
}

describe('three nodes on one PostgreSQL database share one control plane [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let cluster: Cluster;
  let lic: BootstrapResult;
  let nodes: ServerProcess[] = [];
  let store: Store;

  before(async () => {
    cluster = await startCluster(3, NODE_ENV);
    ({ lic, nodes, store } = cluster);
  });
  after(() => cluster?.stop());

  it('applies fault rules set through one node on every node within 1 s, consumes a count exactly across them, and removes them everywhere', async (t) => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const token = lic.bearer_token;
    const set = await admin(a, 'PUT', '/admin/faults', {
      faults: [
        { action: 'list_tags', license_id: lic.license_id, error: 'internal', message: 'injected everywhere' },
        { action: 'list_groups', license_id: lic.license_id, error: 'too_many_requests', retry_after_s: 7, count: 5 },
      ],
    });
    assert.deepEqual(set.faults.map((f: any) => [f.action, f.remaining, f.applied]), [['list_tags', null, 0], ['list_groups', 5, 0]]);
    const seen = await within('nodes b and c to apply the rule', 1000, async () => {
      const answers = await Promise.all([b, c].map((n) => call(n, token, 'list_tags')));
      return answers.every((r) => r.status === 500 && r.body.error.message === 'injected everywhere');
    });

    // 15 calls at once over the three nodes: the rule's 5 go to exactly 5 of them.
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => call(nodes[i % 3]!, token, 'list_groups')));
    const faulted = answers.filter((r) => r.status === 429);
    assert.equal(faulted.length, 5, JSON.stringify(answers.map((r) => r.status)));
    assert.ok(faulted.every((r) => r.headers.get('retry-after') === '7'));
    assert.equal(answers.filter((r) => r.status === 200).length, 10);
    const listed = await admin(c, 'GET', '/admin/faults');
    assert.deepEqual(listed.faults.map((f: any) => f.action), ['list_tags'], 'the used-up rule is gone, on every node');
    assert.ok(listed.faults[0].applied >= 2, 'applications counted by every node');

    await admin(c, 'DELETE', '/admin/faults');
    const gone = await within('nodes a and b to drop the rule', 1000, async () => {
      const after = await Promise.all([a, b].map((n) => call(n, token, 'list_tags')));
      return after.every((r) => r.status === 200);
    });
    t.diagnostic(`rule applied elsewhere after ${seen.toFixed(0)} ms, removed elsewhere after ${gone.toFixed(0)} ms`);
  });

  it('shows the calls any node answered in every node\'s journal within 1 s, bodies redacted, live too', async (t) => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const token = lic.bearer_token;
    // The live stream of node c, opened before the calls.
    const ac = new AbortController();
    const stream = await fetch(`${c.base}/admin/requests/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: ac.signal });
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    let streamed = '';
    const readUntil = async (text: string) => {
      while (!streamed.includes(text)) {
        const { value, done } = await reader.read();
        if (done) return false;
        streamed += Buffer.from(value).toString('utf8');
      }
      return true;
    };
    await readUntil(': connected');
    await new Promise((r) => setTimeout(r, 100)); // the stream has read where the journal stands
    try {
      const t0 = performance.now();
      await Promise.all([
        call(a, token, 'register_webhook', {
          action: 'agent_created', url: 'http://127.0.0.1:9/hook', secret_key: 'cluster-webhook-secret', type: 'license', owner_client_id: lic.client_id,
        }, 'journal-on-a'),
        call(b, token, 'get_agent', { id: 'nobody@cluster.example' }, 'journal-on-b'),
      ]);
      const ms = await within('node c to list both calls', 1000, async () => {
        const { requests } = await admin(c, 'GET', `/admin/requests?license_id=${lic.license_id}&limit=10`);
        return ['journal-on-a', 'journal-on-b'].every((id) => requests.some((r: any) => r.request_id === id));
      });
      const { requests } = await admin(c, 'GET', `/admin/requests?license_id=${lic.license_id}&limit=10`);
      const onA = requests.find((r: any) => r.request_id === 'journal-on-a');
      const onB = requests.find((r: any) => r.request_id === 'journal-on-b');
      assert.deepEqual([onA.action, onA.status, onA.caller_kind, onA.version], ['register_webhook', 200, 'bearer', 'v3.5']);
      assert.equal(onA.request_body.secret_key, '[redacted]');
      assert.equal(onA.request_body.url, 'http://127.0.0.1:9/hook');
      assert.deepEqual([onB.action, onB.status, onB.error_type], ['get_agent', 404, 'not_found']);
      assert.equal(onB.response_body.error.type, 'not_found');
      assert.ok(!JSON.stringify(requests).includes('cluster-webhook-secret'));
      // The console of node a opens node b's call.
      const session = await signIn(a);
      const opened = await consoleCall(a, 'GET', '/calls/journal-on-b', session);
      assert.equal(opened.status, 200);
      assert.equal(((await opened.json()) as any).action, 'get_agent');
      // Node c's live stream had both within 1 s of the calls.
      assert.ok(await readUntil('"journal-on-a"'));
      assert.ok(await readUntil('"journal-on-b"'));
      const live = performance.now() - t0;
      assert.ok(live <= 1000, `streamed after ${live.toFixed(0)} ms`);
      t.diagnostic(`listed by node c after ${ms.toFixed(0)} ms, streamed within ${live.toFixed(0)} ms`);
    } finally {
      ac.abort();
      await reader.cancel().catch(() => {});
    }
  });

  it(`keeps the newest JOURNAL_SIZE (${JOURNAL_SIZE}) calls of the cluster (in the order the nodes wrote them)`, async () => {
    // One node answers them, so the order written is the order of the calls; another node reads.
    const token = lic.bearer_token;
    for (let i = 0; i < JOURNAL_SIZE + 5; i++) assert.equal((await call(nodes[1]!, token, 'list_tags', {}, `bounded-${i}`)).status, 200);
    const last = `bounded-${JOURNAL_SIZE + 4}`;
    const requests = await waitFor('the newest call in node a\'s journal', async () => {
      const r = (await admin(nodes[0]!, 'GET', '/admin/requests?limit=1000')).requests;
      return r.some((e: any) => e.request_id === last) && r;
    }, 1000);
    assert.equal(requests.length, JOURNAL_SIZE);
    const ids = requests.map((e: any) => e.request_id);
    assert.deepEqual(ids, Array.from({ length: JOURNAL_SIZE }, (_, i) => `bounded-${JOURNAL_SIZE + 4 - i}`), 'the newest, newest first');
    const seqs = requests.map((e: any) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x: number, y: number) => y - x), 'newest first');
  });

  it('keeps a console session made on one node valid on every node (round robin), ends it everywhere, and stores only its digest', async () => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const session = await signIn(a);
    for (let i = 0; i < 6; i++) {
      const res = await consoleCall(nodes[i % 3]!, 'GET', i % 2 ? '/licenses' : '/session', session);
      assert.equal(res.status, 200, `request ${i} on node ${i % 3}`);
    }
    const rows = await store.db.selectFrom('console_sessions').selectAll().execute();
    const digest = createHash('sha256').update(session).digest('hex');
    assert.ok(rows.some((r) => r.token_hash === digest));
    assert.ok(!JSON.stringify(rows).includes(session), 'the token itself is not stored');

    assert.equal((await consoleCall(b, 'DELETE', '/session', session)).status, 200);
    for (const node of [a, b, c]) assert.equal((await consoleCall(node, 'GET', '/licenses', session)).status, 401);
  });

  it('keeps a console session across a restart of the node that made it', async () => {
    const c = nodes[2]!;
    const session = await signIn(c);
    await c.stop();
    await c.start();
    assert.equal((await consoleCall(c, 'GET', '/session', session)).status, 200);
    assert.equal((await consoleCall(nodes[0]!, 'GET', '/licenses', session)).status, 200);
  });
});
