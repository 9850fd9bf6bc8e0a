/**
 * The action registry: each action is declared once (name, request schema, scopes, batch support, handler).
 * Routing, validation, auth, batch endpoints and the docs derive from it.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { Dialect, Store, Tx, Db } from '../store/db.js';
import { compileValidator, type Validator } from './validation.js';
import type { Role } from './scopes.js';

export type AuthKind = 'bearer' | 'pat' | 'bot';

/** Who is calling: resolved from the Authorization header, always bound to exactly one licence. */
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

export interface Services {
  /** Called after a transaction that recorded configuration events commits (wakes webhook delivery). */
  onEventsCommitted(): void;
  /** Drops cached token lookups (after role, suspension or deletion changes). */
  invalidateAuth(): void;
}

export interface ActionContext {
  store: Store;
  db: Db;
  dialect: Dialect;
  /** Null only for actions declared with `auth: 'none'`. */
  caller: Caller;
  log: FastifyBaseLogger;
  services: Services;
  /**
   * Run `fn` as one transaction, serialised per licence. Every API write goes through here.
   * Pass `events: true` when the transaction records webhook events.
   */
  tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
}

export interface ActionDef<S extends TSchema = TSchema> {
  name: string;
  /** Spec area, e.g. 'agents', 'groups'. */
  area: string;
  /** Request body schema (TypeBox). */
  schema: S;
  /**
   * Scopes as the spec lists them (documentation); the caller must hold at least one of `anyOf` before the
   * handler runs. Conditional scopes (acting on others, roles, private scopes) are checked by the handler.
   */
  scopes: readonly string[];
  anyOf?: readonly string[];
  /** 'required' (default): a valid token; 'none': no Authorization needed (e.g. list_webhook_names). */
  auth?: 'required' | 'none';
  /** Name of the batch endpoint, when the action has one (e.g. 'batch_create_agents'). */
  batch?: string;
  /** Other spellings the spec's tables use for the same action. */
  aliases?: readonly string[];
  /** Allowed for a suspended agent (request_agent_unsuspension). */
  allowSuspended?: boolean;
  summary?: string;
  handler(ctx: ActionContext, input: Static<S>): Promise<unknown>;
}

export interface RegisteredAction extends ActionDef {
  validate: Validator<unknown>;
  requiredAnyOf: readonly string[];
}

export function defineAction<S extends TSchema>(def: ActionDef<S>): ActionDef<S> {
  return def;
}

export interface BatchEndpoint {
  name: string;
  action: RegisteredAction;
}

export class Registry {
  readonly actions = new Map<string, RegisteredAction>();
  readonly batches = new Map<string, BatchEndpoint>();
  private readonly byName = new Map<string, RegisteredAction>();

  add(...defs: ActionDef<any>[]): this {
    for (const def of defs) {
      if (this.actions.has(def.name)) throw new Error(`duplicate action ${def.name}`);
      const reg: RegisteredAction = {
        ...(def as ActionDef),
        validate: compileValidator(def.schema),
        requiredAnyOf: def.anyOf ?? def.scopes,
      };
      this.actions.set(def.name, reg);
      this.byName.set(def.name, reg);
      for (const alias of def.aliases ?? []) this.byName.set(alias, reg);
      if (def.batch) this.batches.set(def.batch, { name: def.batch, action: reg });
    }
    return this;
  }

  /** An action by its method URL name (or a documented alias). */
  get(name: string): RegisteredAction | undefined {
    return this.byName.get(name);
  }
}
