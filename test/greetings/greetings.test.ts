/**
 * Greetings (v3.6) through the real server on both stores: create/get/update/delete, list filters and pagination,
 * group_not_found, ids per licence, the delete_group cascade, and scopes.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectError, newGroup } from '../support/harness.js';
import { call36, describeV36, greetingBody, ok36 } from '../support/v36.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeV36('greetings', (h) => {
  const create = async (o: Record<string, unknown> = {}, opts = {}): Promise<number> => (await ok36(h(), 'create_greeting', greetingBody(o), opts)).id;

  it('creates a greeting with every documented field and answers it back as stored', async () => {
    const body = greetingBody();
    const { id } = await ok36(h(), 'create_greeting', body);
    assert.ok(Number.isInteger(id) && id > 0);
    const got = await ok36(h(), 'get_greeting', { id });
    const generated = got.rich_message.elements[0].buttons[1].button_id;
    assert.match(generated, UUID);
    const expected = structuredClone(body) as any;
    expected.rich_message.elements[0].buttons[1].button_id = generated;
    const { group, ...rest } = expected;
    assert.deepEqual(got, { id, ...rest, group });
    assert.deepEqual(Object.keys(got), ['id', 'type', 'active', 'active_from', 'active_until', 'name', 'group', 'rules', 'properties', 'rich_message']);
  });

  it('leaves unset dates and rich message out of answers; properties default to {}', async () => {
    const id = await create({ active_from: undefined, active_until: undefined, properties: undefined, rich_message: undefined, type: 'announcement', active: false });
    assert.deepEqual(await ok36(h(), 'get_greeting', { id }), {
      id,
      type: 'announcement',
      active: false,
      name: 'Welcome greeting',
      group: 0,
      rules: greetingBody().rules,
      properties: {},
    });
  });

  it('gives ids counting up per licence, never twice (a deleted id is not reused)', async () => {
    const other = await h().bootstrap();
    const first = await create({}, { token: other.bearer_token });
    const second = await create({}, { token: other.bearer_token });
    assert.deepEqual([first, second], [1, 2]);
    assert.deepEqual(await ok36(h(), 'delete_greeting', { id: second }, { token: other.bearer_token }), {});
    assert.equal(await create({}, { token: other.bearer_token }), 3);
    // Greetings of other licences are not seen: a licence without greetings finds none.
    const empty = await h().bootstrap();
    expectError(await call36(h(), 'get_greeting', { id: 1 }, { token: empty.bearer_token }), 'not_found', 404);
    assert.deepEqual(await ok36(h(), 'list_greetings', {}, { token: empty.bearer_token }), { greetings: [], found_greetings: 0 });
  });

  it('answers group_not_found for a group the licence does not have, and creates nothing', async () => {
    const before = (await ok36(h(), 'list_greetings', {})).found_greetings;
    expectError(await call36(h(), 'create_greeting', greetingBody({ group: 987654 })), 'group_not_found', 404);
    assert.equal((await ok36(h(), 'list_greetings', {})).found_greetings, before);
  });

  it('updates only the given fields; rules, properties and rich_message are replaced whole; null unsets', async () => {
    const g = await newGroup(h(), 'Greeters');
    const id = await create({ group: g });
    const before = await ok36(h(), 'get_greeting', { id });
    assert.deepEqual(await ok36(h(), 'update_greeting', { id, active: false, name: 'Updated welcome greeting' }), {});
    assert.deepEqual(await ok36(h(), 'get_greeting', { id }), { ...before, active: false, name: 'Updated welcome greeting' });

    const rules = [{ condition: 'and', type: 'url_current', operator: 'contains', value: 'product' }];
    await ok36(h(), 'update_greeting', { id, type: 'announcement', rules, properties: { is_exit_intent: 'true' } });
    const after = await ok36(h(), 'get_greeting', { id });
    assert.deepEqual(after, { ...before, active: false, name: 'Updated welcome greeting', type: 'announcement', rules, properties: { is_exit_intent: 'true' } });

    // Buttons keep a given id and get a new one otherwise.
    const kept = before.rich_message.elements[0].buttons[1].button_id;
    const element = { title: 'T', subtitle: 'S', image: { url: 'https://example.com/i.png' } };
    await ok36(h(), 'update_greeting', {
      id,
      rich_message: {
        template_id: 'quick_replies',
        elements: [{ ...element, buttons: [{ text: 'A', type: 'phone', value: '+1', postback_id: 'a', button_id: kept }, { text: 'B', type: 'webview', value: 'w', postback_id: 'b' }] }],
      },
    });
    const buttons = (await ok36(h(), 'get_greeting', { id })).rich_message.elements[0].buttons;
    assert.equal(buttons[0].button_id, kept);
    assert.match(buttons[1].button_id, UUID);
    assert.notEqual(buttons[1].button_id, before.rich_message.elements[0].buttons[0].button_id);

    await ok36(h(), 'update_greeting', { id, active_from: null, rich_message: null, active_until: '2030-01-01T00:00:00+02:00' });
    const unset = await ok36(h(), 'get_greeting', { id });
    assert.ok(!('active_from' in unset) && !('rich_message' in unset));
    assert.equal(unset.active_until, '2030-01-01T00:00:00+02:00');
    assert.equal(unset.group, g);
  });

  it('checks the activity window against the stored dates on update', async () => {
    const id = await create({ active_from: '2024-06-01T00:00:00Z', active_until: '2024-07-01T00:00:00Z' });
    const res = await call36(h(), 'update_greeting', { id, active_until: '2024-05-31T23:59:59Z' });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`active_from` should not be after `active_until`/);
    // The same moment in another offset is not "after".
    await ok36(h(), 'update_greeting', { id, active_until: '2024-06-01T02:00:00+02:00' });
    await ok36(h(), 'update_greeting', { id, active_from: null, active_until: '2000-01-01T00:00:00Z' });
  });

  it('answers not_found for unknown greetings on get, update and delete', async () => {
    const id = await create();
    await ok36(h(), 'delete_greeting', { id });
    expectError(await call36(h(), 'get_greeting', { id }), 'not_found', 404);
    expectError(await call36(h(), 'update_greeting', { id, name: 'x' }), 'not_found', 404);
    expectError(await call36(h(), 'delete_greeting', { id }), 'not_found', 404);
    expectError(await call36(h(), 'get_greeting', { id: 2_000_000_000 }), 'not_found', 404);
  });

  it('deleting a group deletes its greetings; other groups keep theirs', async () => {
    const doomed = await newGroup(h(), 'Doomed');
    const kept = await newGroup(h(), 'Kept');
    const a = await create({ group: doomed });
    const b = await create({ group: kept });
    await h().ok('delete_group', { id: doomed });
    expectError(await call36(h(), 'get_greeting', { id: a }), 'not_found', 404);
    assert.equal((await ok36(h(), 'get_greeting', { id: b })).group, kept);
    assert.deepEqual(await ok36(h(), 'list_greetings', { groups: [doomed] }), { greetings: [], found_greetings: 0 });
  });
});

describeV36('list_greetings', (h) => {
  /** A licence of its own with `n` greetings spread over General and one more group; returns its token and ids. */
  async function licence(n: number): Promise<{ token: string; group: number; ids: number[]; groupIds: number[] }> {
    const b = await h().bootstrap();
    const group = (await h().ok('create_group', { name: 'Second', agent_priorities: { [b.owner.id]: 'normal' } }, { token: b.bearer_token })).id;
    const ids: number[] = [];
    const groupIds: number[] = [];
    for (let i = 0; i < n; i++) {
      const g = i % 3 === 0 ? group : 0;
      ids.push((await ok36(h(), 'create_greeting', greetingBody({ name: `G${i}`, group: g }), { token: b.bearer_token })).id);
      groupIds.push(g);
    }
    return { token: b.bearer_token, group, ids, groupIds };
  }
  const list = (token: string, body: unknown) => ok36(h(), 'list_greetings', body, { token });

  it('lists every greeting by id with the total when it fits one page (no next_page_id)', async () => {
    const l = await licence(4);
    const page = await list(l.token, {});
    assert.deepEqual(page.greetings.map((g: any) => g.id), l.ids);
    assert.equal(page.found_greetings, 4);
    assert.ok(!('next_page_id' in page));
    assert.deepEqual(page.greetings[0], await ok36(h(), 'get_greeting', { id: l.ids[0] }, { token: l.token }));
    assert.deepEqual(await list(l.token, { limit: 4 }), page);
  });

  it('filters by groups (unknown group ids match nothing; [] matches nothing)', async () => {
    const l = await licence(7);
    const inSecond = l.ids.filter((_, i) => l.groupIds[i] === l.group);
    const second = await list(l.token, { groups: [l.group] });
    assert.deepEqual(second.greetings.map((g: any) => g.id), inSecond);
    assert.equal(second.found_greetings, inSecond.length);
    assert.deepEqual((await list(l.token, { groups: [l.group, 0] })).greetings.map((g: any) => g.id), l.ids);
    assert.deepEqual(await list(l.token, { groups: [4242] }), { greetings: [], found_greetings: 0 });
    assert.deepEqual(await list(l.token, { groups: [] }), { greetings: [], found_greetings: 0 });
  });

  it('pages with limit and next_page_id, which carries the filter and the page size', async () => {
    const l = await licence(8);
    const first = await list(l.token, { groups: [0], limit: 2 });
    const inGeneral = l.ids.filter((_, i) => l.groupIds[i] === 0);
    assert.equal(inGeneral.length, 5);
    assert.deepEqual(first.greetings.map((g: any) => g.id), inGeneral.slice(0, 2));
    assert.equal(first.found_greetings, 5);
    assert.equal(typeof first.next_page_id, 'string');
    const second = await list(l.token, { page_id: first.next_page_id });
    assert.deepEqual(second.greetings.map((g: any) => g.id), inGeneral.slice(2, 4));
    assert.equal(second.found_greetings, 5);
    const third = await list(l.token, { page_id: second.next_page_id });
    assert.deepEqual(third.greetings.map((g: any) => g.id), inGeneral.slice(4));
    assert.ok(!('next_page_id' in third));
    // A greeting created meanwhile after the position shows up on a later page; a deleted one is gone.
    await ok36(h(), 'delete_greeting', { id: inGeneral[3] }, { token: l.token });
    const again = await list(l.token, { page_id: first.next_page_id });
    assert.deepEqual(again.greetings.map((g: any) => g.id), [inGeneral[2], inGeneral[4]]);
    assert.equal(again.found_greetings, 4);
  });

  it('answers at most 100 per page by default', async () => {
    const l = await licence(0);
    for (let i = 0; i < 101; i++) await ok36(h(), 'create_greeting', greetingBody({ name: `N${i}` }), { token: l.token });
    const first = await list(l.token, {});
    assert.equal(first.greetings.length, 100);
    assert.equal(first.found_greetings, 101);
    const rest = await list(l.token, { page_id: first.next_page_id });
    assert.deepEqual(rest.greetings.map((g: any) => g.name), ['N100']);
  });

  it('refuses misuse of pagination with validation', async () => {
    const l = await licence(3);
    const { next_page_id: pageId } = await list(l.token, { limit: 1 });
    const cases: [unknown, RegExp][] = [
      [{ page_id: pageId, limit: 1 }, /`page_id` cannot be used with `groups` or `limit`/],
      [{ page_id: pageId, groups: [0] }, /`page_id` cannot be used/],
      [{ page_id: 'not-a-page' }, /`page_id` is not a page id/],
      [{ page_id: `${pageId}x` }, /`page_id` is not a page id/],
      [{ page_id: Buffer.from(JSON.stringify({ v: 1, g: null, l: 1000, a: 1 })).toString('base64url') }, /`page_id` is not a page id/],
      [{ page_id: '' }, /`page_id` should not be empty/],
      [{ page_id: 5 }, /`page_id` should be string/],
      [{ limit: 0 }, /`limit` should be at least 1/],
      [{ limit: 101 }, /`limit` should be at most 100/],
      [{ limit: 2.5 }, /`limit` should be int/],
      [{ groups: [0, 0] }, /`groups` should not contain duplicates/],
      [{ groups: [-1] }, /`groups\[0\]` should be at least 0/],
      [{ groups: 'all' }, /`groups` should be array/],
      [{ filters: {} }, /`filters` is not a supported parameter/],
    ];
    for (const [body, message] of cases) {
      const res = await call36(h(), 'list_greetings', body, { token: l.token });
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, JSON.stringify(body));
    }
  });
});

