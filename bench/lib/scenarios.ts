/**
 * The benchmark's scenarios (docs/performance.md "Scenarios"), run against one node or several nodes of one database:
 * autocannon spreads its connections over the nodes' URLs round-robin, and the webhook scenario sends its paced writes
 * to the nodes in turn.
 */
import type autocannon from 'autocannon';
import { ApiClient, NotAvailable, isUnknownAction } from './api.js';
import { load, type LoadResult } from './load.js';
import { agentBody, agentId, type SeedReport, type SpreadLicence } from './seed.js';
import { registerWebhook, startReceiver, webhookLatency } from './webhook.js';

export const NA = 'n/a (action not available)';
export const AGENT_FIELDS = [
  'work_scheduler', 'groups', 'email_subscriptions', 'notifications', 'job_title', 'mobile', 'max_chats_count',
  'suspended', 'awaiting_approval', 'last_logout',
];

export const SCENARIOS = [
  'baseline',
  'get_agent',
  'get_agent_after_write',
  'list_agents',
  'list_agents_after_write',
  'update_agent',
  'update_agent_spread',
  'create_delete_tag',
  'list_license_properties',
  'batch_create_agents',
  'write_to_webhook',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioResult extends Partial<LoadResult> {
  name: ScenarioName;
  status: 'ok' | 'n/a';
  note?: string;
  connections?: number;
  ratio?: number | null;
  /** Server RSS after the scenario (the largest node's), bytes. */
  serverRssAfter?: number | null;
  /** Server peak RSS during this scenario (warm-up included; the largest node's), bytes; null when the peak cannot be reset. */
  serverPeakRss?: number | null;
  /** CPU time stolen by the hypervisor during the scenario (warm-up included), % (bench/lib/machine.ts). */
  stealPct?: number | null;
}

export interface LoadOptions {
  connections: number;
  duration: number;
  warmup: number;
  batchConnections: number;
  webhookRate: number;
  listWorkers: number;
}

export interface ScenarioContext {
  /** The nodes' API clients (same token); the first one probes. Load is spread over all of them. */
  apis: ApiClient[];
  /** The bare-Fastify baseline, when this run measures it. */
  baseline?: { url: string; cpuMs: () => number | null; sampleText: string };
  clientId: string;
  seeded: SeedReport;
  /** The licences update_agent_spread writes to (seeded only when it runs). */
  spread?: SpreadLicence[];
  sampleText: string;
  /** CPU time of every node together (ms). */
  serverCpuMs: () => number | null;
  opts: LoadOptions;
  /** Called with the webhook receiver's close function, so the caller can close it whatever happens. */
  onReceiver: (close: () => Promise<void>) => void;
}

export function scenarioRunners(ctx: ScenarioContext): Record<ScenarioName, () => Promise<ScenarioResult>> {
  const { apis, seeded, opts } = ctx;
  const api = apis[0]!;
  const urls = apis.map((a) => a.baseUrl);
  const url = urls.length === 1 ? urls[0]! : urls;
  const { connections, batchConnections, webhookRate, listWorkers } = opts;
  const getAgentBody = JSON.stringify({ id: agentId(1) });
  const listAgentsBody = JSON.stringify({ fields: AGENT_FIELDS });
  const common = { connections, duration: opts.duration, warmup: opts.warmup, headers: api.headers(), serverCpuMs: ctx.serverCpuMs };
  let counter = 0;
  const runId = Date.now().toString(36);

  /** update_agent with a new job_title on every call, round-robin over the seeded agents: always a real write. */
  const updateRequest = (): autocannon.Request => ({
    method: 'POST',
    path: api.path('update_agent'),
    setupRequest: (req) => {
      const n = counter++;
      const id = seeded.agentIds[n % seeded.agentIds.length];
      return { ...req, body: JSON.stringify({ id, job_title: `Title ${runId}-${n}` }) };
    },
  });
  const served = async (action: string, body: unknown) => !isUnknownAction(await api.call(action, body));

  return {
    baseline: async () => {
      if (!ctx.baseline) throw new Error('no baseline server in this run');
      const b = ctx.baseline;
      return {
        name: 'baseline',
        status: 'ok',
        connections,
        note: `bare Fastify, constant ${Buffer.byteLength(b.sampleText)}-byte body`,
        ...(await load({ ...common, serverCpuMs: b.cpuMs, url: b.url, path: api.path('get_agent'), body: getAgentBody })),
      };
    },
    get_agent: async () => ({
      name: 'get_agent',
      status: 'ok',
      connections,
      note: `${Buffer.byteLength(ctx.sampleText)}-byte answer`,
      ...(await load({ ...common, url, path: api.path('get_agent'), body: getAgentBody })),
    }),
    get_agent_after_write: async () => ({
      name: 'get_agent_after_write',
      status: 'ok',
      connections,
      note: 'update_agent then get_agent: every get follows a write (never a cached answer); req/s counts both',
      ...(await load({ ...common, url, requests: [updateRequest(), { method: 'POST', path: api.path('get_agent'), body: getAgentBody }] })),
    }),
    list_agents: async () => {
      const probe = await api.call('list_agents', { fields: AGENT_FIELDS });
      const size = Buffer.byteLength(JSON.stringify(probe.body));
      return {
        name: 'list_agents',
        status: 'ok',
        connections,
        note: `${(probe.body as unknown[]).length} agents, all fields, ${(size / 1024).toFixed(0)} KiB` +
          (listWorkers ? `; ${listWorkers} client threads` : ''),
        ...(await load({ ...common, workers: listWorkers, url, path: api.path('list_agents'), body: listAgentsBody })),
      };
    },
    list_agents_after_write: async () => ({
      name: 'list_agents_after_write',
      status: 'ok',
      connections,
      note: 'update_agent then list_agents (all fields): every list is computed afresh; req/s counts both',
      ...(await load({ ...common, url, requests: [updateRequest(), { method: 'POST', path: api.path('list_agents'), body: listAgentsBody }] })),
    }),
    update_agent: async () => ({
      name: 'update_agent',
      status: 'ok',
      connections,
      note: 'job_title changes on every call (a real write + agent_updated event)',
      ...(await load({ ...common, url, requests: [updateRequest()] })),
    }),
    update_agent_spread: async () => {
      const spread = ctx.spread;
      if (!spread?.length) throw new Error('update_agent_spread: no spread licences seeded');
      let n = 0;
      const request: autocannon.Request = {
        method: 'POST',
        path: api.path('update_agent'),
        setupRequest: (req) => {
          const i = n++;
          const lic = spread[i % spread.length]!;
          const id = lic.agentIds[Math.floor(i / spread.length) % lic.agentIds.length];
          return { ...req, headers: { ...req.headers, authorization: `Bearer ${lic.token}` }, body: JSON.stringify({ id, job_title: `Title ${runId}-${i}` }) };
        },
      };
      return {
        name: 'update_agent_spread',
        status: 'ok',
        connections,
        note: `update_agent as above, round-robin over ${spread.length} licences (their own tokens)`,
        ...(await load({ ...common, url, requests: [request] })),
      };
    },
    create_delete_tag: async () => {
      const probeName = `bench-probe-${runId}`;
      if (!(await served('create_tag', { name: probeName })) || !(await served('delete_tag', { name: probeName }))) {
        return { name: 'create_delete_tag', status: 'n/a', note: NA };
      }
      return {
        name: 'create_delete_tag',
        status: 'ok',
        connections,
        note: 'create_tag then delete_tag of the same name; req/s counts both calls',
        ...(await load({
          ...common,
          url,
          requests: [
            {
              method: 'POST',
              path: api.path('create_tag'),
              setupRequest: (req, context) => {
                const name = `bench-${runId}-${counter++}`;
                (context as { tag?: string }).tag = name;
                return { ...req, body: JSON.stringify({ name, group_ids: [0] }) };
              },
            },
            {
              method: 'POST',
              path: api.path('delete_tag'),
              setupRequest: (req, context) => ({ ...req, body: JSON.stringify({ name: (context as { tag?: string }).tag }) }),
            },
          ],
        })),
      };
    },
    list_license_properties: async () => {
      const probe = await api.call('list_license_properties', {});
      if (isUnknownAction(probe)) return { name: 'list_license_properties', status: 'n/a', note: NA };
      const values = Object.values((probe.body ?? {}) as Record<string, object>).reduce((n, ns) => n + Object.keys(ns).length, 0);
      return {
        name: 'list_license_properties',
        status: 'ok',
        connections,
        note: `${values} values`,
        ...(await load({ ...common, url, path: api.path('list_license_properties'), body: '{}' })),
      };
    },
    batch_create_agents: async () => ({
      name: 'batch_create_agents',
      status: 'ok',
      connections: batchConnections,
      note: '100 new agents per call (req/s = batches/s)',
      ...(await load({
        ...common,
        connections: batchConnections,
        url,
        requests: [
          {
            method: 'POST',
            path: api.path('batch_create_agents'),
            setupRequest: (req) => {
              const b = counter++;
              const requests = [];
              for (let i = 0; i < 100; i++) requests.push(agentBody(`b${runId}-${b}-${i}@bench.example.com`, i, seeded.groupIds));
              return { ...req, body: JSON.stringify({ requests }) };
            },
          },
        ],
      })),
    }),
    write_to_webhook: async () => {
      const receiver = await startReceiver();
      ctx.onReceiver(receiver.close);
      try {
        await registerWebhook(api, ctx.clientId, receiver.url);
      } catch (err) {
        if (err instanceof NotAvailable) return { name: 'write_to_webhook', status: 'n/a', note: NA };
        throw err;
      }
      const r = await webhookLatency(apis, receiver, {
        agentIds: seeded.agentIds, rate: webhookRate, duration: opts.duration, warmup: opts.warmup, serverCpuMs: ctx.serverCpuMs,
      });
      return {
        name: 'write_to_webhook',
        status: 'ok',
        note: `update_agent at ${webhookRate}/s → agent_updated at 127.0.0.1; ${r.received}/${r.writes} received` +
          (apis.length > 1 ? `; writes to the ${apis.length} nodes in turn` : ''),
        requests: r.writes,
        reqPerSec: r.reqPerSec,
        p50: r.p50,
        p99: r.p99,
        max: r.max,
        errors: r.errors,
        durationS: r.durationS,
        cpuUsPerReq: r.cpuUsPerReq,
      };
    },
  };
}
