/**
 * Batch calls of actions with `handleMany` (every item at once, src/http/dispatch.ts runMany): the same answers,
 * rows and events as the items one at a time, and the one-at-a-time run when running them at once fails.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { describeStores, eventsSince, lastSeq, newGroup } from '../support/harness.js';
import { AREAS } from '../../src/areas.js';
import type { Area } from '../../src/kernel/area.js';
import { defineAction } from '../../src/kernel/registry.js';
import { insertAgents } from '../../src/agents/repo.js';

// A batch action whose items, run at once, write an agent each and then fail: the batch must then run them one at
// a time, without what the failed attempt wrote.
const flaky = defineAction({
  name: 'test_flaky_many',
  area: 'test',
  summary: 'Test: handleMany writes, then fails.',
  schema: Type.Object({ id: Type.String() }),
  response: Type.Object({ id: Type.String() }),
  scopes: ['agents--all:ro'],
  batch: 'batch_test_flaky_many',
  async handler(_ctx, input) {
    if (input.id === 'refused') throw new Error('not expected: the item is valid');
    return { id: input.id.toUpperCase() };
  },
  async handleMany(ctx, inputs) {
    await ctx.tx((tx) => insertAgents(tx, ctx.caller.licenseId, inputs.map((i) => ({ id: `${i.id}@flaky.example.com`, name: i.id }))));
    throw new Error('handleMany failed after writing');
  },
});
const testArea: Area = { name: 'test: flaky handleMany', actions: [flaky] };

type Item = Record<string, unknown>;

describeStores('batch calls run at once (handleMany)', (h) => {
  it('batch_create_agents answers, stores and records exactly what create_agent item by item does', async () => {
    await h().ok('create_agent', { id: 'one-taken@example.com', name: 'Taken' });
    await h().ok('create_agent', { id: 'many-taken@example.com', name: 'Taken' });
    const g = await newGroup(h(), 'Batch group');
    const { token: limited } = await h().agentWithToken('limited-admin@example.com', ['accounts--all:rw', 'agents--all:ro'], { role: 'administrator' });
    const items = (p: string): Item[] => [
      { id: `${p}-a@example.com`, name: 'A', groups: [{ id: 0, priority: 'first' }, { id: g, priority: 'last' }], job_title: 'J' },
      { id: `${p}-b@example.com`, name: 'B', groups: [{ id: g, priority: 'normal' }, { id: 999, priority: 'normal' }] },
      { id: `${p.toUpperCase()}-TAKEN@example.com`, name: 'Again' },
      { id: `${p}-dup@example.com`, name: 'First' },
      { id: `${p}-DUP@example.com`, name: 'Second' },
      { id: `${p}-dup@example.com`, name: 'Third' },
      { id: `${p}-noname@example.com` },
      { id: `${p}-groups@example.com`, name: 'G', groups: [{ id: 0, priority: 'normal' }, { id: 0, priority: 'first' }] },
      { id: `${p}-approved@example.com`, name: 'Approved', awaiting_approval: false },
      { id: `${p}-owner@example.com`, name: 'Owner', role: 'owner' },
      { id: `${p}-c@example.com`, name: 'C', notifications: ['new_visitor'], work_scheduler: { monday: [{ start: '08:00', end: '16:00' }] } },
      { id: `${p}-d@example.com`, name: 'D', groups: [{ id: 998, priority: 'normal' }, { id: 999, priority: 'normal' }] },
    ];
    // The two runs' ids differ by their prefix; account ids are fresh UUIDs.
    const norm = (v: unknown, p: string) =>
      JSON.parse(JSON.stringify(v).replaceAll(`${p}-`, 'X-').replaceAll(`${p.toUpperCase()}-`, 'X-'), (k, x) => (k === 'account_id' ? typeof x : x));
    for (const token of [undefined, limited]) {
      const before = await lastSeq(h());
      const one: unknown[] = [];
      for (const item of items('one')) {
        const res = await h().call('create_agent', item, { token });
        one.push(res.body);
      }
      const mid = await lastSeq(h());
      const many = (await h().ok('batch_create_agents', { requests: items('many') }, { token })).responses;
      assert.deepEqual(norm(many, 'many'), norm(one, 'one'));
      const agents = (await h().ok('list_agents', { fields: ['job_title', 'groups', 'notifications', 'work_scheduler', 'awaiting_approval'] })) as Array<{ id: string }>;
      const of = (p: string) => norm(agents.filter((a) => a.id.startsWith(`${p}-`)), p);
      assert.deepEqual(of('many'), of('one'));
      const payloads = async (from: number, to: number | null) =>
        (await eventsSince(h(), from)).slice(0, to === null ? undefined : to - from).map((e) => [e.action, e.payload]);
      const oneEvents = await payloads(before, mid);
      assert.ok(oneEvents.length >= 3, JSON.stringify(oneEvents));
      assert.deepEqual(norm(await payloads(mid, null), 'many'), norm(oneEvents, 'one'));
      for (const p of ['one', 'many']) {
        await h().call('batch_delete_agents', { requests: agents.filter((a) => a.id.startsWith(`${p}-`)).map((a) => ({ id: a.id })) });
      }
    }
  });

  it('when running the items at once fails, its writes are undone and the items run one at a time', async () => {
    const res = await h().ok('batch_test_flaky_many', { requests: [{ id: 'x' }, { nope: 1 }, { id: 'y' }] });
    assert.equal(res.responses[0].id, 'X');
    assert.equal(res.responses[1].error.type, 'validation');
    assert.equal(res.responses[2].id, 'Y');
    const agents = (await h().ok('list_agents', {})) as Array<{ id: string }>;
    assert.deepEqual(agents.filter((a) => a.id.endsWith('@flaky.example.com')), []);
  });
}, { areas: [...AREAS, testArea] });
