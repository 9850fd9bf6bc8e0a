/**
 * update_company_details and get_company_details (v3.6, "Other") on both stores: every field, merge semantics,
 * `enrich`, validation, per-licence storage and the `organization--my:rw` scope.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectError } from '../support/harness.js';
import { call36, describeV36, ok36 } from '../support/v36.js';

const FIELDS = [
  'audience', 'chat_purpose', 'city', 'company', 'company_size', 'country', 'invoice_email', 'invoice_name', 'nip',
  'postal_code', 'state', 'street', 'phone', 'province', 'url',
];
const empty = Object.fromEntries(FIELDS.map((f) => [f, '']));

describeV36('company details', (h) => {
  it('answers every field empty before any update', async () => {
    const b = await h().bootstrap();
    const details = await ok36(h(), 'get_company_details', {}, { token: b.bearer_token });
    assert.deepEqual(details, empty);
    assert.deepEqual(Object.keys(details), FIELDS);
  });

  it('stores all 16 documented parameters (enrich accepted, not stored) and answers them back', async () => {
    const b = await h().bootstrap();
    const all = Object.fromEntries(FIELDS.map((f, i) => [f, `${f} value ${i}`]));
    assert.deepEqual(await ok36(h(), 'update_company_details', { enrich: true, ...all }, { token: b.bearer_token }), {});
    assert.deepEqual(await ok36(h(), 'get_company_details', {}, { token: b.bearer_token }), all);
  });

  it('merges: only the given fields change, "" empties one; other licences are untouched', async () => {
    const b = await h().bootstrap();
    const api = (action: string, body: unknown) => ok36(h(), action, body, { token: b.bearer_token });
    await api('update_company_details', { enrich: false, url: 'www.text.com', company: 'Acme', city: 'Wrocław' });
    await api('update_company_details', { company: 'Acme Inc.', phone: '+48 123 456 789' });
    await api('update_company_details', { city: '' });
    await api('update_company_details', {});
    await api('update_company_details', { enrich: true });
    assert.deepEqual(await api('get_company_details', {}), { ...empty, url: 'www.text.com', company: 'Acme Inc.', phone: '+48 123 456 789' });
    const other = await h().bootstrap();
    assert.deepEqual(await ok36(h(), 'get_company_details', {}, { token: other.bearer_token }), empty);
  });

  it('refuses unknown parameters and wrong types', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['update_company_details', { company: 5 }, /`company` should be string/],
      ['update_company_details', { enrich: 'yes' }, /`enrich` should be bool/],
      ['update_company_details', { vat_id: 'PL1' }, /`vat_id` is not a supported parameter/],
      ['update_company_details', { url: null }, /`url` should be string/],
      ['get_company_details', { company: 'x' }, /`company` is not a supported parameter/],
    ];
    for (const [action, body, message] of cases) {
      const res = await call36(h(), action, body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message);
    }
  });

  it('needs organization--my:rw for both methods', async () => {
    const { token: without } = await h().agentWithToken('no-org@example.com', ['agents--all:rw', 'accounts--all:rw', 'greetings:rw']);
    const { token: withIt } = await h().agentWithToken('org@example.com', ['organization--my:rw']);
    expectError(await call36(h(), 'update_company_details', { company: 'X' }, { token: without }), 'authorization', 403);
    expectError(await call36(h(), 'get_company_details', {}, { token: without }), 'authorization', 403);
    await ok36(h(), 'update_company_details', { nip: '123' }, { token: withIt });
    assert.equal((await ok36(h(), 'get_company_details', {}, { token: withIt })).nip, '123');
  });
});
