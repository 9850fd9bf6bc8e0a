/** Odd but well-formed input is a `validation` error on both stores, never a 500. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { describeStores, expectError } from '../support/harness.js';
import { MAX_BODY_DEPTH } from '../../src/http/json-body.js';
import { AREAS, buildRegistry } from '../../src/areas.js';
import { V36_AREAS } from '../../src/areas-v36.js';

describeStores('odd input', (h) => {
  it('refuses NUL characters in strings and keys', async () => {
    for (const [action, body] of [
      ['create_agent', { id: 'nul@example.com', name: 'a\u0000b' }],
      ['get_agent', { id: 'x\u0000' }],
      ['update_group', { id: 0, name: 'G\u0000' }],
      ['create_group', { name: 'G', agent_priorities: { 'a\u0000@example.com': 'normal' } }],
    ] as const) {
      const res = await h().call(action, body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /NUL/);
    }
    assert.equal((await h().call('get_agent', { id: 'nul@example.com' })).status, 404, 'nothing stored');
  });

  it('refuses NUL in Basic credentials with authentication, before any query', async () => {
    const header = `Basic ${Buffer.from('a\u0000b:pat').toString('base64')}`;
    expectError(await h().call('list_agents', {}, { authorization: header }), 'authentication', 401);
  });

  it('bounds integers to int32', async () => {
    expectError(await h().call('get_group', { id: 1099511627776 }), 'validation', 400);
    expectError(await h().call('create_agent', { id: 'big@example.com', name: 'B', groups: [{ id: 2147483648, priority: 'normal' }] }), 'validation', 400);
    expectError(await h().call('list_agents', { filters: { group_ids: [1099511627776] } }), 'validation', 400);
    expectError(await h().call('get_group', { id: 2147483647 }), 'group_not_found', 404);
  });

  it('bounds list and map sizes', async () => {
    const res = await h().call('list_agents', { filters: { group_ids: Array.from({ length: 70_000 }, (_, i) => i) } });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`filters.group_ids` should have at most 5000/);
    const priorities = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`a${i}@example.com`, 'normal']));
    expectError(await h().call('create_group', { name: 'Huge', agent_priorities: priorities }), 'validation', 400);
  });

  it('refuses wrong shapes: arrays, null, nested junk', async () => {
    expectError(await h().call('get_agent', []), 'validation', 400);
    expectError(await h().call('get_agent', 'null'), 'validation', 400);
    expectError(await h().call('get_agent', { id: { nested: [1, { deeper: true }] } }), 'validation', 400);
    expectError(await h().call('create_group', { name: 'x', agent_priorities: [] }), 'validation', 400);
  });
});

describeStores('well-formed input and identifier rules', (h) => {
  const raw = (action: string, payload: string | Buffer) =>
    h().app.inject({
      method: 'POST',
      url: `/v3.5/configuration/action/${action}`,
      headers: { authorization: `Bearer ${h().boot.bearer_token}`, 'content-type': 'application/json' },
      payload,
    });

  it('refuses lone surrogates anywhere in the body, naming the field, and stores nothing', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['create_agent', { id: 's\ud800mith@example.com', name: 'Smith' }, /^`id` is not well-formed Unicode/],
      ['create_agent', { id: 'lone@example.com', name: 'x\udc00' }, /^`name` is not well-formed Unicode/],
      ['create_group', { name: 'G', agent_priorities: { 'a\udbff@example.com': 'normal' } }, /^A key of `agent_priorities` is not well-formed/],
      ['batch_create_agents', { requests: [{ id: 'ok@example.com', name: 'Ok' }, { id: 'b@example.com', name: 'B', job_title: '\ud83d' }] }, /^`requests\[1\].job_title`/],
      ['create_tag', { name: 'tag\uDFFF' }, /^`name` is not well-formed Unicode/],
    ];
    for (const [action, body, message] of cases) {
      const res = await h().call(action, body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message);
    }
    for (const id of ['s\ufffdmith@example.com', 'smith@example.com', 'lone@example.com', 'ok@example.com']) {
      expectError(await h().call('get_agent', { id }), 'not_found', 404);
    }
    assert.deepEqual((await h().ok('list_tags', {})).filter((t: any) => t.name.startsWith('tag')), []);
  });

  it('accepts surrogate pairs (escaped or raw) and refuses bytes that are not UTF-8', async () => {
    const res = await raw('create_agent', '{"id":"pair@example.com","name":"\\ud83d\\ude00 \u{1F600}"}');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await h().ok('get_agent', { id: 'pair@example.com' })).name, '\u{1F600} \u{1F600}');
    const bad = Buffer.concat([Buffer.from('{"id":"bytes@example.com","name":"a'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]);
    const refused = await raw('create_agent', bad);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(JSON.parse(refused.body), { error: { type: 'validation', message: 'The request body is not valid UTF-8' } });
    expectError(await h().call('get_agent', { id: 'bytes@example.com' }), 'not_found', 404);
  });

  it('refuses control characters in identifiers, accepts them in display texts', async () => {
    const controls = ['\u001b', '\t', '\n', '\u007f', '\u0085', '\u009b'];
    for (const c of controls) {
      const id = `a${c}[31mb@example.com`;
      expectError(await h().call('create_agent', { id, name: 'Esc' }), 'validation', 400);
      const tag = await h().call('create_tag', { name: `tag${c}x` });
      expectError(tag, 'validation', 400);
      assert.match(tag.body.error.message, /control characters/);
      const prop = await h().call('register_property', {
        name: `p${c}`,
        owner_client_id: h().boot.client_id,
        type: 'string',
        access: { license: { agent: ['read'] } },
      });
      expectError(prop, 'validation', 400);
      assert.match(prop.body.error.message, /^`name` must not contain control characters/);
      const ns = await h().call('update_license_properties', { properties: { [`ns${c}`]: { p: 'v' } } });
      expectError(ns, 'validation', 400);
      assert.match(ns.body.error.message, /control characters/);
      const name = await h().call('update_license_properties', { properties: { [h().boot.client_id]: { [`p${c}`]: 'v' } } });
      expectError(name, 'validation', 400);
      const hook = await h().call('register_webhook', {
        action: 'group_created',
        secret_key: 'k',
        url: `http://exa${c}mple.com/hook`,
        owner_client_id: h().boot.client_id,
        type: 'license',
      });
      expectError(hook, 'validation', 400);
      assert.match(hook.body.error.message, /^`url` must not contain control characters/);
      expectError(await h().call('get_bot', { id: `b${c}` }), 'validation', 400);
      expectError(await h().call('get_agent', { id: `a${c}@example.com` }), 'validation', 400);
    }
    assert.deepEqual((await h().ok('list_agents', {})).filter((a: any) => a.id.endsWith('[31mb@example.com')), []);
    // display texts keep what they were given
    await h().ok('create_agent', { id: 'display@example.com', name: 'Two\tparts', job_title: 'line\nbreak' });
    const agent = await h().ok('get_agent', { id: 'display@example.com', fields: ['job_title'] });
    assert.deepEqual([agent.name, agent.job_title], ['Two\tparts', 'line\nbreak']);
  });

  it('refuses Unicode noncharacters in identifiers as it refuses control characters, accepts their neighbours', async () => {
    // U+FDD0–U+FDEF, and the last two code points of every plane
    const nonchars = ['\uFDD0', '\uFDE7', '\uFDEF', '\uFFFE', '\uFFFF', '\u{1FFFE}', '\u{1FFFF}', '\u{5FFFE}', '\u{10FFFE}', '\u{10FFFF}'];
    const refused = async (action: string, body: unknown, message: RegExp) => {
      const res = await h().call(action, body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, `${action} ${JSON.stringify(body)}`);
    };
    for (const c of nonchars) {
      await refused('create_agent', { id: `non${c}char@example.com`, name: 'Non' }, /^`id` should be an e-mail address/);
      await refused('get_agent', { id: `non${c}char@example.com` }, /^`id` must not contain Unicode noncharacters$/);
      await refused('create_tag', { name: `tag${c}x` }, /noncharacters/);
      await refused('get_bot', { id: `b${c}` }, /^`id` must not contain Unicode noncharacters/);
      await refused('register_property', { name: `p${c}`, owner_client_id: h().boot.client_id, type: 'string', access: { license: { agent: ['read'] } } }, /^`name` must not contain Unicode noncharacters/);
      await refused('update_license_properties', { properties: { [`ns${c}`]: { p: 'v' } } }, /^`properties` namespaces and property names must not contain Unicode noncharacters/);
      await refused('update_license_properties', { properties: { [h().boot.client_id]: { [`p${c}`]: 'v' } } }, /must not contain Unicode noncharacters/);
      await refused('register_webhook', { action: 'group_created', secret_key: 'k', url: `http://example.com/${c}`, owner_client_id: h().boot.client_id, type: 'license' }, /^`url` must not contain Unicode noncharacters/);
      await refused('create_bot_template', { name: 'T', owner_client_id: `${h().boot.client_id}${c}` }, /^`owner_client_id` must not contain Unicode noncharacters/);
      const batch = await h().ok('batch_delete_bots', { requests: [{ id: `b${c}` }] });
      assert.deepEqual(batch.responses, [{ error: { type: 'validation', message: '`id` must not contain Unicode noncharacters' } }]);
    }
    // escaped in the JSON text as a surrogate pair: the same code point
    const escaped = await raw('create_tag', '{"name":"tag\\udbff\\udfff"}');
    assert.equal(escaped.statusCode, 400);
    assert.match(JSON.parse(escaped.body).error.message, /noncharacters/);
    // nothing was stored
    assert.deepEqual((await h().ok('list_tags', {})).filter((t: any) => t.name.startsWith('tag')), []);
    assert.deepEqual((await h().ok('list_agents', {})).filter((a: any) => a.id.startsWith('non')), []);
    // control characters keep their own message when both are present
    await refused('get_bot', { id: 'b\u0001\uFFFF' }, /^`id` must not contain control characters$/);

    // the code points next to them are ordinary characters
    for (const c of ['\uFDCF', '\uFDF0', '\uFFFD', '\u{1FFFD}', '\u{1F600}', '\u{10FFFD}']) {
      await h().ok('create_tag', { name: `ok${c}` });
      await h().ok('create_agent', { id: `ok${c}@example.com`, name: 'Ok' });
      await h().ok('register_property', { name: `ok${c}`, owner_client_id: h().boot.client_id, type: 'string', access: { license: { agent: ['read'] } } });
    }
    assert.equal((await h().ok('list_tags', {})).filter((t: any) => t.name.startsWith('ok')).length, 6);
    assert.equal((await h().ok('list_agents', {})).filter((a: any) => a.id.startsWith('ok')).length, 6);
    // display texts may hold them
    await h().ok('create_agent', { id: 'display-nonchar@example.com', name: 'N\uFFFE\u{10FFFF}' });
    assert.equal((await h().ok('get_agent', { id: 'display-nonchar@example.com' })).name, 'N\uFFFE\u{10FFFF}');
  });
});

/** A value nested `levels` deep: objects `{"a":…}` or arrays `[…]` around `1`. */
const nested = (levels: number, kind: 'object' | 'array' = 'object') =>
  kind === 'object' ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}` : `${'['.repeat(levels)}1${']'.repeat(levels)}`;

/** How deep a request schema lets a body nest (objects and arrays), the body itself being level 1. */
function schemaDepth(s: TSchema | undefined): number {
  if (!s || typeof s !== 'object') return 0;
  const children: unknown[] = [s.items, s.additionalProperties, s.not, ...Object.values(s.properties ?? {}), ...Object.values(s.patternProperties ?? {})];
  for (const key of ['anyOf', 'allOf', 'oneOf']) if (Array.isArray(s[key])) children.push(...s[key]);
  const own = s.type === 'object' || s.type === 'array' ? 1 : 0;
  return own + Math.max(0, ...children.map((c) => schemaDepth(c as TSchema)));
}

describe('nesting depth limit', () => {
  it('leaves room for every request the API defines (the v3.6 areas not served yet included)', () => {
    const endpoints = buildRegistry([...AREAS, ...V36_AREAS]).endpoints();
    const deepest = Math.max(...endpoints.map((e) => schemaDepth(e.request)));
    assert.ok(deepest >= 6, `batch items with work schedulers nest 6 deep (got ${deepest})`);
    assert.ok(MAX_BODY_DEPTH >= 4 * deepest, `MAX_BODY_DEPTH ${MAX_BODY_DEPTH} vs ${deepest}`);
  });
});

describeStores('deeply nested bodies', (h) => {
  const post = (action: string, payload: string) =>
    h().app.inject({
      method: 'POST',
      url: `/v3.5/configuration/action/${action}`,
      headers: { authorization: `Bearer ${h().boot.bearer_token}`, 'content-type': 'application/json' },
      payload,
    });
  const TOO_DEEP = `The request body is nested too deeply (more than ${MAX_BODY_DEPTH} levels of objects and arrays)`;

  it('refuses the fuzzer\'s body (10,000 levels in one field, 100 KB in another) with validation on every endpoint', async () => {
    // The 100 KB string holds escapes, so the body's strings are checked for NUL and lone surrogates (a recursive walk).
    const long = '\\ud83d\\ude00 x'.repeat(100_000 / 15);
    const endpoints = h().app.registry.endpoints();
    assert.ok(endpoints.some((e) => e.batch) && endpoints.length > 50);
    for (const { name, batch } of endpoints) {
      for (const deep of [nested(10_000), nested(10_000, 'array')]) {
        const item = `{"id":${deep},"owner_client_id":"${long}","name":"${long}"}`;
        const res = await post(name, batch ? `{"requests":[${item}]}` : item);
        assert.equal(res.statusCode, 400, `${name}: ${res.body.slice(0, 200)}`);
        assert.deepEqual(JSON.parse(res.body), { error: { type: 'validation', message: TOO_DEEP } }, name);
      }
    }
    await h().ok('list_bot_templates', {}); // and the server is fine
  });

  it('refuses more than the limit wherever the depth is, accepts the limit itself', async () => {
    // `{"id": …}`: the body is level 1, so the value may nest MAX_BODY_DEPTH - 1 levels
    const atLimit = await post('get_agent', `{"id":${nested(MAX_BODY_DEPTH - 1)}}`);
    assert.equal(atLimit.statusCode, 400);
    assert.equal(JSON.parse(atLimit.body).error.message, '`id` should be string');
    const over = await post('get_agent', `{"id":${nested(MAX_BODY_DEPTH)}}`);
    assert.equal(JSON.parse(over.body).error.message, TOO_DEEP);
    // a bare array body, values with no schema of their own (register_property's default_value, domain items)
    assert.equal(JSON.parse((await post('list_agents', nested(MAX_BODY_DEPTH + 1, 'array'))).body).error.message, TOO_DEEP);
    const property = (value: string) =>
      `{"name":"deep","owner_client_id":"${h().boot.client_id}","type":"string","access":{"license":{"agent":["read"]}},"domain":[${value},${value}]}`;
    assert.equal(JSON.parse((await post('register_property', property(nested(MAX_BODY_DEPTH)))).body).error.message, TOO_DEEP);
    // brackets inside strings are text, not nesting (escaped quotes and backslashes included)
    const text = `x\\"${'[{'.repeat(100)}\\\\`;
    const res = await post('create_tag', `{"name":"${text}"}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok((await h().ok('list_tags', {})).some((t: any) => t.name === JSON.parse(`"${text}"`)));
  });
});
