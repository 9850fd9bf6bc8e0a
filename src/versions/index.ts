/**
 * The API versions this server serves, oldest first: v3.4 (src/versions/v3.4/) and v3.6 (v3.6.ts) as changes
 * relative to v3.5, the base, whose actions are the areas' definitions as they are. `buildVersions` materialises one
 * table per version (kernel/versions.ts) with each version's lifecycle stage and end date from the configuration.
 *
 * Adding v3.7: a module `v3.7.ts` of changes relative to v3.6 (`neighbour: '3.6'`), listed in VERSION_CHANGES; its
 * lifecycle variables in src/config.ts (and v3.6's stage moved on); new rules, if any, in kernel/version-rules.ts with
 * their v3.5 value below; a webhook format change, if its webhooks differ, in WEBHOOK_CHANGES. docs/architecture.md
 * "API versions".
 */
import type { Area } from '../kernel/area.js';
import { materialise, type BaseVersion, type Lifecycle, type VersionChanges, type VersionedRegistry } from '../kernel/versions.js';
import { WEBHOOK_ACTIONS } from '../webhooks/catalog.js';
import { BASE_WEBHOOK_FORMAT, type WebhookFormat, type WebhookFormatChange, type WebhookFormats } from '../webhooks/formats.js';
import { v34, v34Webhooks } from './v3.4/index.js';
import { v36, v36Webhooks } from './v3.6.js';

/** v3.5: configuration-api-v3.5.md, exactly as this server has always served it. */
export const BASE_VERSION: BaseVersion = {
  version: '3.5',
  summary: ['The base version: every method of configuration-api-v3.5.md, as this server has always served it.'],
  rules: {
    groupNeedsNormalPriority: true,
    webhookActions: WEBHOOK_ACTIONS,
    agentScheduleZone: 'required',
    tokenOwnerClientId: 'used',
    botAuthorHeader: true,
  },
};

/** Every other served version, as changes relative to its neighbour. */
export const VERSION_CHANGES: readonly VersionChanges[] = [v34, v36];

/** The names of the served versions, oldest first. */
export const SERVED_VERSIONS: readonly string[] = [BASE_VERSION.version, ...VERSION_CHANGES.map((c) => c.version)].sort((a, b) =>
  a.localeCompare(b, 'en', { numeric: true }),
);

/** Every served version's table from the areas' actions, with its lifecycle (stage and end date) from `lifecycle`. */
export function buildVersions(areas: readonly Area[], lifecycle: Readonly<Record<string, Lifecycle>>): VersionedRegistry {
  return materialise(BASE_VERSION, VERSION_CHANGES, areas.flatMap((a) => a.actions), (version) => {
    const l = lifecycle[version];
    if (!l) throw new Error(`API version ${version} has no lifecycle in the configuration (src/config.ts)`);
    return l;
  });
}

/**
 * How each version's webhooks differ from its neighbour's (webhooks/formats.ts); a version not listed delivers as its
 * neighbour. v3.5's format is the base: every event as recorded, no `requester`.
 */
const WEBHOOK_CHANGES: Readonly<Record<string, WebhookFormatChange>> = { '3.4': v34Webhooks, '3.6': v36Webhooks };

/** Every served version's webhook format, each from its neighbour's (the core hands them to every transaction). */
export function buildWebhookFormats(): WebhookFormats {
  const formats = new Map<string, WebhookFormat>([[BASE_VERSION.version, BASE_WEBHOOK_FORMAT]]);
  const pending = [...VERSION_CHANGES];
  while (pending.length) {
    const i = pending.findIndex((c) => formats.has(c.neighbour));
    if (i < 0) throw new Error(`webhook formats of ${pending.map((c) => c.version).join(', ')}: no neighbour to build from`);
    const c = pending.splice(i, 1)[0]!;
    const neighbour = formats.get(c.neighbour)!;
    formats.set(c.version, { ...neighbour, ...WEBHOOK_CHANGES[c.version]?.(neighbour) });
  }
  return formats;
}

/** The served versions' webhook formats, built once. */
export const WEBHOOK_FORMATS: WebhookFormats = buildWebhookFormats();
