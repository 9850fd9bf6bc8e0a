/** Who may act on whom among agents: acting on oneself, ranks and roles; and the avatar given under two names. */
import { ApiError } from '../kernel/errors.js';
import type { Caller } from '../kernel/registry.js';
import { requireScopes, roleRank } from '../kernel/scopes.js';

/**
 * Agent ids are e-mail addresses, compared ignoring letter case as the stores' `lower()` does (the unique index
 * agents_lower_id on (license_id, lower(id))). Ids that differ only in ASCII letter case are the same agent in both
 * stores (every `lower()` folds ASCII), so this comparison never confuses two agents; it serves checks made before
 * any lookup (is the caller acting on itself?) and cache keys.
 */
export const foldAgentId = (id: string): string => (/[A-Z]/.test(id) ? id.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : id);
export const sameAgentId = (a: string, b: string): boolean => a === b || foldAgentId(a) === foldAgentId(b);

/** Is the caller the agent `id` (any letter case)? */
export const isSelf = (caller: Caller, id: string) => caller.agentType === 'agent' && sameAgentId(caller.agentId, id);

/** `avatar`, also given as `avatar_path` (the SDKs' name); both given with different values → `validation`. */
export function avatarOf(input: { avatar?: string; avatar_path?: string }): string | undefined {
  if (input.avatar !== undefined && input.avatar_path !== undefined && input.avatar !== input.avatar_path) {
    throw new ApiError('validation', '`avatar` and `avatar_path` name the same field and should not differ');
  }
  return input.avatar ?? input.avatar_path;
}

/** A caller never acts on an agent ranked above itself, nor grants a role above its own. */
export function assertRank(caller: Caller, targetRole: string, what: string): void {
  if (roleRank(targetRole) > roleRank(caller.role)) {
    throw new ApiError('authorization', `Cannot ${what} an agent whose role is higher than yours`);
  }
}

export function assertCanGrantRole(caller: Caller, role: string): void {
  if (role !== 'normal') requireScopes(caller.scopes, 'accounts.roles.lc--all:rw');
  if (roleRank(role) > roleRank(caller.role)) {
    throw new ApiError('authorization', `Cannot grant the role ${role}: it is higher than your own`);
  }
}
