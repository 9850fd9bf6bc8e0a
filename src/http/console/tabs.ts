/**
 * What the console shows in each licence tab, as the API's own list actions answer the licence's owner (every scope,
 * no application: `ownerCaller`), run through the dispatcher every API call goes through (validation, authorization,
 * read caches) in the newest served version (which has every action the tabs use, list_customer_bans included): the
 * console re-implements no read rule.
 */
import { ApiError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/registry.js';
import type { VersionedRegistry } from '../../kernel/versions.js';
import { RawJson } from '../../kernel/raw-json.js';
import type { Queryable } from '../../store/store.js';
import { ownerCaller } from '../../provisioning/licenses.js';
import { scopeOf, type Dispatcher } from '../dispatch.js';

export type RunAction = (name: string, body?: unknown) => Promise<unknown>;
type Apps = { client_id: string; name: string }[];
type TabLoader = (run: RunAction, apps: Apps) => Promise<unknown>;

const perApp = async (apps: Apps, fn: (clientId: string) => Promise<unknown>) =>
  Promise.all(apps.map(async (a) => ({ client_id: a.client_id, name: a.name, ...((await fn(a.client_id)) as object) })));

const listIds = (groups: unknown): number[] =>
  Array.isArray(groups) ? groups.flatMap((g: unknown) => (typeof g === 'object' && g !== null && 'id' in g && typeof g.id === 'number' ? [g.id] : [])) : [];

export const TABS: ReadonlyMap<string, TabLoader> = new Map<string, TabLoader>([
  ['agents', async (run) => ({ agents: await run('list_agents', { fields: ['groups', 'suspended', 'awaiting_approval', 'job_title', 'max_chats_count'] }) })],
  ['groups', async (run) => ({ groups: await run('list_groups', { fields: ['agent_priorities', 'routing_status'] }) })],
  ['bots', async (run, apps) => ({
    bots: await run('list_bots', { all: true, fields: ['groups', 'max_chats_count', 'job_title'] }),
    templates: await perApp(apps, async (id) => ({ templates: await run('list_bot_templates', { owner_client_id: id }) })),
  })],
  ['tags', async (run) => ({ tags: await run('list_tags', {}) })],
  ['auto_access', async (run) => ({ rules: await run('list_auto_accesses', {}) })],
  ['bans', async (run) => ({ bans: await run('list_customer_bans', {}) })],
  ['properties', async (run, apps) => ({
    definitions: await perApp(apps, async (id) => ({ properties: await run('list_properties', { owner_client_id: id }) })),
    license: await run('list_license_properties', {}),
    groups: await run('list_groups_properties', { group_ids: listIds(await run('list_groups', {})) }),
  })],
  ['webhooks', async (run, apps) => ({
    applications: await perApp(apps, async (id) => ({
      state: await run('get_license_webhooks_state', { owner_client_id: id }),
      webhooks: await run('list_webhooks', { owner_client_id: id }),
    })),
  })],
]);

/** Runs the API's actions (of the newest version) as the licence's owner; `not_found` when the licence does not exist. */
export async function ownerRunner(db: Queryable, versions: VersionedRegistry, dispatcher: Dispatcher, licenseId: number, log: Logger): Promise<RunAction> {
  const caller = await ownerCaller(db, licenseId);
  if (!caller) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  const { name: version, registry } = versions.newest;
  const scope = scopeOf(versions, version);
  return async (name, body = {}) => {
    const action = registry.get(name);
    if (!action) throw new Error(`console: unknown action ${name} in v${version}`);
    const out = await dispatcher.runSingle(scope, action, caller, log, body);
    return out instanceof RawJson ? JSON.parse(out.body.toString('utf8')) : out;
  };
}
