/**
 * The versioned registry (kernel/versions.ts) and the served versions' change lists (src/versions/): what each
 * version's table holds, that unchanged actions are shared and the base's schemas untouched, and how a version written
 * against another (a v3.7 against v3.6) composes its changes down to the base.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ALL_AREAS } from '../../src/areas-v36.js';
import { defineAction } from '../../src/kernel/registry.js';
import { changeOf, materialise, withProperties, type VersionChanges } from '../../src/kernel/versions.js';
import { BASE_VERSION, SERVED_VERSIONS, VERSION_CHANGES, buildVersions } from '../../src/versions/index.js';
import { loadConfig } from '../../src/config.js';
import { ApiError } from '../../src/kernel/errors.js';
import { RawJson } from '../../src/kernel/raw-json.js';
import { ReadCaches } from '../../src/kernel/read-cache.js';
import { Dispatcher, scopeOf } from '../../src/http/dispatch.js';
import { Harness } from '../support/harness.js';

const stable = { stage: 'stable' as const, endDate: null };

describe('served versions (src/versions/)', () => {
  const versions = buildVersions(ALL_AREAS, loadConfig({}).versions);

  it('serves 3.4, 3.5 and 3.6, oldest first, with their default stages and lifecycle headers', () => {
    assert.deepEqual(SERVED_VERSIONS, ['3.4', '3.5', '3.6']);
    assert.deepEqual(
      versions.versions.map((v) => [v.path, v.stage, v.header]),
      [
        ['v3.4', 'deprecated', { name: 'Deprecation', value: '2027-03-31' }],
        ['v3.5', 'legacy', { name: 'Legacy', value: '2027-09-30' }],
        ['v3.6', 'stable', null],
      ],
    );
    assert.equal(versions.base, '3.5');
    assert.equal(versions.newest.name, '3.6');
  });

  it('names only actions the default app has (a typo would be skipped silently otherwise)', () => {
    const known = new Set(ALL_AREAS.flatMap((a) => a.actions.map((x) => x.name)));
    for (const c of VERSION_CHANGES) {
      for (const name of [...(c.added ?? []), ...(c.removed ?? []), ...(c.actions ?? []).map((a) => a.action)]) assert.ok(known.has(name), `${c.version}: ${name}`);
    }
  });

  it('v3.4: 42 actions (3 of its own), no batch endpoint; v3.5: 54 + 9; v3.6: 64 + 9', () => {
    const sizes = versions.versions.map((v) => [v.name, v.registry.actions.size, v.registry.batches.size]);
    assert.deepEqual(sizes, [['3.4', 42, 0], ['3.5', 54, 9], ['3.6', 64, 9]]);
    assert.equal(versions.action('3.4', 'list_tags'), undefined);
    for (const name of ['list_group_properties', 'get_license_id', 'get_organization_id']) {
      assert.ok(versions.action('3.4', name), name);
      assert.equal(versions.action('3.5', name), undefined, name);
      assert.equal(versions.action('3.6', name), undefined, name);
    }
    assert.equal(versions.action('3.5', 'create_greeting'), undefined);
    assert.ok(versions.action('3.6', 'create_greeting'));
    assert.equal(versions.action('3.6', 'list_auto_access')?.name, 'list_auto_accesses', 'aliases in every version');
  });

  it('shares the actions a version does not change; changed ones have their own schemas, the base’s stay as they were', () => {
    assert.equal(versions.action('3.4', 'delete_agent'), versions.action('3.5', 'delete_agent'));
    assert.equal(versions.action('3.6', 'delete_agent'), versions.action('3.5', 'delete_agent'));
    // v3.4 shapes get_agent's answer: its own cache, the same handler.
    assert.equal(versions.action('3.4', 'get_agent')!.cacheName, '3.4:get_agent');
    assert.equal(versions.action('3.4', 'get_agent')!.handler, versions.action('3.5', 'get_agent')!.handler);
    assert.equal(versions.action('3.6', 'get_agent'), versions.action('3.5', 'get_agent'));
    const v35 = versions.action('3.5', 'create_agent')!;
    const v36 = versions.action('3.6', 'create_agent')!;
    assert.notEqual(v35, v36);
    assert.equal(v36.handler, v35.handler);
    assert.ok('avatar' in (v35.schema as any).properties && !('avatar' in (v36.schema as any).properties));
    assert.equal((v35.schema as any).properties.max_chats_count.maximum, 100);
    assert.equal((v36.schema as any).properties.max_chats_count.maximum, 20);
    assert.equal((v36.schema as any).additionalProperties, false);
    assert.deepEqual((v36.schema as any).required, (v35.schema as any).required);
    // Batch endpoints take the version's item schema.
    assert.equal((versions.table('3.6').endpoint('batch_update_agents')!.request as any).properties.requests.items, versions.action('3.6', 'update_agent')!.schema);
    assert.equal(v36.cacheName, 'create_agent', 'no answer shaping: the same cache');
  });

  it('gives each version its rules', () => {
    assert.deepEqual(versions.versions.map((v) => v.rules.groupNeedsNormalPriority), [true, true, false]);
    assert.deepEqual(versions.rulesOf('3.5'), BASE_VERSION.rules);
    assert.equal(versions.rulesOf('3.7'), undefined);
  });
});

describe('materialise: a version written against another one', () => {
  const echo = defineAction({
    name: 'echo',
    area: 'test',
    summary: 'Echo.',
    schema: Type.Object({ text: Type.String(), n: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
    response: Type.Object({ text: Type.String() }),
    scopes: [],
    batch: 'batch_echo',
    async handler(_ctx, input) {
      return { text: input.text };
    },
  });
  const later = defineAction({ name: 'later', area: 'test', summary: 'Later.', schema: Type.Object({}), response: Type.Object({}), scopes: [], async handler() {} });
  const base = { version: '3.5', rules: { groupNeedsNormalPriority: true, webhookActions: ['a'], agentScheduleZone: 'required' as const, tokenOwnerClientId: 'used' as const, botAuthorHeader: true }, summary: ['base'] };
  const v36: VersionChanges = {
    version: '3.6',
    neighbour: '3.5',
    summary: ['words'],
    actions: [
      changeOf(echo, {
        request: (s) => withProperties(s, { text: undefined, words: Type.Array(Type.String()) }),
        toBase: (input: { words: string[] }) => ({ text: input.words.join(' ') }),
        fromBase: (out) => ({ words: out.text.split(' ') }),
      }),
    ],
    rules: () => ({ webhookActions: ['a', 'b'] }),
  };
  const v37: VersionChanges = {
    version: '3.7',
    neighbour: '3.6',
    summary: ['shouting, no batches'],
    batches: false,
    added: ['later'],
    actions: [{ action: 'echo', toBase: (input: { words: string[] }) => ({ words: input.words.map((w) => w.toLowerCase()) }), fromBase: (out: { words: string[] }) => ({ WORDS: out.words }), get: true }],
  };
  const versions = materialise(base, [v37, v36], [echo, later], () => stable);

  it('builds neighbours first, orders versions, composes translations down to the base and answers up from it', () => {
    assert.deepEqual(versions.versions.map((v) => v.name), ['3.5', '3.6', '3.7']);
    const e37 = versions.action('3.7', 'echo')!;
    const ctx = {} as any;
    assert.deepEqual(e37.toBase!({ words: ['HELLO', 'World'] }, ctx), { text: 'hello world' });
    assert.deepEqual(e37.fromBase!({ text: 'hello world' }, { words: ['HELLO', 'World'] }, ctx), { WORDS: ['hello', 'world'] });
    assert.equal(e37.get, true);
    assert.equal(versions.action('3.6', 'echo')!.get, false);
    assert.equal(e37.schema, versions.action('3.6', 'echo')!.schema, 'the neighbour’s request schema when not changed');
    assert.deepEqual([e37.cacheName, versions.action('3.6', 'echo')!.cacheName, versions.action('3.5', 'echo')!.cacheName], ['3.7:echo', '3.6:echo', 'echo']);
    // Rules inherited from the neighbour; added actions only from their version on; batches as declared.
    assert.deepEqual(versions.rulesOf('3.7')!.webhookActions, ['a', 'b']);
    assert.equal(versions.action('3.6', 'later'), undefined);
    assert.ok(versions.action('3.7', 'later'));
    assert.deepEqual(versions.versions.map((v) => v.registry.batches.size), [1, 1, 0]);
    assert.deepEqual(versions.get('3.7')!.summary, ['shouting, no batches']);
    assert.equal(versions.get('3.7')!.neighbour, '3.6');
  });

  it('refuses a version whose neighbour is not served, and one defined twice', () => {
    assert.throws(() => materialise(base, [{ ...v37, neighbour: '3.9' }], [echo], () => stable), /no neighbour/);
    assert.throws(() => materialise(base, [v36, v36], [echo], () => stable), /defined twice/);
  });
});

describe('the dispatcher runs a version’s translations [sqlite]', () => {
  const h = new Harness('sqlite');
  let computed = 0;
  const seen: unknown[] = [];
  const shout = defineAction({
    name: 'shout',
    area: 'test',
    summary: 'Shout.',
    schema: Type.Object({ text: Type.String() }, { additionalProperties: false }),
    response: Type.Object({ text: Type.String() }),
    scopes: [],
    batch: 'batch_shout',
    authorize(_ctx, input) {
      seen.push(input);
      if (input.text === 'forbidden') throw new ApiError('authorization');
    },
    cache: { key: (input) => input.text, limits: { entries: 10, bytes: 10_000 } },
    async handler(ctx, input) {
      computed++;
      // A handler may serialise its answer itself: the version's fromBase gets it parsed.
      return new RawJson(Buffer.from(JSON.stringify({ text: `${input.text.toUpperCase()} (${ctx.version})` })));
    },
  });
  const quiet: VersionChanges = {
    version: '3.6',
    neighbour: '3.5',
    summary: [],
    actions: [changeOf(shout, { request: (s) => withProperties(s, { text: undefined, words: Type.Array(Type.String()) }), toBase: (i: { words: string[] }) => ({ text: i.words.join(' ') }), fromBase: (o) => ({ said: o.text }) })],
  };
  const base = { version: '3.5', rules: BASE_VERSION.rules, summary: [] };
  const versions = materialise(base, [quiet], [shout], () => stable);
  let dispatcher: Dispatcher;
  before(async () => {
    await h.start();
    dispatcher = new Dispatcher({ core: h.core, caches: new ReadCaches(h.store) });
  });
  after(() => h.stop());
  const caller = () => ({ kind: 'bearer', licenseId: h.boot.license_id, scopes: new Set<string>() }) as any;
  const log = { debug() {}, info() {}, warn() {}, error() {} };

  it('validates the version’s input, authorizes and caches the base input, answers in the version’s shape', async () => {
    const s36 = scopeOf(versions, '3.6');
    const s35 = scopeOf(versions, '3.5');
    const a36 = versions.action('3.6', 'shout')!;
    const a35 = versions.action('3.5', 'shout')!;
    assert.deepEqual(await dispatcher.runSingle(s36, a36, caller(), log, { words: ['hi', 'there'] }), new RawJson(Buffer.from('{"said":"HI THERE (3.6)"}')));
    assert.deepEqual(seen.at(-1), { text: 'hi there' });
    assert.throws(() => a36.validate({ words: [], text: 'x' }), /`text` is not a supported parameter/);
    await assert.rejects(dispatcher.runSingle(s36, a36, caller(), log, { words: ['forbidden'] }), (e: unknown) => e instanceof ApiError && e.type === 'authorization');
    // Cached per version where the version shapes the answer: each version computes once, then serves its own.
    const before = computed;
    const out35 = await dispatcher.runSingle(s35, a35, caller(), log, { text: 'hi there' });
    assert.equal((out35 as RawJson).body.toString(), '{"text":"HI THERE (3.5)"}');
    await dispatcher.runSingle(s35, a35, caller(), log, { text: 'hi there' });
    await dispatcher.runSingle(s36, a36, caller(), log, { words: ['hi', 'there'] });
    assert.equal(computed, before + 1);
    // Batch items too.
    assert.deepEqual(await dispatcher.runBatch(s36, a36, caller(), log, [{ words: ['a'] }, { text: 'b' }, { words: ['forbidden'] }]), [
      { said: 'A (3.6)' },
      { error: { type: 'validation', message: '`words` is required' } },
      { error: { type: 'authorization', message: 'Authorization error' } },
    ]);
  });
});
