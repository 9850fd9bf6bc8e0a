/**
 * Webhooks registered through v3.4 carry agents' and bots' `work_scheduler` in v3.4's form (src/versions/v3.4/
 * webhooks.ts), whatever version made the change; v3.5 webhooks of the same events keep v3.5's form. A schedule v3.4
 * cannot express is left out of the v3.4 payload. On both stores through the real server and a real receiver.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores } from '../support/harness.js';
import { Receiver, versionedWebhooks } from '../support/webhooks.js';
import { WEBHOOK_FORMATS } from '../../src/versions/index.js';

const SPLIT = {
  timezone: 'UTC',
  schedule: [
    { day: 'monday', enabled: true, start: '08:00', end: '12:00' },
    { day: 'monday', enabled: true, start: '13:00', end: '17:00' },
  ],
};

it('the v3.4 format: work_scheduler of agent and bot events in v3.4 form, left out when inexpressible', () => {
  const v34 = WEBHOOK_FORMATS.get('3.4')!;
  const ws = { timezone: 'Europe/Warsaw', schedule: [{ day: 'friday', enabled: true, start: '07:30', end: '21:30' }, { day: 'monday', enabled: false, start: '08:00', end: '09:00' }] };
  assert.deepEqual(v34.events('agent_updated', { id: 'a@example.com', work_scheduler: ws, job_title: 'x' }), [
    { action: 'agent_updated', payload: { id: 'a@example.com', work_scheduler: { friday: { start: '07:30', end: '21:30' } }, job_title: 'x' } },
  ]);
  assert.deepEqual(v34.events('bot_updated', { id: 'b', work_scheduler: ws, timezone: 'Europe/Warsaw' }), [
    { action: 'bot_updated', payload: { id: 'b', work_scheduler: { friday: { start: '07:30', end: '21:30' } }, timezone: 'Europe/Warsaw' } },
  ]);
  assert.deepEqual(v34.events('agent_updated', { id: 'a@example.com', work_scheduler: SPLIT }), [{ action: 'agent_updated', payload: { id: 'a@example.com' } }]);
  assert.deepEqual(v34.events('group_updated', { id: 1, name: 'n' }), [{ action: 'group_updated', payload: { id: 1, name: 'n' } }]);
  // v3.5 and v3.6 keep the stored form.
  assert.deepEqual(WEBHOOK_FORMATS.get('3.5')!.events('agent_updated', { id: 'a', work_scheduler: ws }), [{ action: 'agent_updated', payload: { id: 'a', work_scheduler: ws } }]);
});

describeStores('v3.4 webhooks: agents\' and bots\' work_scheduler', (h) => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());

  const { register, delivered } = versionedWebhooks(h, rx);

  it('agent_created and agent_updated: v3.4 webhooks get v3.4 schedules, v3.5 webhooks v3.5 ones, whoever wrote them', async () => {
    const lic = await h().bootstrap();
    const base = `/v34-agents/${lic.license_id}`;
    for (const v of ['v3.4', 'v3.5']) {
      await register(lic, v, 'agent_created', `${base}/created/${v}`);
      await register(lic, v, 'agent_updated', `${base}/updated/${v}`);
    }
    const as = (version: string) => ({ token: lic.bearer_token, version });
    await h().ok('create_agent', { id: 'sched@example.com', name: 'S', work_scheduler: { monday: { start: '08:30', end: '12:30' } } }, as('v3.4'));
    const [c34] = await delivered(`${base}/created/v3.4`);
    const [c35] = await delivered(`${base}/created/v3.5`);
    assert.deepEqual(c34!.body.payload.work_scheduler, { monday: { start: '08:30', end: '12:30' } });
    assert.deepEqual(c35!.body.payload.work_scheduler, { schedule: [{ day: 'monday', enabled: true, start: '08:30', end: '12:30' }] });
    assert.deepEqual(Object.keys(c34!.body.payload), Object.keys(c35!.body.payload));

    await h().ok('update_agent', { id: 'sched@example.com', work_scheduler: { timezone: 'Europe/Warsaw', schedule: [{ day: 'friday', enabled: true, start: '07:30', end: '21:30' }] } }, as('v3.5'));
    const [u34] = await delivered(`${base}/updated/v3.4`);
    const [u35] = await delivered(`${base}/updated/v3.5`);
    assert.deepEqual(u34!.body.payload, { id: 'sched@example.com', work_scheduler: { friday: { start: '07:30', end: '21:30' } } });
    assert.equal(u35!.body.payload.work_scheduler.timezone, 'Europe/Warsaw');

    // Inexpressible in v3.4: the v3.4 event tells the rest of the change.
    await h().ok('update_agent', { id: 'sched@example.com', job_title: 'Split', work_scheduler: SPLIT }, as('v3.5'));
    const updates34 = (await delivered(`${base}/updated/v3.4`, 2))!;
    const updates35 = (await delivered(`${base}/updated/v3.5`, 2))!;
    assert.deepEqual(updates34[1]!.body.payload, { id: 'sched@example.com', job_title: 'Split' });
    assert.deepEqual(updates35[1]!.body.payload.work_scheduler, SPLIT);
  });

  it('bot_created and bot_updated: v3.4 schedules beside the top-level timezone', async () => {
    const lic = await h().bootstrap();
    const base = `/v34-bots/${lic.license_id}`;
    await register(lic, 'v3.4', 'bot_created', `${base}/created`);
    await register(lic, 'v3.4', 'bot_updated', `${base}/updated`);
    const created = await h().ok('create_bot', {
      name: 'Sched',
      work_scheduler: { timezone: 'America/New_York', schedule: [{ day: 'tuesday', enabled: true, start: '09:00', end: '17:00' }] },
    }, { token: lic.bearer_token });
    const [c] = await delivered(`${base}/created`);
    assert.equal(c!.body.payload.id, created.id);
    assert.deepEqual([c!.body.payload.work_scheduler, c!.body.payload.timezone], [{ tuesday: { start: '09:00', end: '17:00' } }, 'America/New_York']);
    await h().ok('update_bot', { id: created.id, timezone: 'UTC', work_scheduler: { wednesday: { start: '10:00', end: '11:00' } } }, { token: lic.bearer_token, version: 'v3.4' });
    const [u] = await delivered(`${base}/updated`);
    assert.deepEqual(u!.body.payload, { id: created.id, work_scheduler: { wednesday: { start: '10:00', end: '11:00' } }, timezone: 'UTC' });
  });
});
