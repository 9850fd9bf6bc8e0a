/**
 * Three `config-api serve` processes (nodes) on one PostgreSQL database enforce the configured limits as one server
 * (issue 23 part X): RATE_LIMIT_MAX calls per credential and AUTH_FAILURE_LIMIT failed authentications per client
 * address pass in total, whichever nodes answer them, even when the calls arrive at once; a blocked address is
 * refused by every node within a second. The nodes trust X-Forwarded-For (TRUST_PROXY=on, as behind a balancer), so
 * each test is a client address of its own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postgresOrSkip } from '../support/stores.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import type { ServerProcess } from '../support/servers.js';
import { waitFor } from '../support/webhooks.js';
import type { Core } from '../../src/core.js';
import type { BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { issueAccessToken } from '../../src/provisioning/credentials.js';

const RATE_LIMIT = 10;
const FAILURE_LIMIT = 4;
const NODE_ENV = {
  TRUST_PROXY: 'on',
  RATE_LIMIT_MAX: String(RATE_LIMIT),
  RATE_LIMIT_WINDOW_MS: '60000',
  AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
  AUTH_FAILURE_WINDOW_MS: '60000',
  WEBHOOK_DELIVERY: 'off',
};

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** POST an action to a node as the client `address`. */
async function callAs(node: ServerProcess, address: string, authorization: string, action: string, body: unknown = {}): Promise<Answer> {
  const res = await fetch(`${node.base}/v3.5/configuration/action/${action}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

/** Refused as a blocked address (not for the credential's rate limit). */
const blockedAddress = (a: Answer) => a.status === 429 && /failed authentications/.test(a.body.error.message);

describe('three nodes on one PostgreSQL database enforce the limits as one server [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let cluster: Cluster;
  let core: Core;
  let lic: BootstrapResult;
  let nodes: ServerProcess[] = [];

  before(async () => {
    cluster = await startCluster(3, NODE_ENV);
    ({ core, lic, nodes } = cluster);
  });
  after(() => cluster?.stop());

  /** `Authorization` with a new token of the licence's owner: a rate-limit budget of its own. */
  const fresh = async () => {
    const { bearer_token } = await core.transaction((tx) => issueAccessToken(tx, { licenseId: lic.license_id, agentId: lic.owner.id, scopes: ['agents--all:ro', 'groups--all:ro'] }));
    return `Bearer ${bearer_token}`;
  };

  it(`lets exactly RATE_LIMIT_MAX (${RATE_LIMIT}) calls of a credential through, arriving at once on every node`, async () => {
    const credential = await fresh();
    const answers = await Promise.all(
      Array.from({ length: 3 * RATE_LIMIT }, (_, i) => callAs(nodes[i % 3]!, '198.51.100.1', credential, 'list_agents')),
    );
    assert.equal(count(answers, 200), RATE_LIMIT, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(count(answers, 429), 2 * RATE_LIMIT);
    const limited = answers.find((a) => a.status === 429)!;
    assert.equal(limited.body.error.type, 'too_many_requests');
    assert.ok(Number(limited.headers.get('retry-after')) > 0 && Number(limited.headers.get('retry-after')) <= 60);
    assert.equal(limited.headers.get('x-ratelimit-limit'), String(RATE_LIMIT));
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    const passed = answers.filter((a) => a.status === 200);
    assert.deepEqual(
      passed.map((a) => Number(a.headers.get('x-ratelimit-remaining'))).sort((x, y) => x - y),
      Array.from({ length: RATE_LIMIT }, (_, i) => i),
      'each call that passed saw the count of the cluster',
    );
    // Every node refuses the credential now, however it is spelled; another credential has its own budget.
    for (const node of nodes) assert.equal((await callAs(node, '198.51.100.1', credential.replace('Bearer ', 'bearer  '), 'list_agents')).status, 429);
    assert.equal((await callAs(nodes[1]!, '198.51.100.1', await fresh(), 'list_agents')).status, 200);
  });

  it(`answers exactly AUTH_FAILURE_LIMIT (${FAILURE_LIMIT}) failed authentications of an address, then refuses it on every node within 1 s`, async (t) => {
    const address = '198.51.100.2';
    // Distinct wrong tokens: each credential would have a rate-limit budget of its own anyway.
    const answers = await Promise.all(
      Array.from({ length: 3 * FAILURE_LIMIT }, (_, i) => callAs(nodes[i % 3]!, address, `Bearer dal:wrong-${i}`, 'list_agents')),
    );
    assert.equal(count(answers, 401), FAILURE_LIMIT, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(count(answers, 429), 2 * FAILURE_LIMIT);
    const blocked = answers.find((a) => a.status === 429)!;
    assert.match(blocked.body.error.message, /failed authentications/);
    assert.ok(Number(blocked.headers.get('retry-after')) > 50, `Retry-After: ${blocked.headers.get('retry-after')}`);
    // A valid credential from that address is refused by every node within a second of the block (refused calls
    // count against no budget: the block is checked first).
    const t0 = performance.now();
    const good = await fresh();
    const ms = await waitFor('every node to refuse the blocked address', async () => {
      const all = await Promise.all(nodes.map((n) => callAs(n, address, good, 'list_groups')));
      return all.every(blockedAddress) && performance.now() - t0;
    }, 1000);
    assert.ok(ms <= 1000, `blocked everywhere after ${ms.toFixed(0)} ms`);
    t.diagnostic(`blocked on every node ${ms.toFixed(0)} ms after the last failure was answered`);
    // Another address is served.
    for (const node of nodes) assert.equal((await callAs(node, '198.51.100.3', good, 'list_groups')).status, 200);
  });

  it('blocks an address on every node within 1 s after failures spread over the nodes one by one', async (t) => {
    const address = '198.51.100.4';
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      assert.equal((await callAs(nodes[i % 3]!, address, `Bearer dal:wrong-seq-${i}`, 'list_agents')).status, 401);
    }
    const good = await fresh();
    const t0 = performance.now();
    const ms = await waitFor('every node to refuse the address', async () => {
      const all = await Promise.all(nodes.map((n) => callAs(n, address, good, 'list_groups')));
      return all.every(blockedAddress) && performance.now() - t0;
    }, 1000);
    assert.ok(ms <= 1000, `blocked everywhere after ${ms.toFixed(0)} ms`);
    t.diagnostic(`blocked on every node after ${ms.toFixed(0)} ms`);
  });
});
