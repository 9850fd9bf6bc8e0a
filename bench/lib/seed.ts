/**
 * Seeds one realistic licence through the API: 50 groups (General + 49), 1,000 agents (batch_create_agents in
 * chunks of 100, each agent in 2 groups), 200 tags, 20 registered properties with licence values.
 * Tags and properties are skipped (reported "n/a") while the server does not serve their actions.
 */
import { ApiClient, NotAvailable } from './api.js';

export const SEED = { agents: 1000, groups: 50, tags: 200, properties: 20, chunk: 100 } as const;

/** update_agent_spread: writers spread over this many more licences, each with `agents` agents (see `seedSpread`). */
export const SPREAD = { licences: 16, agents: 64 } as const;

/** The id of agent `i` of spread licence `k` (what pgbench's `write_spread` builds from its two random numbers). */
export const spreadAgentId = (k: number, i: number): string => `l${String(k).padStart(2, '0')}-agent-${String(i).padStart(3, '0')}@bench.example.com`;

/** One spread licence: its id, a bearer token of its owner and its agents' ids. */
export interface SpreadLicence {
  licenseId: number;
  token: string;
  agentIds: string[];
}

/**
 * Seeds licence `k` of the spread (already bootstrapped; `api` holds its owner's token) with SPREAD.agents agents in
 * one batch_create_agents call, in its General group.
 */
export async function seedSpread(api: ApiClient, k: number, licenseId: number): Promise<SpreadLicence> {
  const agentIds = Array.from({ length: SPREAD.agents }, (_, i) => spreadAgentId(k, i));
  const res = await api.ok('batch_create_agents', { requests: agentIds.map((id, i) => agentBody(id, i, [0])) });
  const failed = (res.responses as any[]).find((r) => r.error);
  if (failed) throw new Error(`batch_create_agents item failed: ${JSON.stringify(failed)}`);
  return { licenseId, token: api.token, agentIds };
}

export interface SeedReport {
  agents: number;
  groups: number;
  tags: number | 'n/a (action not available)';
  properties: number | 'n/a (action not available)';
  ms: number;
  agentIds: string[];
  groupIds: number[];
}

export const agentId = (i: number): string => `agent-${String(i).padStart(4, '0')}@bench.example.com`;

const PRIORITIES = ['normal', 'normal', 'normal', 'first', 'last', 'supervisor'] as const;
const TYPES = ['string', 'int', 'bool', 'tokenized_string'] as const;

/** A realistic agent: a few optional fields set, a work schedule, two group memberships. */
export function agentBody(id: string, i: number, groupIds: readonly number[]) {
  const g1 = groupIds[i % groupIds.length]!;
  const g2 = groupIds[(i * 7 + 3) % groupIds.length]!;
  const groups = [{ id: g1, priority: PRIORITIES[i % PRIORITIES.length]! }];
  if (g2 !== g1) groups.push({ id: g2, priority: 'normal' });
  return {
    id,
    name: `Agent ${i}`,
    job_title: i % 3 === 0 ? 'Support Agent' : 'Sales Representative',
    mobile: `+1555${String(i).padStart(7, '0')}`,
    max_chats_count: 3 + (i % 5),
    login_status: i % 2 === 0 ? 'accepting chats' : 'not accepting chats',
    notifications: ['new_visitor', 'incoming_chat', 'unassigned_chats'],
    email_subscriptions: ['weekly_summary'],
    work_scheduler: {
      timezone: 'Europe/Warsaw',
      schedule: [
        { day: 'monday', enabled: true, start: '08:00', end: '16:00' },
        { day: 'tuesday', enabled: true, start: '08:00', end: '16:00' },
        { day: 'wednesday', enabled: true, start: '08:00', end: '16:00' },
      ],
    },
    groups,
  };
}

function propertyValue(type: (typeof TYPES)[number], i: number): string | number | boolean {
  if (type === 'int') return i * 10;
  if (type === 'bool') return i % 2 === 0;
  return `value ${i}`;
}

/** Run `fn`; `NotAvailable` → false (the caller reports n/a), other errors propagate. */
async function ifAvailable(fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof NotAvailable) return false;
    throw err;
  }
}

export async function seed(api: ApiClient, opts: { ownerId: string; clientId: string }): Promise<SeedReport> {
  const started = Date.now();
  const groupIds = [0];
  for (let g = 1; g < SEED.groups; g++) {
    const res = await api.ok('create_group', { name: `Group ${g}`, agent_priorities: { [opts.ownerId]: 'normal' } });
    groupIds.push(res.id);
  }

  const agentIds: string[] = [];
  for (let start = 0; start < SEED.agents; start += SEED.chunk) {
    const requests = [];
    for (let i = start; i < start + SEED.chunk; i++) {
      const id = agentId(i);
      agentIds.push(id);
      requests.push(agentBody(id, i, groupIds));
    }
    const res = await api.ok('batch_create_agents', { requests });
    const failed = (res.responses as any[]).find((r) => r.error);
    if (failed) throw new Error(`batch_create_agents item failed: ${JSON.stringify(failed)}`);
  }

  const tagsOk = await ifAvailable(async () => {
    for (let t = 0; t < SEED.tags; t++) {
      await api.ok('create_tag', {
        name: `tag-${String(t).padStart(3, '0')}`,
        group_ids: [groupIds[t % groupIds.length]!, groupIds[(t + 17) % groupIds.length]!].filter(
          (v, i, a) => a.indexOf(v) === i,
        ),
      });
    }
  });

  const propsOk = await ifAvailable(async () => {
    const values: Record<string, unknown> = {};
    for (let p = 0; p < SEED.properties; p++) {
      const type = TYPES[p % TYPES.length]!;
      const name = `bench_property_${String(p).padStart(2, '0')}`;
      await api.ok('register_property', {
        name,
        owner_client_id: opts.clientId,
        type,
        description: `Benchmark property ${p}`,
        access: { license: { agent: ['read', 'write'] }, group: { agent: ['read'] } },
      });
      values[name] = propertyValue(type, p);
    }
    await api.ok('update_license_properties', { properties: { [opts.clientId]: values } });
  });

  return {
    agents: agentIds.length,
    groups: groupIds.length,
    tags: tagsOk ? SEED.tags : 'n/a (action not available)',
    properties: propsOk ? SEED.properties : 'n/a (action not available)',
    ms: Date.now() - started,
    agentIds,
    groupIds,
  };
}
