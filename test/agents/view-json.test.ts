/**
 * agentJson (the one serialiser of the agent view, used by get_agent and list_agents) must equal
 * JSON.stringify of the view as the spec describes it (the oracle below) for every row and field set.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newAgentRow, type AgentRow } from '../../src/agents/repo.js';
import { agentJson, agentView, parseScheduler } from '../../src/agents/view.js';
import { AGENT_FIELDS } from '../../src/agents/schemas.js';
import type { Membership } from '../../src/groups/repo.js';

const parseList = (s: string | null): string[] => (s ? (JSON.parse(s) as string[]) : []);
/** The agent view built field by field, as objects (what the text builder must equal). */
function oracle(row: AgentRow, groups: Membership[] | undefined, fields: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: row.id, account_id: row.account_id, name: row.name, avatar: row.avatar ?? '', role: row.role, login_status: row.login_status,
  };
  if (fields.has('work_scheduler')) out.work_scheduler = parseScheduler(row.work_scheduler);
  if (fields.has('groups')) out.groups = groups ?? [];
  if (fields.has('email_subscriptions')) out.email_subscriptions = parseList(row.email_subscriptions);
  if (fields.has('notifications')) out.notifications = parseList(row.notifications);
  if (fields.has('job_title')) out.job_title = row.job_title ?? '';
  if (fields.has('mobile')) out.mobile = row.mobile ?? '';
  if (fields.has('max_chats_count')) out.max_chats_count = row.max_chats_count;
  if (fields.has('suspended')) out.suspended = row.suspended === 1;
  if (fields.has('awaiting_approval')) out.awaiting_approval = row.awaiting_approval === 1;
  if (fields.has('last_logout') && row.last_logout) out.last_logout = row.last_logout;
  return out;
}

const NOW = '2026-01-02T03:04:05.678Z';
const base = newAgentRow(7, { id: 'a@example.com', name: 'A' }, NOW);
const rows: AgentRow[] = [
  base,
  newAgentRow(7, {
    id: 'ünï"cøde\\@example.com',
    name: 'Zoë "Q" \u2028 <tab>\t',
    avatar: 'https://cdn.example.com/a.png',
    role: 'viceowner',
    job_title: 'Lead',
    mobile: '+1 555',
    max_chats_count: 0,
    awaiting_approval: true,
    notifications: ['new_visitor', 'incoming_chat'],
    email_subscriptions: ['weekly_summary'],
    work_scheduler: { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] },
  }, NOW),
  { ...base, suspended: 1, last_logout: '2026-11-24T10:00:00Z', notifications: '', email_subscriptions: null as unknown as string, work_scheduler: '' },
];
const groupSets = [undefined, [], [{ id: 0, priority: 'first' }, { id: 3, priority: 'supervisor' }]];

describe('agentJson', () => {
  it('equals JSON.stringify of the view for every subset of fields; agentView is its parse', () => {
    let checked = 0;
    for (let mask = 0; mask < 1 << AGENT_FIELDS.length; mask++) {
      const fields = new Set<string>(AGENT_FIELDS.filter((_, i) => mask & (1 << i)));
      for (const row of rows) {
        for (const groups of groupSets) {
          assert.equal(agentJson(row, groups, fields), JSON.stringify(oracle(row, groups, fields)));
          assert.deepEqual(agentView(row, groups, fields), oracle(row, groups, fields));
          checked++;
        }
      }
    }
    assert.equal(checked, 1024 * rows.length * groupSets.length);
  });
});

describe('RawJson.ofArray', () => {
  it('writes the same bytes as JSON.stringify of the array, multi-byte characters included', async () => {
    const { RawJson } = await import('../../src/kernel/raw-json.js');
    for (const values of [[], [{ a: 1 }], [{ n: 'Zoë ✓ 😀' }, 'x', 3, null, { nested: ['é'] }]]) {
      const raw = RawJson.ofArray(values.map((v) => JSON.stringify(v)));
      assert.equal(raw.body.toString('utf8'), JSON.stringify(values));
      assert.equal(raw.body.length, Buffer.byteLength(JSON.stringify(values)));
    }
  });
});
