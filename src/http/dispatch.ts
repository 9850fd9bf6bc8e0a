/**
 * Runs an authenticated call of an action: one item (`runSingle`) or a batch (`runBatch`). Validation, the
 * action's own authorization, its read cache and its transaction are applied here, the same way for every action;
 * nothing here knows Fastify.
 */
import type { Core } from '../core.js';
import { ApiError, type ErrorBody } from '../kernel/errors.js';
import type { ReadCaches } from '../kernel/read-cache.js';
import type { ActionContext, Caller, Logger, RegisteredAction } from '../kernel/registry.js';
import { nextSavepoint, rollbackToSavepoint } from '../store/transaction.js';
import { toApiError } from '../kernel/database-errors.js';
import { classifyDbError } from '../store/health.js';

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

  private context(caller: Caller | null, log: Logger): ActionContext<Caller | null> {
    const { core } = this.deps;
    return {
      caller,
      log,
      db: core.store.db,
      cascades: core.cascades,
      signingKeys: core.signingKeys,
      tx: (fn) => core.transaction(fn, { licenseId: caller?.licenseId }),
    };
  }

  /** One call: validate, authorize, then the cached answer or the handler's. */
  /** `caller` is null only for actions declared with `auth: 'none'`. */
  async runSingle(action: RegisteredAction, caller: Caller | null, log: Logger, body: unknown): Promise<unknown> {
    const ctx = this.context(caller, log);
    const input = action.validate(body);
    action.authorize?.(ctx, input);
    const run = async () => orEmpty(await action.handler(ctx, input));
    if (action.cache && caller) return this.deps.caches.run(action.name, action.cache, caller.licenseId, input, run);
    return run();
  }

  /**
   * A batch call is one transaction (one licence lock, one commit) in which each item runs under its own savepoint:
   * a failing item is rolled back alone and answers its error, the others keep their effects, and all of them
   * commit together. Items see the effects of the items before them. Lookups the items repeat are remembered for
   * the transaction (`Tx.memo`). Commit signals are handled once, after the commit.
   */
  async runBatch(action: RegisteredAction, caller: Caller | null, log: Logger, items: readonly unknown[], requestId?: string): Promise<unknown[]> {
    const { cascades, signingKeys } = this.deps.core;
    return this.deps.core.transaction(async (trx) => {
      const ctx: ActionContext<Caller | null> = { caller, log, db: trx.db, cascades, signingKeys, tx: (fn) => fn(trx) };
      const out: unknown[] = [];
      for (const [i, item] of items.entries()) {
        await nextSavepoint(trx, i === 0);
        try {
          const input = action.validate(item);
          action.authorize?.(ctx, input);
          out.push(orEmpty(await action.handler(ctx, input)));
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
}

/** "No response payload" answers `{}`. */
const orEmpty = (out: unknown): unknown => (out === undefined ? {} : out);
