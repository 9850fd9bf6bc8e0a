/**
 * The app's core without HTTP: the store, the configuration, the areas' cascades and the transaction runner that
 * every write goes through (licence lock, the app's transaction settings, commit signals). The HTTP server, the CLI,
 * and the tests change data through it the same way. Built by the composition root (src/app.ts) or the CLI.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import { ALL_AREAS } from './areas-v36.js';
import { cascadesOf, type Area, type Cascades } from './kernel/area.js';
import { SigningKeys } from './kernel/signing-keys.js';
import { runTransaction, type CommitListener, type Prefetch, type Tx, type TxSettings } from './store/transaction.js';
import type { Store } from './store/store.js';
import { lockLicense } from './tenancy/licenses.js';
import { WEBHOOK_FORMATS } from './versions/index.js';
import { webhookTargetsInline } from './webhooks/outbox.js';

export interface Core {
  readonly store: Store;
  readonly config: Config;
  readonly areas: readonly Area[];
  readonly cascades: Cascades;
  readonly settings: TxSettings;
  /** Keys signing bot tokens (configuration or key file; never the database). */
  readonly signingKeys: SigningKeys;
  /**
   * One transaction (serialised per licence when `licenseId` is given, and recorded as changing it); its commit
   * signals and the licences it changed go to the listeners and, on PostgreSQL, to the other processes of the
   * database with the commit (src/store/notify.ts; heard by the app's change listener).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { licenseId?: number; memo?: boolean; prefetch?: readonly Prefetch[]; keepWrites?: boolean }): Promise<T>;
  /**
   * Listen to what committed transactions ask for (wake webhook delivery, drop cached token lookups) and to the
   * licences they changed (the app's licence change feed): `licenseId` of `transaction`, and any other licence the
   * transaction locked (tenancy's `lockLicense`/`lockLicenses`, e.g. template bots on every installation).
   */
  onCommit(listener: CommitListener): void;
  /** This core's id in the change messages its commits send, so that its app's listener skips its own. */
  readonly origin: string;
}

/**
 * The licence lock; on PostgreSQL with what is looked up right after it in the lock's round trip, so the lock is held
 * for one round trip less each: the licence's webhook targets for a transaction that remembers lookups
 * (outbox.ts `webhookTargetsInline`), and the transaction's own first reads (`prefetch`, e.g. update_agent's agent).
 */
async function lockWithLookups(tx: Tx, licenseId: number, memo: boolean, prefetch: readonly Prefetch[]): Promise<void> {
  if (tx.dialect !== 'postgres' || (!memo && prefetch.length === 0)) return lockLicense(tx, licenseId);
  const targets = memo ? webhookTargetsInline(tx.db, licenseId) : undefined;
  const rows = await lockLicense(tx, licenseId, [...(targets ? [targets.sql] : []), ...prefetch.map((p) => p.sql(tx.db))]);
  if (targets) targets.take(tx, rows.shift()!);
  prefetch.forEach((p, i) => tx.prefill(p.key, rows[i]!));
}

/** `signingKeys` default: a random key in memory (tests, embedding; `serve` passes the configured ones). */
export function createCore(store: Store, config: Config, areas: readonly Area[] = ALL_AREAS, signingKeys = SigningKeys.ephemeral()): Core {
  const listeners: CommitListener[] = [];
  // Every transaction records webhook events in the format of each webhook's version (webhooks/formats.ts).
  const settings: TxSettings = { eventLog: config.webhooks.eventLog, webhookFormats: WEBHOOK_FORMATS };
  const origin = randomBytes(9).toString('base64url');
  const committed: CommitListener = (signals, licenses) => {
    for (const l of listeners) l(signals, licenses);
  };
  return {
    store,
    config,
    areas,
    cascades: cascadesOf(areas),
    settings,
    signingKeys,
    transaction: (fn, { licenseId, memo, prefetch = [], keepWrites } = {}) => {
      const lock = licenseId === undefined ? undefined : (tx: Tx) => lockWithLookups(tx, licenseId, memo === true, prefetch);
      return runTransaction(store, { lock, memo, keepWrites, settings, onCommit: committed, origin }, fn);
    },
    onCommit: (listener) => void listeners.push(listener),
    origin,
  };
}
