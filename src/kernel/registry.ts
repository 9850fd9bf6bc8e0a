/**
 * The action registry: each action is declared once (name, request schema, scopes, batch support, cached reads,
 * handler). Routing, validation, scope checks, batch endpoints and response caching derive from it.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Queryable } from '../store/store.js';
import type { Prefetch, Tx } from '../store/transaction.js';
import { compileValidator, type Validator } from './validation.js';
import type { Cascades } from './cascades.js';
import type { ReadCacheSpec } from './read-cache.js';
import type { SigningKeys } from './signing-keys.js';
import type { Caller } from './caller.js';
import type { VersionRules } from './version-rules.js';
import { batchRequestSchema, batchResponseSchema } from './responses.js';

/** Maximum number of items in one batch request. */
export const MAX_BATCH_SIZE = 100;

export type { AuthKind, Caller } from './caller.js';

/** 'required' (default): a valid credential; 'none': no Authorization needed (e.g. list_webhook_names). */
export type AuthMode = 'required' | 'none';
/** The caller a handler sees: none for actions declared with `auth: 'none'`. */
export type CallerOf<A extends AuthMode> = A extends 'none' ? null : Caller;

/** The logging a handler may do (pino's interface; the request's logger, carrying its request id). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a handler runs with. `C`: `Caller`, or null for actions declared with `auth: 'none'` (see `CallerOf`). */
export interface ActionContext<C extends Caller | null = Caller> {
  caller: C;
  log: Logger;
  /** For reads outside `tx` (inside a batch call: the batch's transaction). */
  db: Queryable;
  /**
   * Run `fn` as one transaction, serialised per licence, handing it the transaction context (store/transaction.ts).
   * Every API write goes through here; what must happen after the commit (wake webhook delivery, drop cached token
   * lookups) is asked for with `tx.signal(…)`. Inside a batch call every item runs in the batch's one transaction.
   * `prefetch`: what `fn` reads first, looked up in the lock's round trip where the store can (`Prefetch`; inside a
   * batch call nothing is prefetched and `fn` reads as usual).
   */
  tx<T>(fn: (tx: Tx) => Promise<T>, opts?: { prefetch?: readonly Prefetch[] }): Promise<T>;
  /** What changes in other areas when a group or an agent is deleted or an application installed. */
  cascades: Cascades;
  /** The app's keys signing bot tokens (the first signs, all verify). */
  signingKeys: SigningKeys;
  /** The API version of the call, e.g. `3.6`. */
  version: string;
  /** What differs between versions inside handlers, for this call's version (kernel/version-rules.ts). */
  rules: VersionRules;
  /** The rules of another served version (e.g. list_webhook_names' `version`); undefined when it is not served. */
  rulesOf(version: string): VersionRules | undefined;
}

export interface ActionDef<S extends TSchema = TSchema, R extends TSchema = TSchema, A extends AuthMode = AuthMode> {
  name: string;
  /** Spec area, e.g. 'agents', 'groups'. */
  area: string;
  /** Request body schema (TypeBox). */
  schema: S;
  /**
   * Schema of the 200 answer (TypeBox), written from the reference's response descriptions and examples. Published in
   * the OpenAPI document, typed in the client, and checked against every successful answer the test suite receives.
   */
  response: R;
  /**
   * Scopes as the spec lists them (documentation); the caller must hold at least one of `anyOf` before the
   * handler runs. Conditional scopes (acting on others, roles, private scopes) are checked by the handler.
   */
  scopes: readonly string[];
  anyOf?: readonly string[];
  /** 'required' (default): a valid token; 'none': no Authorization needed (e.g. list_webhook_names), no caller. */
  auth?: A;
  /** Name of the batch endpoint, when the action has one (e.g. 'batch_create_agents'). */
  batch?: string;
  /** Other spellings the spec's tables use for the same action. */
  aliases?: readonly string[];
  /** Allowed for a suspended agent (request_agent_unsuspension). */
  allowSuspended?: boolean;
  /** The reference's summary of the method (first sentence under its heading in the spec), verbatim. */
  summary: string;
  /** What this server does, beyond the reference's summary (shown in the OpenAPI document). */
  description?: string;
  /**
   * Checks that depend on the input and the caller but on no stored data (e.g. acting on others needs `--all`);
   * run before a cached answer is served. Throw an ApiError to refuse.
   */
  authorize?(ctx: ActionContext<CallerOf<A>>, input: Static<S>): void;
  /** Serve the answer from a read cache while what it was computed from is unchanged (see kernel/read-cache.ts). */
  cache?: ReadCacheSpec<Static<S>>;
  handler(ctx: ActionContext<CallerOf<A>>, input: Static<S>): Promise<unknown>;
  /**
   * Batch calls: every item's `handler` at once, in few statements (one lookup for all items, multi-row inserts),
   * inside the batch's transaction (`ctx.tx`). It must answer exactly what `handler` on each item in turn would
   * (each item's answer or error, in order, items seeing the effects of those before them), refusing an item before
   * writing anything of it. It throws only when the database fails: the dispatcher then undoes what it wrote and
   * runs the items one at a time (http/dispatch.ts `runBatch`).
   */
  handleMany?(ctx: ActionContext<CallerOf<A>>, inputs: readonly Static<S>[]): Promise<BatchOutcome[]>;
}