describeV36('greetings scopes', (h) => {
  it('needs greetings:ro to read and greetings:rw to write (rw includes ro); others get authorization', async () => {
    const id = (await ok36(h(), 'create_greeting', greetingBody())).id;
    const { token: none } = await h().agentWithToken('no-greetings@example.com', ['agents--all:rw', 'groups--all:rw', 'banlist_write']);
    const { token: ro } = await h().agentWithToken('greetings-ro@example.com', ['greetings:ro']);
    const { token: rw } = await h().agentWithToken('greetings-rw@example.com', ['greetings:rw']);
    const reads: [string, unknown][] = [['get_greeting', { id }], ['list_greetings', {}]];
    const writes: [string, unknown][] = [['create_greeting', greetingBody()], ['update_greeting', { id, name: 'n' }], ['delete_greeting', { id: 2_000_000_000 }]];
    for (const [action, body] of [...reads, ...writes]) expectError(await call36(h(), action, body, { token: none }), 'authorization', 403);
    for (const [action, body] of reads) await ok36(h(), action, body, { token: ro });
    for (const [action, body] of writes) expectError(await call36(h(), action, body, { token: ro }), 'authorization', 403);
    for (const [action, body] of reads) await ok36(h(), action, body, { token: rw });
    await ok36(h(), 'update_greeting', { id, name: 'by rw' }, { token: rw });
    expectError(await call36(h(), 'delete_greeting', { id: 2_000_000_000 }, { token: rw }), 'not_found', 404);
  });
});
