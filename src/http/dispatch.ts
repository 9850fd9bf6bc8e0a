/**
 * Runs an authenticated call of an action of a version: one item (`runSingle`) or a batch (`runBatch`). Validation,
 * the version's translation of the input (`toBase`), the action's own authorization, its read cache, its transaction
 * and the version's answer (`fromBase`) are applied here, the same way for every action; nothing here knows Fastify.
 */
import type { Core } from '../core.js';
import { ApiError, type ErrorBody } from '../kernel/errors.js';
import type { ReadCaches } from '../kernel/read-cache.js';
import type { ActionContext, Caller, Logger, RegisteredAction } from '../kernel/registry.js';
import type { VersionedRegistry } from '../kernel/versions.js';
import { RawJson } from '../kernel/raw-json.js';
import { nextSavepoint, rollbackToSavepoint, type Tx } from '../store/transaction.js';
import { toApiError } from '../kernel/database-errors.js';
import { classifyDbError } from '../store/health.js';

/** The version a call runs in, as its handler's context tells it. */
export type CallScope = Pick<ActionContext, 'version' | 'rules' | 'rulesOf'>;

/** The scope of a served version (made once per version). */
export function scopeOf(versions: VersionedRegistry, version: string): CallScope {
  const served = versions.get(version);
  if (!served) throw new Error(`API version ${version} is not served`);
  return { version: served.name, rules: served.rules, rulesOf: versions.rulesOf };
}

export interface DispatcherDeps {
  core: Core;
  caches: ReadCaches;
}

/**
 * The error body and HTTP status for anything thrown by an action; unexpected errors are logged and hidden, answered
 * `internal` with the request id in `data.request_id`.
 */
export function errorBody(err: unknown, log: Logger, requestId?: string): { status: number; body: ErrorBody } {
  const api = toApiError(err);
  if (api) return { status: api.status, body: api.toBody() };
  log.error({ err }, 'unhandled error in action');
  const internal = new ApiError('internal', undefined, requestId === undefined ? undefined : { request_id: requestId });
  return { status: internal.status, body: internal.toBody() };
}

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * `memo`: the action's transaction remembers lookups as a batch of it does (`Tx.memo`; its batch items run the same
   * handler in one transaction, so it changes nothing they remember).
   */
  private context(scope: CallScope, caller: Caller | null, log: Logger, memo = false): ActionContext<Caller | null> {
    const { core } = this.deps;
    return {
      caller,
      log,
      db: core.store.db,
      cascades: core.cascades,
      signingKeys: core.signingKeys,
      tx: (fn, opts) => core.transaction(fn, { licenseId: caller?.licenseId, memo, prefetch: opts?.prefetch, keepWrites: true }),
      version: scope.version,
      rules: scope.rules,
      rulesOf: scope.rulesOf,
    };
  }

  /**
   * One call: validate, translate to the base input, authorize, then the cached answer or the handler's (in the
   * version's shape). `caller` is null only for actions declared with `auth: 'none'`.
   */
  async runSingle(scope: CallScope, action: RegisteredAction, caller: Caller | null, log: Logger, body: unknown): Promise<unknown> {
    const ctx = this.context(scope, caller, log, action.batch !== undefined);
    const input = action.validate(body);
    const base = action.toBase ? action.toBase(input, ctx) : input;
    action.authorize?.(ctx, base);
    const { fromBase } = action;
    const run = fromBase
      ? async () => orEmpty(fromBase(parsed(await action.handler(ctx, base)), input, ctx))
      : async () => orEmpty(await action.handler(ctx, base));
    if (action.cache && caller) return this.deps.caches.run(action.cacheName, action.cache, caller.licenseId, base, run);
    return run();
  }

  /**
   * A batch call is one transaction (one licence lock, one commit) in which each item runs under its own savepoint:
   * a failing item is rolled back alone and answers its error, the others keep their effects, and all of them
   * commit together. Items see the effects of the items before them. Lookups the items repeat are remembered for
   * the transaction (`Tx.memo`). Commit signals are handled once, after the commit. An action with `handleMany`
   * runs every item at once under one savepoint instead (`runMany`), and one at a time only if that fails.
   */
  async runBatch(scope: CallScope, action: RegisteredAction, caller: Caller | null, log: Logger, items: readonly unknown[], requestId?: string): Promise<unknown[]> {
    return this.deps.core.transaction(async (trx) => {
      const ctx: ActionContext<Caller | null> = { ...this.context(scope, caller, log), db: trx.db, tx: (fn) => fn(trx) };
      const many = action.handleMany && (await this.runMany(trx, ctx, action, items, requestId));
      if (many) return many;
      const out: unknown[] = [];
      for (const [i, item] of items.entries()) {
        await nextSavepoint(trx, i === 0 && !action.handleMany);
        try {
          const input = action.validate(item);
          const base = action.toBase ? action.toBase(input, ctx) : input;
          action.authorize?.(ctx, base);
          const answer = orEmpty(await action.handler(ctx, base));
          out.push(action.fromBase ? orEmpty(action.fromBase(parsed(answer), input, ctx)) : answer);
        } catch (err) {
          // The database failed, not the item (its transaction may be gone): the whole batch answers that.
          if (classifyDbError(err)) throw err;
          await rollbackToSavepoint(trx);
          out.push(errorBody(err, log, requestId).body);
        }
      }
      return out;
    }, { licenseId: caller?.licenseId, memo: true });
  }

  /**
   * Every item of a batch through the action's `handleMany`, under one savepoint: the items' checks first (each
   * refusal its error), then the valid ones at once. Null (after undoing what it wrote, the savepoint kept for the
   * one-at-a-time run) when it failed on something else than the database being away.
   */
  private async runMany(trx: Tx, ctx: ActionContext<Caller | null>, action: RegisteredAction, items: readonly unknown[], requestId?: string): Promise<unknown[] | null> {
    const out = new Array<unknown>(items.length);
    const valid: Array<{ at: number; input: unknown; base: unknown }> = [];
    for (const [at, item] of items.entries()) {
      try {
        const input = action.validate(item);
        const base = action.toBase ? action.toBase(input, ctx) : input;
        action.authorize?.(ctx, base);
        valid.push({ at, input, base });
      } catch (err) {
        out[at] = errorBody(err, ctx.log, requestId).body;
      }
    }
    await nextSavepoint(trx, true);
    try {
      const outcomes = await action.handleMany!(ctx, valid.map((v) => v.base));
      for (const [k, { at, input }] of valid.entries()) {
        const o = outcomes[k]!;
        if (!o.ok) out[at] = errorBody(o.error, ctx.log, requestId).body;
        else out[at] = action.fromBase ? orEmpty(action.fromBase(parsed(orEmpty(o.answer)), input, ctx)) : orEmpty(o.answer);
      }
      return out;
    } catch (err) {
      if (classifyDbError(err)) throw err;
      ctx.log.warn({ err }, 'batch items run at once failed; running them one at a time');
      await rollbackToSavepoint(trx);
      return null;
    }
  }
}

/** "No response payload" answers `{}`. */
const orEmpty = (out: unknown): unknown => (out === undefined ? {} : out);
/** An answer as a value (a handler may have serialised it itself: RawJson). */
const parsed = (out: unknown): unknown => (out instanceof RawJson ? JSON.parse(out.body.toString('utf8')) : out);