/** One item's result in `handleMany`: its answer, or the error `handler` would have thrown. */
export type BatchOutcome = { ok: true; answer: unknown } | { ok: false; error: unknown };

export interface RegisteredAction extends ActionDef {
  validate: Validator<unknown>;
  requiredAnyOf: readonly string[];
  /**
   * In a version that changes the action (kernel/versions.ts): its validated input → the input of the base handler
   * (run before `authorize`, the read cache and the handler, which all see the base input).
   */
  toBase?: (input: any, ctx: ActionContext<any>) => unknown;
  /** In a version that changes the action: the base answer (parsed, never RawJson) → the version's answer. */
  fromBase?: (output: unknown, input: any, ctx: ActionContext<any>) => unknown;
  /** The read cache its answers are kept in: the action's name, or `<version>:<name>` where the version shapes them. */
  cacheName: string;
  /** Also served by GET, with the parameters in the query string (a version's `get`, kernel/versions.ts). */
  get: boolean;
}

/** An action registered once: its validator compiled on first use, its scopes to check. */
export function registerAction(def: ActionDef<any, any>): RegisteredAction {
  return { ...(def as ActionDef), validate: compileValidator(def.schema), requiredAnyOf: def.anyOf ?? def.scopes, cacheName: def.name, get: false };
}

/** An action; its handler's `ctx.caller` is a `Caller`, or null when it is declared with `auth: 'none'`. */
export function defineAction<S extends TSchema, R extends TSchema, A extends AuthMode = 'required'>(def: ActionDef<S, R, A>): ActionDef<S, R, A> {
  return def;
}

export interface BatchEndpoint {
  name: string;
  action: RegisteredAction;
}

/** One URL name (`/v3.5/configuration/action/<name>`) with the schemas of its request and 200 answer. */
export interface Endpoint {
  name: string;
  /** The action it runs (for a batch endpoint: once per item). */
  action: RegisteredAction;
  batch: boolean;
  request: TSchema;
  response: TSchema;
}

/**
 * The actions of one API version (kernel/versions.ts makes one per served version): its URL names (actions, aliases,
 * batch endpoints) and their request and answer schemas. An action a version does not change is the same
 * `RegisteredAction` object in every version's table (one validator, compiled once).
 */
export class Registry {
  readonly actions = new Map<string, RegisteredAction>();
  readonly batches = new Map<string, BatchEndpoint>();
  private readonly byName = new Map<string, RegisteredAction>();
  private readonly endpointCache = new Map<string, Endpoint>();

  constructor(readonly opts: { batches?: boolean } = {}) {}

  /** Declared actions, registered here (validators compiled on first use). */
  add(...defs: ActionDef<any, any>[]): this {
    for (const def of defs) this.put(registerAction(def));
    return this;
  }

  /** An action registered already (shared with other versions' tables). */
  put(reg: RegisteredAction): this {
    if (this.actions.has(reg.name)) throw new Error(`duplicate action ${reg.name}`);
    this.actions.set(reg.name, reg);
    this.byName.set(reg.name, reg);
    for (const alias of reg.aliases ?? []) this.byName.set(alias, reg);
    if (reg.batch && this.opts.batches !== false) this.batches.set(reg.batch, { name: reg.batch, action: reg });
    return this;
  }

  /** Every action, then every batch endpoint (aliases not repeated), in declaration order. */
  endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const a of this.actions.values()) out.push(this.endpoint(a.name)!);
    for (const b of this.batches.values()) out.push(this.endpoint(b.name)!);
    return out;
  }

  /** The endpoint of a URL name: an action (or alias) or a batch endpoint. */
  endpoint(name: string): Endpoint | undefined {
    let ep = this.endpointCache.get(name);
    if (ep) return ep;
    const batch = this.batches.get(name);
    const action = batch ? batch.action : this.byName.get(name);
    if (!action) return undefined;
    ep = batch
      ? {
          name,
          action,
          batch: true,
          request: batchRequestSchema(action.schema, MAX_BATCH_SIZE),
          response: batchResponseSchema(action.response),
        }
      : { name: action.name, action, batch: false, request: action.schema, response: action.response };
    this.endpointCache.set(name, ep);
    return ep;
  }

  /** An action by its method URL name (or a documented alias). */
  get(name: string): RegisteredAction | undefined {
    return this.byName.get(name);
  }
}
