/**
 * The app's core without HTTP: the store, the configuration, the areas' cascades and the transaction runner that
 * every write goes through (licence lock, the app's transaction settings, commit signals). The HTTP server, the CLI,
 * and the tests change data through it the same way. Built by the composition root (src/app.ts) or the CLI.
 */
import type { Config } from './config.js';
import { ALL_AREAS } from './areas-v36.js';
import { cascadesOf, type Area, type Cascades } from './kernel/area.js';
import { SigningKeys } from './kernel/signing-keys.js';
import { runTransaction, type Tx, type TxSettings } from './store/transaction.js';
import { ChangeSignals } from './shared-state/change-signals.js';
import type { Store } from './store/store.js';
import { lockLicense } from './tenancy/licenses.js';

export interface Core {
  readonly store: Store;
  readonly config: Config;
  readonly areas: readonly Area[];
  readonly cascades: Cascades;
  readonly settings: TxSettings;
  /** Keys signing bot tokens (configuration or key file; never the database). */
  readonly signingKeys: SigningKeys;
  /**
   * One transaction (serialised per licence when `licenseId` is given). What it changed — its signals, its licence —
   * goes to `changes` after the commit and, on PostgreSQL, to the other processes of the database with the commit.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { licenseId?: number; memo?: boolean }): Promise<T>;
  /**
   * What committed: `changes.on(signal, fn)` (wake webhook delivery, drop cached token lookups) and
   * `changes.subscribe(licenseId | '*', fn)` (views of a licence); the app adds the other nodes' changes on PostgreSQL.
   */
  readonly changes: ChangeSignals;
}

/** `signingKeys` default: a random key in memory (tests, embedding; `serve` passes the configured ones). */
export function createCore(store: Store, config: Config, areas: readonly Area[] = ALL_AREAS, signingKeys = SigningKeys.ephemeral()): Core {
  const settings: TxSettings = { eventLog: config.webhooks.eventLog };
  const changes = new ChangeSignals();
  const onCommit = changes.publish.bind(changes);
  return {
    store,
    config,
    areas,
    cascades: cascadesOf(areas),
    settings,
    signingKeys,
    transaction: (fn, { licenseId, memo } = {}) => {
      const lock = licenseId === undefined ? undefined : (tx: Tx) => lockLicense(tx, licenseId);
      return runTransaction(store, { lock, memo, settings, licenseId, origin: changes.origin, onCommit }, fn);
    },
    changes,
  };
}
