// A test suite of an integration against config-api's control plane (Node 20+, no dependencies):
//   ADMIN_TOKEN=$(openssl rand -hex 24) DATABASE_URL=sqlite::memory: npx config-api serve &
//   CONFIG_API=http://127.0.0.1:8080 ADMIN_TOKEN=… node --test examples/control-plane.test.mjs
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

const BASE = process.env.CONFIG_API ?? 'http://127.0.0.1:8080';
const ADMIN = { authorization: `Bearer ${process.env.ADMIN_TOKEN}` };

async function call(method, path, body, headers = ADMIN) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const admin = (method, path, body) => call(method, path, body);

// A webhook receiver standing in for the integration's endpoint.
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c)).on('end', () => {
    received.push(JSON.parse(body));
    res.end('ok');
  });
});

let lic; // { license_id, bearer_token, client_id, owner, … } from the bootstrap
let fixtures; // snapshot with the agents every test starts with
const api = (action, body = {}) =>
  call('POST', `/v3.5/configuration/action/${action}`, body, { authorization: `Bearer ${lic.bearer_token}` });

before(async () => {
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  lic = await admin('POST', '/admin/bootstrap', { owner_email: 'owner@example.com' });
  await api('create_agent', { id: 'support@example.com', name: 'Support' });
  fixtures = (await admin('POST', `/admin/licenses/${lic.license_id}/snapshots`, { name: 'fixtures' })).snapshot_id;
});
after(() => receiver.close());

beforeEach(async () => {
  // Every test starts from the fixtures: same tokens, no leftovers, no queued deliveries.
  await admin('POST', `/admin/licenses/${lic.license_id}/snapshots/${fixtures}/restore`);
  await admin('DELETE', '/admin/faults');
  received.length = 0;
});

test('creating an agent notifies the webhook', async () => {
  const { port } = receiver.address();
  await api('register_webhook', {
    action: 'agent_created', type: 'license', owner_client_id: lic.client_id,
    url: `http://127.0.0.1:${port}/hook`, secret_key: 'my-secret',
  });
  await api('create_agent', { id: 'new@example.com', name: 'New' });

  let deliveries = [];
  for (let i = 0; i < 100 && deliveries.length === 0; i++) {
    ({ deliveries } = await admin('GET', `/admin/deliveries?license_id=${lic.license_id}&status=delivered`));
    if (deliveries.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0].body.payload.id, 'new@example.com');
  assert.deepEqual(received[0], deliveries[0].body); // exactly what was sent
});

test('the fixtures are back: one agent besides the owner', async () => {
  const agents = await api('list_agents');
  assert.deepEqual(agents.map((a) => a.id).sort(), ['owner@example.com', 'support@example.com']);
});

test('the client retries after too_many_requests', async () => {
  await admin('PUT', '/admin/faults', {
    faults: [{ action: 'list_agents', license_id: lic.license_id, error: 'too_many_requests', retry_after_s: 1, count: 1 }],
  });
  const first = await fetch(`${BASE}/v3.5/configuration/action/list_agents`, {
    method: 'POST', headers: { authorization: `Bearer ${lic.bearer_token}`, 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(first.status, 429);
  assert.equal(first.headers.get('retry-after'), '1');
  assert.equal((await first.json()).error.type, 'too_many_requests');
  assert.equal((await api('list_agents')).length, 2); // the next call goes through
});
