import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, eventsSince, lastSeq, newGroup } from '../support/harness.js';

const RFC3339_FRACTION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describeStores('tags', (h) => {
  const findTag = async (name: string, opts = {}) => ((await h().ok('list_tags', {}, opts)) as any[]).find((t) => t.name === name);

  it('creates a tag and lists it with author, creation time and sorted groups; tag_created carries the full state', async () => {
    const g = await newGroup(h(), 'Sales');
    const seq = await lastSeq(h());
    assert.deepEqual(await h().ok('create_tag', { name: 'docs_feedback', group_ids: [g, 0] }), {});
    const tag = await findTag('docs_feedback');
    assert.deepEqual(Object.keys(tag).sort(), ['author_id', 'created_at', 'group_ids', 'name']);
    assert.deepEqual(tag.group_ids, [0, g]);
    assert.equal(tag.author_id, h().boot.owner.id);
    assert.match(tag.created_at, RFC3339_FRACTION);
    const events = await eventsSince(h(), seq);
    assert.deepEqual(events.map((e) => e.action), ['tag_created']);
    assert.deepEqual(events[0]!.payload, tag);
    assert.equal(events[0]!.source_client_id, h().boot.client_id);
  });

  it('creates a tag without groups and lists tags in creation order', async () => {
    await h().ok('create_tag', { name: 'order-1' });
    await h().ok('create_tag', { name: 'order-2', group_ids: [] });
    const names = ((await h().ok('list_tags', {})) as any[]).map((t) => t.name);
    assert.ok(names.indexOf('order-1') < names.indexOf('order-2'));
    assert.deepEqual((await findTag('order-2')).group_ids, []);
  });

  it('refuses a name that exists in another letter case with already_exists', async () => {
    await h().ok('create_tag', { name: 'Complaint' });
    expectError(await h().call('create_tag', { name: 'complaint' }), 'already_exists', 409);
    expectError(await h().call('create_tag', { name: 'Complaint' }), 'already_exists', 409);
    expectError(await h().call('create_tag', { name: 'COMPLAINT', group_ids: [0] }), 'already_exists', 409);
  });

  it('validates create_tag parameters', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /`name` is required/],
      [{ name: '' }, /`name`/],
      [{ name: '   ' }, /`name`/],
      [{ name: 'x'.repeat(256) }, /`name`/],
      [{ name: 5 }, /`name`/],
      [{ name: 'v', group_ids: 'all' }, /`group_ids`/],
      [{ name: 'v', group_ids: [1.5] }, /`group_ids\[0\]`/],
      [{ name: 'v', group_ids: [-1] }, /`group_ids\[0\]`/],
      [{ name: 'v', group_ids: [0, 0] }, /`group_ids`/],
      [{ name: 'v', color: 'red' }, /`color`/],
    ];
    for (const [body, message] of cases) {
      const res = await h().call('create_tag', body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message);
    }
    assert.ok(!(await findTag('v')));
  });

  it('answers group_not_found for unknown groups on create and update', async () => {
    expectError(await h().call('create_tag', { name: 'ghost', group_ids: [0, 9999] }), 'group_not_found', 404);
    assert.ok(!(await findTag('ghost')));
    await h().ok('create_tag', { name: 'ghost2', group_ids: [0] });
    expectError(await h().call('update_tag', { name: 'ghost2', group_ids: [9999] }), 'group_not_found', 404);
    assert.deepEqual((await findTag('ghost2')).group_ids, [0]);
  });

  it('updates group_ids with case-sensitive matching; omitting group_ids changes nothing', async () => {
    const g = await newGroup(h(), 'Support');
    await h().ok('create_tag', { name: 'Upd', group_ids: [0] });
    const before = await findTag('Upd');
    expectError(await h().call('update_tag', { name: 'upd', group_ids: [g] }), 'not_found', 404);
    const seq = await lastSeq(h());
    assert.deepEqual(await h().ok('update_tag', { name: 'Upd', group_ids: [g, 0] }), {});
    const after = await findTag('Upd');
    assert.deepEqual(after, { ...before, group_ids: [0, g] });
    assert.deepEqual(
      (await eventsSince(h(), seq)).map((e) => [e.action, e.payload]),
      [['tag_updated', { name: 'Upd', group_ids: [0, g] }]],
    );
    const seq2 = await lastSeq(h());
    await h().ok('update_tag', { name: 'Upd' });
    await h().ok('update_tag', { name: 'Upd', group_ids: [0, g] });
    assert.deepEqual(await findTag('Upd'), after);
    assert.deepEqual(await eventsSince(h(), seq2), [], 'no change, no event');
    await h().ok('update_tag', { name: 'Upd', group_ids: [] });
    assert.deepEqual((await findTag('Upd')).group_ids, []);
  });

  it('validates update_tag and delete_tag parameters', async () => {
    expectError(await h().call('update_tag', {}), 'validation', 400);
    expectError(await h().call('update_tag', { name: 'Upd', group_ids: [1, 1] }), 'validation', 400);
    expectError(await h().call('update_tag', { name: 'Upd', author_id: 'x' }), 'validation', 400);
    expectError(await h().call('delete_tag', {}), 'validation', 400);
    expectError(await h().call('delete_tag', { name: 'Upd', group_ids: [] }), 'validation', 400);
    expectError(await h().call('update_tag', { name: 'never-created' }), 'not_found', 404);
  });

  it('deletes with case-sensitive matching and reports tag_deleted with the name', async () => {
    await h().ok('create_tag', { name: 'Spam', group_ids: [0] });
    expectError(await h().call('delete_tag', { name: 'spam' }), 'not_found', 404);
    const seq = await lastSeq(h());
    assert.deepEqual(await h().ok('delete_tag', { name: 'Spam' }), {});
    assert.ok(!(await findTag('Spam')));
    assert.deepEqual((await eventsSince(h(), seq)).map((e) => [e.action, e.payload]), [['tag_deleted', { name: 'Spam' }]]);
    expectError(await h().call('delete_tag', { name: 'Spam' }), 'not_found', 404);
    await h().ok('create_tag', { name: 'spam', group_ids: [] });
    assert.deepEqual((await findTag('spam')).group_ids, []);
  });

  it('filters the list by group ids (any of them); an empty filter matches nothing', async () => {
    const a = await newGroup(h(), 'A');
    const b = await newGroup(h(), 'B');
    await h().ok('create_tag', { name: 'in-a', group_ids: [a] });
    await h().ok('create_tag', { name: 'in-a-b', group_ids: [a, b] });
    await h().ok('create_tag', { name: 'in-b', group_ids: [b] });
    const names = async (group_ids: number[]) => ((await h().ok('list_tags', { filters: { group_ids } })) as any[]).map((t) => t.name);
    assert.deepEqual(await names([a]), ['in-a', 'in-a-b']);
    assert.deepEqual(await names([b]), ['in-a-b', 'in-b']);
    assert.deepEqual(await names([a, b]), ['in-a', 'in-a-b', 'in-b']);
    assert.deepEqual(await names([]), []);
    expectError(await h().call('list_tags', { filters: {} }), 'validation', 400);
    expectError(await h().call('list_tags', { filters: { group_ids: ['a'] } }), 'validation', 400);
    expectError(await h().call('list_tags', { group_ids: [a] }), 'validation', 400);
  });

  it('needs a tags scope: read scopes list but cannot write, no scope is refused', async () => {
    const none = await h().agentWithToken('tags-none@example.com', ['agents--all:ro']);
    expectError(await h().call('list_tags', {}, { token: none.token }), 'authorization', 403);
    expectError(await h().call('create_tag', { name: 'n1' }, { token: none.token }), 'authorization', 403);
    const ro = await h().agentWithToken('tags-ro@example.com', ['tags--all:ro']);
    assert.ok(((await h().ok('list_tags', {}, { token: ro.token })) as any[]).length > 0);
    expectError(await h().call('create_tag', { name: 'n2' }, { token: ro.token }), 'authorization', 403);
    await h().ok('create_tag', { name: 'n3', group_ids: [0] });
    expectError(await h().call('update_tag', { name: 'n3', group_ids: [] }, { token: ro.token }), 'authorization', 403);
    expectError(await h().call('delete_tag', { name: 'n3' }, { token: ro.token }), 'authorization', 403);
    const rw = await h().agentWithToken('tags-rw@example.com', ['tags--all:rw']);
    await h().ok('create_tag', { name: 'by-admin' }, { token: rw.token });
    assert.equal((await findTag('by-admin')).author_id, 'tags-rw@example.com');
    await h().ok('update_tag', { name: 'n3', group_ids: [] }, { token: rw.token });
    await h().ok('delete_tag', { name: 'n3' }, { token: rw.token });
  });

  it('limits tags--groups scopes to tags whose groups are all the caller\'s', async () => {
    const mine = await newGroup(h(), 'Mine');
    const other = await newGroup(h(), 'Other');
    const agent = await h().agentWithToken('tags-groups@example.com', ['tags--groups:rw'], { groups: [{ id: mine, priority: 'normal' }] });
    const t = { token: agent.token };
    await h().ok('create_tag', { name: 'mine-only', group_ids: [mine] }, t);
    assert.equal((await findTag('mine-only')).author_id, 'tags-groups@example.com');
    expectError(await h().call('create_tag', { name: 'mixed', group_ids: [mine, other] }, t), 'authorization', 403);
    expectError(await h().call('create_tag', { name: 'ungrouped' }, t), 'authorization', 403);
    expectError(await h().call('create_tag', { name: 'ghost-g', group_ids: [9999] }, t), 'authorization', 403); // no probing of group ids
    await h().ok('create_tag', { name: 'theirs', group_ids: [other] });
    await h().ok('create_tag', { name: 'shared', group_ids: [mine, other] });
    expectError(await h().call('update_tag', { name: 'theirs', group_ids: [mine] }, t), 'authorization', 403);
    expectError(await h().call('update_tag', { name: 'shared', group_ids: [mine] }, t), 'authorization', 403);
    expectError(await h().call('update_tag', { name: 'mine-only', group_ids: [other] }, t), 'authorization', 403);
    expectError(await h().call('update_tag', { name: 'mine-only', group_ids: [] }, t), 'authorization', 403);
    expectError(await h().call('delete_tag', { name: 'theirs' }, t), 'authorization', 403);
    const listed = ((await h().ok('list_tags', {}, t)) as any[]).map((x) => x.name);
    assert.deepEqual(listed, ['mine-only']);
    const filtered = ((await h().ok('list_tags', { filters: { group_ids: [other] } }, t)) as any[]).map((x) => x.name);
    assert.deepEqual(filtered, []);
    await h().ok('delete_tag', { name: 'mine-only' }, t);
    assert.ok(await findTag('theirs'));
    const reader = await h().agentWithToken('tags-groups-ro@example.com', ['tags--groups:ro'], { groups: [{ id: other, priority: 'normal' }] });
    const seen = ((await h().ok('list_tags', {}, { token: reader.token })) as any[]).map((x) => x.name);
    assert.deepEqual(seen, ['theirs']);
    expectError(await h().call('create_tag', { name: 'ro-create', group_ids: [other] }, { token: reader.token }), 'authorization', 403);
  });

  it('keeps tags of other licences apart', async () => {
    const other = await h().bootstrap();
    const o = { token: other.bearer_token };
    await h().ok('create_tag', { name: 'licence-a', group_ids: [0] });
    assert.deepEqual(await h().ok('list_tags', {}, o), []);
    expectError(await h().call('update_tag', { name: 'licence-a', group_ids: [] }, o), 'not_found', 404);
    expectError(await h().call('delete_tag', { name: 'licence-a' }, o), 'not_found', 404);
    await h().ok('create_tag', { name: 'licence-a' }, o);
    const g = await newGroup(h(), 'Only here');
    expectError(await h().call('create_tag', { name: 'x-group', group_ids: [g] }, o), 'group_not_found', 404);
    assert.deepEqual(((await h().ok('list_tags', {}, o)) as any[]).map((t) => t.name), ['licence-a']);
    assert.deepEqual((await findTag('licence-a')).group_ids, [0]);
  });

  it('removes a deleted group from tags and reports tag_updated', async () => {
    const g = await newGroup(h(), 'Doomed');
    await h().ok('create_tag', { name: 'doomed-1', group_ids: [0, g] });
    await h().ok('create_tag', { name: 'doomed-2', group_ids: [g] });
    const seq = await lastSeq(h());
    await h().ok('delete_group', { id: g });
    assert.deepEqual((await findTag('doomed-1')).group_ids, [0]);
    assert.deepEqual((await findTag('doomed-2')).group_ids, []);
    const updates = await eventsSince(h(), seq, 'tag_updated');
    assert.deepEqual(
      updates.map((e) => e.payload).sort((x, y) => (x.name < y.name ? -1 : 1)),
      [{ name: 'doomed-1', group_ids: [0] }, { name: 'doomed-2', group_ids: [] }],
    );
  });
});
