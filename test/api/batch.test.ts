/** Batch calls: one transaction, one savepoint per item (src/api/server.ts runBatch). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, lastSeq } from '../helpers.js';
import { AREAS } from '../../src/areas.js';
import type { Area } from '../../src/kernel/area.js';
import { ApiError } from '../../src/kernel/errors.js';

// Fails the deletion of one agent after its memberships and credentials are already deleted (an item failing
// half-way through its writes).
const FAILING = 'half-way@example.com';
const failingArea: Area = {
  name: 'test: fails one agent deletion',
  actions: [],
  async agentDeleted(_trx, _licenseId, agentId) {
    if (agentId === FAILING) throw new ApiError('validation', 'refused by a test hook');
  },
};

describeStores('batch calls', (h) => {
  it('rolls back a failing item alone, half-done writes included; the other items commit', async () => {
    const groups = [{ id: 0, priority: 'first' }];
    const created = await h().ok('batch_create_agents', {
      requests: ['b1@example.com', FAILING, 'b2@example.com'].map((id) => ({ id, name: id, groups })),
    });
    assert.deepEqual(created.responses.map((r: { id: string }) => r.id), ['b1@example.com', FAILING, 'b2@example.com']);
    const seq = await lastSeq(h());
    const deleted = await h().ok('batch_delete_agents', {
      requests: [{ id: 'b1@example.com' }, { id: FAILING }, { id: 'b2@example.com' }],
    });
    assert.deepEqual(deleted.responses, [{}, { error: { type: 'validation', message: 'refused by a test hook' } }, {}]);
    const left = await h().ok('list_agents', { fields: ['groups'] });
    assert.deepEqual(left.filter((a: { id: string }) => a.id.endsWith('@example.com') && a.id !== h().boot.owner.id).map((a: { id: string }) => a.id), [FAILING]);
    // Its memberships, deleted before the hook failed, are back.
    assert.deepEqual(left.find((a: { id: string }) => a.id === FAILING).groups, groups);
    const events = await eventsSince(h(), seq, 'agent_deleted');
    assert.deepEqual(events.map((e) => (e.payload as { id: string }).id), ['b1@example.com', 'b2@example.com']);
  });

  it('items see the items before them', async () => {
    const res = await h().ok('batch_create_agents', {
      requests: [{ id: 'twice@example.com', name: 'One' }, { id: 'TWICE@example.com', name: 'Two' }],
    });
    assert.deepEqual(res.responses[0], { id: 'twice@example.com' });
    assert.equal(res.responses[1].error.type, 'already_exists');
    const upd = await h().ok('batch_update_agents', {
      requests: [{ id: 'twice@example.com', job_title: 'A' }, { id: 'twice@example.com', job_title: 'B' }],
    });
    assert.deepEqual(upd.responses, [{}, {}]);
    assert.equal((await h().ok('get_agent', { id: 'twice@example.com', fields: ['job_title'] })).job_title, 'B');
  });

  it('list_agents keeps creation order for agents created in the same millisecond (one batch)', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `order-${String.fromCharCode(122 - i)}@example.com`); // z…, y…, x…
    await h().ok('batch_create_agents', { requests: ids.map((id) => ({ id, name: id })) });
    const listed = (await h().ok('list_agents', {})).map((a: { id: string }) => a.id).filter((id: string) => id.startsWith('order-'));
    assert.deepEqual(listed, ids);
  });
}, { areas: [...AREAS, failingArea] });
