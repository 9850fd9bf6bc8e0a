/**
 * The v3.6 areas as a whole (src/areas-v36.ts): served through v3.6 only; their schemas compile and document;
 * their scopes are in the catalogue (`all` tokens, the control plane's tokens); licence reset, snapshots and restore
 * cover their tables.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { call36, describeV36, greetingBody, ok36, V36_PATH } from '../support/v36.js';
import { AREAS, buildRegistry } from '../../src/areas.js';
import { V36_AREAS, V36_AREA_DOCS } from '../../src/areas-v36.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { ApiError } from '../../src/kernel/errors.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { resolveScopes } from '../../src/provisioning/credentials.js';
import { createCustomerBan } from '../../src/bans/bans.js';
import { emailBounces, recordEmailBounce } from '../../src/email-bounces/bounces.js';

const V36_ACTIONS = [
  'create_greeting', 'update_greeting', 'delete_greeting', 'get_greeting', 'list_greetings',
  'list_customer_bans', 'unban_customer', 'reactivate_email', 'update_company_details', 'get_company_details',
];
const NEW_SCOPES = ['greetings:ro', 'greetings:rw', 'banlist_read', 'banlist_write'];

describe('v3.6 areas: registry, documents and scope catalogue', () => {
  const registry = buildRegistry([...AREAS, ...V36_AREAS]);

  it('declare the ten new actions, none in the base (v3.5) registry, none with a batch endpoint', () => {
    assert.deepEqual(V36_AREAS.flatMap((a) => a.actions.map((x) => x.name)).sort(), [...V36_ACTIONS].sort());
    const served = buildRegistry();
    for (const name of V36_ACTIONS) assert.equal(served.get(name), undefined, `${name} is served by default`);
    assert.equal(registry.batches.size, served.batches.size);
    for (const tag of new Set(V36_AREAS.flatMap((a) => a.actions.map((x) => x.area)))) {
      assert.ok(tag === 'other' || V36_AREA_DOCS[tag], `no docs for the tag ${tag}`);
    }
  });

  it('have request schemas that compile and a valid OpenAPI document with summaries', async () => {
    for (const name of V36_ACTIONS) {
      const action = registry.get(name)!;
      assert.ok(action.summary && action.description, `${name} has no summary or description`);
      try {
        action.validate({});
      } catch (err) {
        assert.ok(err instanceof ApiError && err.type === 'validation', `${name}: ${(err as Error).message}`);
      }
    }
    const doc = buildOpenApiDocument(registry) as any;
    for (const name of V36_ACTIONS) assert.ok(doc.paths[`/v3.5/configuration/action/${name}`]?.post?.summary, name);
    const result = await validate(structuredClone(doc));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('add their scopes to the catalogue: `all` gives them, and they can be asked for by name', () => {
    for (const s of NEW_SCOPES) assert.ok(ALL_SCOPES.includes(s), s);
    for (const s of NEW_SCOPES) assert.ok(resolveScopes('all').includes(s));
    assert.deepEqual(resolveScopes(['banlist_read', 'greetings:ro']), ['banlist_read', 'greetings:ro']);
  });
});

describeStores('v3.5 and v3.4 do not serve the v3.6 actions', (h) => {
  it('answers not_found for each of them through /v3.5 and /v3.4, and serves them through /v3.6', async () => {
    for (const name of V36_ACTIONS) {
      expectError(await h().call(name, {}, { version: 'v3.5' }), 'not_found', 404);
      expectError(await h().call(name, {}, { version: 'v3.4' }), 'not_found', 404);
      assert.notEqual((await h().call(name, {}, { version: V36_PATH })).status, 404, name);
    }
  });
});

const ADMIN_TOKEN = 'admin-token-for-v36-tests-0123456789';

async function admin(h: Harness, method: 'GET' | 'POST', url: string, body?: unknown): Promise<any> {
  const res = await h.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  assert.equal(res.statusCode, 200, `${method} ${url}: ${res.body}`);
  return JSON.parse(res.body);
}

describeV36(
  'v3.6 state in licence reset and snapshots',
  (h) => {
    it('control-plane tokens take the new scopes by name', async () => {
      const b = await admin(h(), 'POST', '/admin/bootstrap', {});
      const { bearer_token: token } = await admin(h(), 'POST', '/admin/tokens', { license_id: b.license_id, agent_id: b.owner.id, scopes: ['banlist_read'] });
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}, { token }), []);
      expectError(await call36(h(), 'list_greetings', {}, { token }), 'authorization', 403);
    });

    it('restores greetings (and the next greeting id), bans, bounces and company details; reset empties them', async () => {
      const b = await admin(h(), 'POST', '/admin/bootstrap', {});
      const licenseId: number = b.license_id;
      const api = (action: string, body: unknown) => ok36(h(), action, body, { token: b.bearer_token });
      const tx = <T>(fn: (trx: any) => Promise<T>) => h().core.transaction(fn, { licenseId });
      const group = (await h().ok('create_group', { name: 'G', agent_priorities: { [b.owner.id]: 'normal' } }, { token: b.bearer_token })).id;
      const state = async () => ({
        greetings: await api('list_greetings', {}),
        bans: await api('list_customer_bans', {}),
        company: await api('get_company_details', {}),
        bounces: await emailBounces(h().store.db, licenseId),
      });

      const first = (await api('create_greeting', greetingBody({ group }))).id;
      await api('create_greeting', greetingBody({ name: 'Second' }));
      await tx((trx) => createCustomerBan(trx, licenseId, { ip: '192.0.2.10', agent_id: b.owner.id }));
      await tx((trx) => recordEmailBounce(trx, licenseId, b.owner.id, { reason: 'bounced' }));
      await api('update_company_details', { company: 'Snapshot Ltd' });
      const saved = await state();
      assert.equal(saved.greetings.found_greetings, 2);
      assert.equal(saved.bans.length, 1);
      assert.equal(saved.bounces.length, 1);
      const snap = await admin(h(), 'POST', `/admin/licenses/${licenseId}/snapshots`, { name: 'v36' });

      await api('delete_greeting', { id: first });
      await api('create_greeting', greetingBody({ name: 'Third' })); // id 3
      await api('unban_customer', { ip: '192.0.2.10' });
      await api('reactivate_email', { agent_id: b.owner.id });
      await api('update_company_details', { company: 'Changed', city: 'Elsewhere' });
      assert.notDeepEqual(await state(), saved);

      await admin(h(), 'POST', `/admin/licenses/${licenseId}/snapshots/${snap.snapshot_id}/restore`);
      assert.deepEqual(await state(), saved);
      // Greeting ids continue from the snapshot's.
      assert.equal((await api('create_greeting', greetingBody())).id, 3);

      await admin(h(), 'POST', `/admin/licenses/${licenseId}/reset`);
      const empty = await state();
      assert.deepEqual(empty.greetings, { greetings: [], found_greetings: 0 });
      assert.deepEqual(empty.bans, []);
      assert.deepEqual(empty.bounces, []);
      assert.equal(empty.company.company, '');
      // As on a fresh licence: greeting ids start over (the General group is back).
      assert.equal((await api('create_greeting', greetingBody())).id, 1);
    });
  },
  { env: { ADMIN_TOKEN } },
);
