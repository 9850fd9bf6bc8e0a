/**
 * Agent ids are e-mail addresses, compared ignoring letter case in every lookup (as their uniqueness already is);
 * answers, stored memberships and webhook payloads keep the id as created.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, expectError, lastSeq } from '../helpers.js';
import { selectAgentColumns } from '../../src/agents/repo.js';

describeStores('agent ids ignore letter case', (h) => {
  it('get_agent finds the agent whatever the case and answers the id as created', async () => {
    await h().ok('create_agent', { id: 'AU-1@Example.com', name: 'Au' });
    expectError(await h().call('create_agent', { id: 'au-1@example.com', name: 'Twin' }), 'already_exists', 409);
    for (const id of ['AU-1@Example.com', 'au-1@example.com', 'AU-1@EXAMPLE.COM']) {
      const a = await h().ok('get_agent', { id, fields: ['groups'] });
      assert.equal(a.id, 'AU-1@Example.com');
      assert.equal(a.name, 'Au');
    }
    expectError(await h().call('get_agent', { id: 'au-2@example.com' }), 'not_found', 404);
    // list_agents shows the id as created.
    assert.ok((await h().ok('list_agents', {})).some((a: { id: string }) => a.id === 'AU-1@Example.com'));
  });

  it('cached get_agent answers follow changes made through another letter case', async () => {
    await h().ok('create_agent', { id: 'Cache.Case@Example.com', name: 'Before' });
    assert.equal((await h().ok('get_agent', { id: 'cache.case@example.com' })).name, 'Before');
    assert.equal((await h().ok('get_agent', { id: 'CACHE.CASE@EXAMPLE.COM' })).name, 'Before');
    await h().ok('update_agent', { id: 'CACHE.case@example.COM', name: 'After' });
    for (const id of ['cache.case@example.com', 'CACHE.CASE@EXAMPLE.COM', 'Cache.Case@Example.com']) {
      const a = await h().ok('get_agent', { id });
      assert.equal(a.name, 'After');
      assert.equal(a.id, 'Cache.Case@Example.com');
    }
    await h().ok('delete_agent', { id: 'cache.CASE@example.com' });
    expectError(await h().call('get_agent', { id: 'cache.case@example.com' }), 'not_found', 404);
    expectError(await h().call('get_agent', { id: 'Cache.Case@Example.com' }), 'not_found', 404);
  });

  it('update, suspend, unsuspend, approve and delete find the agent; events carry the id as created', async () => {
    const id = 'Mixed.Case@Example.com';
    await h().ok('create_agent', { id, name: 'Mixed', awaiting_approval: true });
    const seq = await lastSeq(h());
    await h().ok('update_agent', { id: 'mixed.case@example.com', job_title: 'Lower' });
    await h().ok('suspend_agent', { id: 'MIXED.CASE@EXAMPLE.COM' });
    assert.equal((await h().ok('get_agent', { id, fields: ['suspended', 'job_title'] })).suspended, true);
    await h().ok('unsuspend_agent', { id: 'mixed.case@example.com' });
    await h().ok('approve_agent', { id: 'mixed.CASE@example.com' });
    const a = await h().ok('get_agent', { id, fields: ['suspended', 'awaiting_approval', 'job_title'] });
    assert.deepEqual([a.suspended, a.awaiting_approval, a.job_title], [false, false, 'Lower']);
    await h().ok('delete_agent', { id: 'mixed.case@EXAMPLE.com' });
    const events = await eventsSince(h(), seq);
    assert.deepEqual(
      events.map((e) => [e.action, e.payload.id]),
      [
        ['agent_updated', id],
        ['agent_suspended', id],
        ['agent_unsuspended', id],
        ['agent_approved', id],
        ['agent_deleted', id],
      ],
    );
  });

  it('batch items find agents whatever the case', async () => {
    await h().ok('batch_create_agents', { requests: [{ id: 'Batch.One@Example.com', name: 'B1' }, { id: 'Batch.Two@Example.com', name: 'B2' }] });
    const seq = await lastSeq(h());
    const updated = await h().ok('batch_update_agents', {
      requests: [{ id: 'batch.one@example.com', name: 'B1*' }, { id: 'BATCH.TWO@EXAMPLE.COM', name: 'B2*' }, { id: 'batch.three@example.com', name: 'x' }],
    });
    assert.deepEqual(updated.responses.slice(0, 2), [{}, {}]);
    assert.equal(updated.responses[2].error.type, 'not_found');
    assert.deepEqual(
      (await h().ok('batch_suspend_agents', { requests: [{ id: 'batch.one@example.com' }, { id: 'batch.two@example.com' }] })).responses,
      [{}, {}],
    );
    assert.deepEqual(
      (await h().ok('batch_unsuspend_agents', { requests: [{ id: 'BATCH.ONE@example.com' }, { id: 'BATCH.TWO@example.com' }] })).responses,
      [{}, {}],
    );
    assert.deepEqual((await h().ok('batch_approve_agents', { requests: [{ id: 'batch.one@EXAMPLE.com' }] })).responses, [{}]);
    assert.equal((await h().ok('get_agent', { id: 'batch.one@example.com' })).name, 'B1*');
    assert.deepEqual(
      (await h().ok('batch_delete_agents', { requests: [{ id: 'batch.one@example.com' }, { id: 'Batch.Two@EXAMPLE.com' }] })).responses,
      [{}, {}],
    );
    const events = await eventsSince(h(), seq);
    assert.ok(events.length >= 6);
    for (const e of events) assert.ok(['Batch.One@Example.com', 'Batch.Two@Example.com'].includes(e.payload.id), JSON.stringify(e));
  });

  it('group agent_priorities name agents in any case and are stored and sent with the ids as created', async () => {
    await h().ok('create_agent', { id: 'Group.Member@Example.com', name: 'Member' });
    const seq = await lastSeq(h());
    const { id: group } = await h().ok('create_group', {
      name: 'Case',
      agent_priorities: { 'group.member@example.com': 'normal', [h().boot.owner.id.toUpperCase()]: 'first' },
    });
    const expected = { 'Group.Member@Example.com': 'normal', [h().boot.owner.id]: 'first' };
    assert.deepEqual((await h().ok('get_group', { id: group, fields: ['agent_priorities'] })).agent_priorities, expected);
    const created = (await eventsSince(h(), seq, 'group_created'))[0]!;
    assert.deepEqual(created.payload.agent_priorities, expected);
    // The agent's own view of its groups sees the membership.
    assert.deepEqual((await h().ok('get_agent', { id: 'group.member@example.com', fields: ['groups'] })).groups, [{ id: group, priority: 'normal' }]);
    // The same map in another case changes nothing (no event); a new priority is an update with the ids as created.
    const before = await lastSeq(h());
    await h().ok('update_group', { id: group, agent_priorities: { 'GROUP.MEMBER@EXAMPLE.COM': 'normal', [h().boot.owner.id]: 'first' } });
    assert.deepEqual(await eventsSince(h(), before), []);
    await h().ok('update_group', { id: group, agent_priorities: { 'GROUP.member@example.com': 'supervisor', [h().boot.owner.id]: 'normal' } });
    const updated = (await eventsSince(h(), before, 'group_updated'))[0]!;
    assert.deepEqual(updated.payload.agent_priorities, { 'Group.Member@Example.com': 'supervisor', [h().boot.owner.id]: 'normal' });
    // Two keys naming the same agent → validation; an unknown one → not_found.
    const twice = await h().call('update_group', { id: group, agent_priorities: { 'group.member@example.com': 'normal', 'Group.Member@Example.com': 'first' } });
    expectError(twice, 'validation', 400);
    assert.match(twice.body.error.message, /more than once/);
    expectError(await h().call('create_group', { name: 'x', agent_priorities: { 'nobody@example.com': 'normal' } }), 'not_found', 404);
  });

  it('an agent acting on itself is recognised whatever the case (agents--my scopes)', async () => {
    const { token } = await h().agentWithToken('Self.Agent@Example.com', ['agents--my:ro', 'agents--my:rw']);
    assert.equal((await h().ok('get_agent', { id: 'self.agent@example.com' }, { token })).id, 'Self.Agent@Example.com');
    await h().ok('update_agent', { id: 'SELF.AGENT@EXAMPLE.COM', job_title: 'Myself' }, { token });
    assert.equal((await h().ok('get_agent', { id: 'Self.Agent@Example.com', fields: ['job_title'] })).job_title, 'Myself');
    // Another agent still needs the --all scopes, whatever the case.
    expectError(await h().call('get_agent', { id: h().boot.owner.id.toUpperCase() }, { token }), 'authorization', 403);
    expectError(await h().call('update_agent', { id: h().boot.owner.id.toUpperCase(), job_title: 'x' }, { token }), 'authorization', 403);
    // Nobody suspends themselves, in any case.
    const { token: admin } = await h().tokenFor('Self.Agent@Example.com', ['agents--all:rw', 'sessions--all:rw']);
    expectError(await h().call('suspend_agent', { id: 'self.agent@example.com' }, { token: admin }), 'validation', 400);
  });

  it('a lookup in another case never reaches another licence', async () => {
    await h().ok('create_agent', { id: 'Lic.Only@Example.com', name: 'Here' });
    const other = await h().bootstrap();
    expectError(await h().call('get_agent', { id: 'lic.only@example.com' }, { token: other.bearer_token }), 'not_found', 404);
    expectError(await h().call('update_agent', { id: 'LIC.ONLY@EXAMPLE.COM', name: 'x' }, { token: other.bearer_token }), 'not_found', 404);
  });
});

describeStores('agent id lookups seek the unique (license_id, lower(id)) index', (h) => {
  it('a lookup by id in any case is one index seek, not a scan of the licence', async () => {
    const lic = h().boot.license_id;
    // Enough agents that a scan of the licence would be costed as such.
    const ids = Array.from({ length: 1500 }, (_, i) => `Plan.Agent${i}@Example.com`);
    for (let i = 0; i < ids.length; i += 100) {
      await h().ok('batch_create_agents', { requests: ids.slice(i, i + 100).map((id) => ({ id, name: 'P' })) });
    }
    const q = selectAgentColumns(h().store.db, lic, 'plan.agent7@example.com', ['id']).compile();
    assert.deepEqual((await h().store.db.executeQuery(q)).rows, [{ id: 'Plan.Agent7@Example.com' }]);
    const explain = h().kind === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
    const plan = JSON.stringify((await h().store.db.executeQuery({ ...q, sql: explain + q.sql })).rows);
    assert.match(plan, /agents_lower_id/, plan);
    // Both columns of the index bound: a seek, not the licence's range filtered row by row.
    assert.match(plan, h().kind === 'sqlite' ? /license_id=\? AND <expr>=\?/ : /Index Cond: \(\(license_id = \d+\) AND \(lower\(id\) = /, plan);
    assert.doesNotMatch(plan, /Filter/, plan);
  });
});
