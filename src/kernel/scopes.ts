/**
 * Scope algebra (shared/spec/scopes.md): `<resource>[--<reach>]:<access>`.
 * - access: `rw` contains `ro` and `rc`; `rc` contains `ro`.
 * - reach: `all` contains `access`, `groups` and `my`; `access` contains `my`.
 */
import { ApiError } from './errors.js';

interface ParsedScope {
  resource: string;
  reach: string | null;
  access: string;
}

const parsed = new Map<string, ParsedScope | null>();

export function parseScope(scope: string): ParsedScope | null {
  let p = parsed.get(scope);
  if (p !== undefined) return p;
  const m = /^([a-z0-9_.-]+?)(?:--([a-z_]+))?:([a-z]+)$/.exec(scope);
  p = m ? { resource: m[1]!, reach: m[2] ?? null, access: m[3]! } : null;
  if (parsed.size < 10_000) parsed.set(scope, p);
  return p;
}

const ACCESS_CONTAINS: Record<string, readonly string[]> = {
  rw: ['rw', 'ro', 'rc'],
  rc: ['rc', 'ro'],
  ro: ['ro'],
};
const REACH_CONTAINS: Record<string, readonly string[]> = {
  all: ['all', 'access', 'groups', 'my'],
  access: ['access', 'my'],
  groups: ['groups'],
  my: ['my'],
};

/** Does the granted scope give everything the required scope asks for? */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required) return true;
  const g = parseScope(granted);
  const r = parseScope(required);
  if (!g || !r || g.resource !== r.resource) return false;
  if ((g.reach === null) !== (r.reach === null)) return false;
  if (g.reach !== null && r.reach !== null && !(REACH_CONTAINS[g.reach] ?? [g.reach]).includes(r.reach)) return false;
  return (ACCESS_CONTAINS[g.access] ?? [g.access]).includes(r.access);
}

export function hasScope(granted: ReadonlySet<string>, required: string): boolean {
  if (granted.has(required)) return true;
  for (const g of granted) if (scopeCovers(g, required)) return true;
  return false;
}

/** Throws `authorization` unless every listed scope is held. */
export function requireScopes(granted: ReadonlySet<string>, ...required: string[]): void {
  for (const r of required) {
    if (!hasScope(granted, r)) throw new ApiError('authorization', `Missing required scope: ${r}`);
  }
}

/** Throws `authorization` unless at least one listed scope is held. */
export function requireAnyScope(granted: ReadonlySet<string>, ...required: string[]): void {
  if (required.length === 0) return;
  if (required.some((r) => hasScope(granted, r))) return;
  const which = required.length === 1 ? required[0] : `one of ${required.join(', ')}`;
  throw new ApiError('authorization', `Missing required scope: ${which}`);
}

/**
 * Every scope the spec names, private ones included. Bootstrap issues the owner's token with all of them.
 */
export const ALL_SCOPES: readonly string[] = [
  'accounts--my:ro', 'accounts--my:rw', 'accounts--all:ro', 'accounts--all:rw', 'accounts--all:rc',
  'accounts.roles--all:ro', 'sessions--my:ro', 'sessions--my:rw', 'sessions--all:rw', 'organization--my:rw',
  'agents--my:ro', 'agents--my:rw', 'agents--all:ro', 'agents--all:rw', 'accounts.roles.lc--all:rw',
  'access_rules:ro', 'access_rules:rw',
  'agents-bot--my:ro', 'agents-bot--my:rw', 'agents-bot--all:ro', 'agents-bot--all:rw', 'bots.templates:rw',
  'canned_responses--groups:ro', 'canned_responses--groups:rw', 'canned_responses--all:ro', 'canned_responses--all:rw',
  'groups--my:ro', 'groups--my:rw', 'groups--all:ro', 'groups--all:rw',
  'chats--all:ro', 'chats--access:ro', 'chats--all:rw', 'chats--access:rw',
  'customers.ban:rw', 'customers:own', 'customers:ro', 'customers:rw', 'multicast:rw',
  'properties.license.value--my:ro', 'properties.license.value--my:rw',
  'properties.license.value--all:ro', 'properties.license.value--all:rw',
  'properties.group.value--my:ro', 'properties.group.value--my:rw',
  'properties.group.value--all:ro', 'properties.group.value--all:rw', 'properties.configuration:rw',
  'tags--all:ro', 'tags--all:rw', 'tags--groups:ro', 'tags--groups:rw',
  'webhooks--my:ro', 'webhooks--my:rw', 'webhooks--all:ro', 'webhooks--all:rw',
  'webhooks.state:ro', 'webhooks.state:rw', 'webhooks.configuration:rw',
  'subscription.lc:rw',
  // v3.6: greetings and customer bans (the ban scopes are exact names, outside the `<resource>:<access>` format).
  'greetings:ro', 'greetings:rw', 'banlist_read', 'banlist_write',
];

/** Roles, lowest first. A caller never grants a role above its own. */
export const ROLES = ['normal', 'administrator', 'viceowner', 'owner'] as const;
export type Role = (typeof ROLES)[number];
export const roleRank = (r: string): number => ROLES.indexOf(r as Role);
