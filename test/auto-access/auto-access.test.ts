import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness, eventsSince, lastSeq } from '../support/harness.js';

const domainRule = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  access: { groups: [0] },
  conditions: { domain: { values: [{ value: `${description}.example.com`, exact_match: true }] } },
  ...extra,
});

/** A fresh licence per test so list order is the test's own. */
async function freshLicence(h: Harness) {
  const lic = await h.bootstrap();
  const opts = { token: lic.bearer_token };
  const add = async (description: string, extra: Record<string, unknown> = {}): Promise<string> =>
    (await h.ok('add_auto_access', domainRule(description, extra), opts)).id;
  const list = async (): Promise<any[]> => h.ok('list_auto_accesses', {}, opts);
  const order = async (): Promise<string[]> => (await list()).map((r) => r.description);
  const events = async (after: number) => eventsSince(h, after, 'auto_accesses_updated', lic.license_id);
  const seq = () => lastSeq(h, lic.license_id);
  return { lic, opts, add, list, order, events, seq };
}

describeStores('auto access', (h) => {
  it('adds a rule and lists it with defaults filled (exact_match false, description "", next_id "")', async () => {
    const l = await freshLicence(h());
    const seq = await l.seq();
    const res = await h().ok('add_auto_access', {
      access: { groups: [0] },
      conditions: {
        url: { exclude_values: [{ value: '/checkout' }] },
        geolocation: { values: [{ country: 'United States', country_code: 'US' }, { city: 'Mountain View' }] },
      },
    }, l.opts);
    assert.deepEqual(Object.keys(res), ['id']);
    assert.match(res.id, /^[0-9a-f]{32}$/);
    const expected = {
      id: res.id,
      description: '',
      access: { groups: [0] },
      conditions: {
        url: { exclude_values: [{ value: '/checkout', exact_match: false }] },
        geolocation: { values: [{ country: 'United States', country_code: 'US' }, { city: 'Mountain View' }] },
      },
      next_id: '',
    };
    assert.deepEqual(await l.list(), [expected]);
    assert.deepEqual(await h().ok('list_auto_access', {}, l.opts), [expected], 'the "Available methods" spelling is an alias');
    const events = await l.events(seq);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.payload, [{ ...expected, status: 'added' }]);
  });

  it('appends without next_id and inserts before next_id, reporting the relinked neighbour', async () => {
    const l = await freshLicence(h());
    const a = await l.add('A');
    const b = await l.add('B');
    await l.add('C', { next_id: '' });
    assert.deepEqual(await l.order(), ['A', 'B', 'C']);
    const seq = await l.seq();
    const e = await l.add('E', { next_id: b });
    assert.deepEqual(await l.order(), ['A', 'E', 'B', 'C']);
    const rules = await l.list();
    assert.deepEqual(rules.map((r) => r.next_id), [e, b, rules[3].id, '']);
    const [event] = await l.events(seq);
    assert.deepEqual(event!.payload, [
      { id: a, next_id: e, status: 'updated' },
      { ...rules[1], status: 'added' },
    ]);
    const head = await l.add('H', { next_id: a });
    assert.deepEqual(await l.order(), ['H', 'A', 'E', 'B', 'C']);
    assert.equal((await l.list())[0].next_id, a);
    assert.ok(head);
  });

  it('moves rules as the spec example: A→B→C→D, move C before B gives A→C→B→D; "" moves to the end', async () => {
    const l = await freshLicence(h());
    const [a, b, c, d] = [await l.add('A'), await l.add('B'), await l.add('C'), await l.add('D')];
    const seq = await l.seq();
    assert.deepEqual(await h().ok('update_auto_access', { id: c, next_id: b }, l.opts), {});
    assert.deepEqual(await l.order(), ['A', 'C', 'B', 'D']);
    assert.deepEqual((await l.list()).map((r) => r.next_id), [c, b, d, '']);
    const [event] = await l.events(seq);
    assert.deepEqual(event!.payload, [
      { id: a, next_id: c, status: 'updated' },
      { id: b, next_id: d, status: 'updated' },
      { id: c, next_id: b, status: 'updated' },
    ]);
    await h().ok('update_auto_access', { id: c, next_id: '' }, l.opts);
    assert.deepEqual(await l.order(), ['A', 'B', 'D', 'C']);
    await h().ok('update_auto_access', { id: a, next_id: '' }, l.opts);
    assert.deepEqual(await l.order(), ['B', 'D', 'C', 'A']);
    await h().ok('update_auto_access', { id: a, next_id: b }, l.opts);
    assert.deepEqual(await l.order(), ['A', 'B', 'D', 'C']);
    const seq2 = await l.seq();
    await h().ok('update_auto_access', { id: a, next_id: b }, l.opts);
    await h().ok('update_auto_access', { id: c, next_id: '' }, l.opts);
    assert.deepEqual(await l.order(), ['A', 'B', 'D', 'C']);
    assert.deepEqual(await l.events(seq2), [], 'a move to where the rule already is changes nothing');
  });

  it('updates only the given fields; conditions and access are replaced whole; absent next_id keeps the place', async () => {
    const l = await freshLicence(h());
    const g = (await h().ok('create_group', { name: 'AA', agent_priorities: { [l.lic.owner.id]: 'normal' } }, l.opts)).id;
    const a = await l.add('A');
    const b = await l.add('B');
    const before = (await l.list())[0];
    const seq = await l.seq();
    await h().ok('update_auto_access', { id: a, description: 'A2' }, l.opts);
    assert.deepEqual((await l.list())[0], { ...before, description: 'A2' });
    await h().ok('update_auto_access', { id: a, access: { groups: [g, 0] }, conditions: { geolocation: { values: [{ region: 'California' }] } } }, l.opts);
    const after = (await l.list())[0];
    assert.deepEqual(after, {
      id: a,
      description: 'A2',
      access: { groups: [g, 0] },
      conditions: { geolocation: { values: [{ region: 'California' }] } },
      next_id: b,
    });
    const events = await l.events(seq);
    assert.deepEqual(events.map((e) => e.payload), [
      [{ id: a, description: 'A2', status: 'updated' }],
      [{ id: a, access: { groups: [g, 0] }, conditions: after.conditions, status: 'updated' }],
    ]);
    const seq2 = await l.seq();
    await h().ok('update_auto_access', { id: a }, l.opts);
    await h().ok('update_auto_access', { id: a, description: 'A2' }, l.opts);
    assert.deepEqual(await l.events(seq2), [], 'no change, no event');
  });

  it('deletes rules and relinks the list', async () => {
    const l = await freshLicence(h());
    const [a, b, c, d] = [await l.add('A'), await l.add('B'), await l.add('C'), await l.add('D')];
    const seq = await l.seq();
    assert.deepEqual(await h().ok('delete_auto_access', { id: b }, l.opts), {});
    assert.deepEqual(await l.order(), ['A', 'C', 'D']);
    assert.deepEqual((await l.events(seq))[0]!.payload, [
      { id: a, next_id: c, status: 'updated' },
      { id: b, status: 'deleted' },
    ]);
    await h().ok('delete_auto_access', { id: d }, l.opts);
    assert.deepEqual((await l.list()).map((r) => r.next_id), [c, '']);
    await h().ok('delete_auto_access', { id: a }, l.opts);
    assert.deepEqual(await l.order(), ['C']);
    expectError(await h().call('delete_auto_access', { id: a }, l.opts), 'not_found', 404);
    await h().ok('delete_auto_access', { id: c }, l.opts);
    assert.deepEqual(await l.list(), []);
  });

  it('validates add_auto_access parameters', async () => {
    const l = await freshLicence(h());
    const dom = { domain: { values: [{ value: 'x.com' }] } };
    const cases: [unknown, RegExp][] = [
      [{ conditions: dom }, /`access` is required/],
      [{ access: { groups: [0] } }, /`conditions` is required/],
      [{ access: {}, conditions: dom }, /`access.groups` is required/],
      [{ access: { groups: [] }, conditions: dom }, /`access.groups`/],
      [{ access: { groups: [0, 0] }, conditions: dom }, /`access.groups`/],
      [{ access: { groups: ['0'] }, conditions: dom }, /`access.groups\[0\]`/],
      [{ access: { groups: [0] }, conditions: {} }, /`conditions` must have at least one of/],
      [{ access: { groups: [0] }, conditions: { domain: {} } }, /`conditions.domain` needs/],
      [{ access: { groups: [0] }, conditions: { url: { values: [{ value: 'a' }], exclude_values: [{ value: 'b' }] } } }, /`conditions.url` may not have both/],
      [{ access: { groups: [0] }, conditions: { url: { values: [] } } }, /`conditions.url.values`/],
      [{ access: { groups: [0] }, conditions: { url: { values: [{ exact_match: true }] } } }, /`conditions.url.values\[0\].value` is required/],
      [{ access: { groups: [0] }, conditions: { url: { values: [{ value: 'a', exact_match: 'yes' }] } } }, /`conditions.url.values\[0\].exact_match`/],
      [{ access: { groups: [0] }, conditions: { geolocation: {} } }, /`conditions.geolocation.values` is required/],
      [{ access: { groups: [0] }, conditions: { geolocation: { values: [{}] } } }, /`conditions.geolocation.values\[0\]` needs at least one of/],
      [{ access: { groups: [0] }, conditions: { geolocation: { values: [{ planet: 'Mars' }] } } }, /`conditions.geolocation.values\[0\].planet`/],
      [{ access: { groups: [0] }, conditions: { ip: {} } }, /`conditions.ip`/],
      [{ access: { groups: [0] }, conditions: dom, description: 5 }, /`description`/],
      [{ access: { groups: [0] }, conditions: dom, next_id: 5 }, /`next_id`/],
      [{ access: { groups: [0] }, conditions: dom, priority: 1 }, /`priority`/],
    ];
    for (const [body, message] of cases) {
      const res = await h().call('add_auto_access', body, l.opts);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, JSON.stringify(body));
    }
    assert.deepEqual(await l.list(), []);
  });

  it('validates update_auto_access and delete_auto_access parameters', async () => {
    const l = await freshLicence(h());
    const a = await l.add('A');
    const cases: [string, unknown, RegExp][] = [
      ['update_auto_access', {}, /`id` is required/],
      ['update_auto_access', { id: a, access: {} }, /`access.groups` is required/],
      ['update_auto_access', { id: a, conditions: {} }, /`conditions` must have at least one of/],
      ['update_auto_access', { id: a, conditions: { domain: { values: [{ value: 'a' }], exclude_values: [{ value: 'b' }] } } }, /may not have both/],
      ['update_auto_access', { id: a, conditions: { geolocation: { values: [{}] } } }, /needs at least one of/],
      ['update_auto_access', { id: a, next_id: a }, /`next_id`/],
      ['update_auto_access', { id: a, name: 'x' }, /`name`/],
      ['delete_auto_access', {}, /`id` is required/],
      ['delete_auto_access', { id: 7 }, /`id`/],
      ['list_auto_accesses', { filters: {} }, /`filters`/],
    ];
    for (const [action, body, message] of cases) {
      const res = await h().call(action, body, l.opts);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, `${action} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(await l.order(), ['A']);
  });

  it('answers not_found for unknown ids and next_ids, group_not_found for unknown groups', async () => {
    const l = await freshLicence(h());
    const a = await l.add('A');
    const ghost = 'f'.repeat(32);
    expectError(await h().call('add_auto_access', domainRule('X', { next_id: ghost }), l.opts), 'not_found', 404);
    expectError(await h().call('update_auto_access', { id: ghost, description: 'x' }, l.opts), 'not_found', 404);
    expectError(await h().call('update_auto_access', { id: a, next_id: ghost }, l.opts), 'not_found', 404);
    expectError(await h().call('delete_auto_access', { id: ghost }, l.opts), 'not_found', 404);
    expectError(await h().call('add_auto_access', domainRule('G', { access: { groups: [0, 4242] } }), l.opts), 'group_not_found', 404);
    expectError(await h().call('update_auto_access', { id: a, access: { groups: [4242] } }, l.opts), 'group_not_found', 404);
    assert.deepEqual(await l.order(), ['A']);
    assert.deepEqual((await l.list())[0].access, { groups: [0] });
  });

  it('needs access_rules:ro to list and access_rules:rw to change', async () => {
    const l = await freshLicence(h());
    const a = await l.add('A');
    const ro = await h().tokenFor(l.lic.owner.id, ['access_rules:ro'], { licenseId: l.lic.license_id, clientId: l.lic.client_id });
    const none = await h().tokenFor(l.lic.owner.id, ['agents--all:ro'], { licenseId: l.lic.license_id, clientId: l.lic.client_id });
    const rw = await h().tokenFor(l.lic.owner.id, ['access_rules:rw'], { licenseId: l.lic.license_id, clientId: l.lic.client_id });
    assert.equal((await h().ok('list_auto_accesses', {}, { token: ro.token })).length, 1);
    expectError(await h().call('list_auto_accesses', {}, { token: none.token }), 'authorization', 403);
    expectError(await h().call('add_auto_access', domainRule('B'), { token: ro.token }), 'authorization', 403);
    expectError(await h().call('update_auto_access', { id: a, description: 'x' }, { token: ro.token }), 'authorization', 403);
    expectError(await h().call('delete_auto_access', { id: a }, { token: ro.token }), 'authorization', 403);
    const b = (await h().ok('add_auto_access', domainRule('B'), { token: rw.token })).id;
    await h().ok('update_auto_access', { id: b, next_id: a }, { token: rw.token });
    assert.equal((await h().ok('list_auto_accesses', {}, { token: rw.token })).length, 2);
    await h().ok('delete_auto_access', { id: b }, { token: rw.token });
    assert.deepEqual(await l.order(), ['A']);
  });

  it('keeps rules of other licences apart', async () => {
    const l = await freshLicence(h());
    const m = await freshLicence(h());
    const a = await l.add('A');
    await m.add('M');
    assert.deepEqual(await m.order(), ['M']);
    expectError(await h().call('update_auto_access', { id: a, description: 'x' }, m.opts), 'not_found', 404);
    expectError(await h().call('delete_auto_access', { id: a }, m.opts), 'not_found', 404);
    expectError(await h().call('add_auto_access', domainRule('N', { next_id: a }), m.opts), 'not_found', 404);
    const g = (await h().ok('create_group', { name: 'L only', agent_priorities: { [l.lic.owner.id]: 'normal' } }, l.opts)).id;
    expectError(await h().call('add_auto_access', domainRule('N', { access: { groups: [g] } }), m.opts), 'group_not_found', 404);
    assert.deepEqual(await l.order(), ['A']);
    assert.deepEqual(await m.order(), ['M']);
  });

  it('removes a deleted group from rules; rules left without groups are deleted and the list relinked', async () => {
    const l = await freshLicence(h());
    const g = (await h().ok('create_group', { name: 'Doomed', agent_priorities: { [l.lic.owner.id]: 'normal' } }, l.opts)).id;
    const a = await l.add('A');
    const b = await l.add('B', { access: { groups: [g] } });
    const c = await l.add('C', { access: { groups: [0, g] } });
    const seq = await l.seq();
    await h().ok('delete_group', { id: g }, l.opts);
    assert.deepEqual(await l.order(), ['A', 'C']);
    const rules = await l.list();
    assert.deepEqual(rules.map((r) => [r.id, r.access.groups, r.next_id]), [[a, [0], c], [c, [0], '']]);
    const events = await l.events(seq);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.source_client_id, l.lic.client_id, "attributed to the client that deleted the group");
    assert.deepEqual(events[0]!.payload, [
      { id: a, next_id: c, status: 'updated' },
      { id: c, access: { groups: [0] }, status: 'updated' },
      { id: b, status: 'deleted' },
    ]);
  });

  it('keeps one consistent chain under many concurrent adds, moves and deletes', async () => {
    const l = await freshLicence(h());
    const initial = await Promise.all(Array.from({ length: 30 }, (_, i) => l.add(`R${i}`)));
    assert.equal(new Set(initial).size, 30);
    const pick = (i: number) => initial[(i * 7) % initial.length]!;
    const ops = Array.from({ length: 90 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return h().call('add_auto_access', domainRule(`N${i}`, { next_id: pick(i + 1) }), l.opts);
        case 1:
          return h().call('update_auto_access', { id: pick(i), next_id: pick(i + 3) }, l.opts);
        case 2:
          return h().call('update_auto_access', { id: pick(i), next_id: '' }, l.opts);
        case 3:
          return h().call('delete_auto_access', { id: pick(i) }, l.opts);
        default:
          return h().call('add_auto_access', domainRule(`E${i}`), l.opts);
      }
    });
    const results = await Promise.all(ops);
    for (const r of results) {
      // A rule deleted by a concurrent call is legitimately gone (not_found); nothing else may fail.
      if (r.status !== 200) expectError(r, 'not_found', 404);
    }
    assert.ok(results.filter((r) => r.status === 200).length >= 60);
    const rows = await h()
      .store.db.selectFrom('auto_accesses')
      .select(['id', 'next_id'])
      .where('license_id', '=', l.lic.license_id)
      .execute();
    const ids = new Set(rows.map((r) => r.id));
    const nexts = rows.map((r) => r.next_id);
    assert.equal(nexts.filter((n) => n === '').length, 1, 'exactly one last rule');
    assert.equal(new Set(nexts).size, nexts.length, 'no two rules point to the same next rule');
    assert.ok(nexts.every((n) => n === '' || ids.has(n)), 'every next_id names an existing rule');
    const heads = rows.filter((r) => !nexts.includes(r.id));
    assert.equal(heads.length, 1, 'exactly one first rule');
    const byId = new Map(rows.map((r) => [r.id, r.next_id]));
    const walk: string[] = [];
    for (let id = heads[0]!.id; id !== ''; id = byId.get(id)!) walk.push(id);
    assert.equal(walk.length, rows.length, 'following next_id from the head visits every rule once');
    const listed = await l.list();
    assert.deepEqual(listed.map((r) => r.id), walk);
    assert.deepEqual(listed.map((r) => r.next_id), [...walk.slice(1), '']);
  });
});
