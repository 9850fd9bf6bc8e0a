/**
 * Who calls an action. A `Caller` is always bound to exactly one licence; it comes from a credential (an access
 * token or PAT: http/auth.ts; a bot token: the bots area's bearer resolver) or is made up by an operator tool (the
 * console acts as a licence's owner: tenancy/views.ts). Every one of them is built by `newCaller`, so a caller has one
 * shape whoever made it, and a field added here is added for all of them.
 */
import type { Role } from './scopes.js';

export type AuthKind = 'bearer' | 'pat' | 'bot';

export interface Caller {
  kind: AuthKind;
  licenseId: number;
  organizationId: string;
  region: string;
  /** Account UUID of the agent (or bot) acting. */
  accountId: string;
  /** Agent id (e-mail) or bot id. */
  agentId: string;
  role: Role;
  agentType: 'agent' | 'bot';
  suspended: boolean;
  /** The application (client id) the token was issued to; null for PATs. */
  clientId: string | null;
  scopes: ReadonlySet<string>;
}

/** What a caller is made from, as the stores keep it (role and type as text, scopes space-separated or listed). */
export interface CallerInit extends Omit<Caller, 'role' | 'agentType' | 'suspended' | 'scopes'> {
  /** The agent's stored role (one of `ROLES`); bots are `normal`. */
  role: string;
  /** The agent's stored type: `bot`, or an agent. */
  type: string;
  /** Stored as 0/1, or known. */
  suspended: boolean | number;
  /** Space-separated as stored, or a list. */
  scopes: string | Iterable<string>;
}

export function newCaller(init: CallerInit): Caller {
  return {
    kind: init.kind,
    licenseId: init.licenseId,
    organizationId: init.organizationId,
    region: init.region,
    accountId: init.accountId,
    agentId: init.agentId,
    role: init.role as Role,
    agentType: init.type === 'bot' ? 'bot' : 'agent',
    suspended: init.suspended === true || init.suspended === 1,
    clientId: init.clientId,
    scopes: new Set(typeof init.scopes === 'string' ? init.scopes.split(' ').filter(Boolean) : init.scopes),
  };
}
