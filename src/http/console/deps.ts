/** What the console plugin is given, and what its API route modules receive. */
import type { Core } from '../../core.js';
import type { VersionedRegistry } from '../../kernel/versions.js';
import type { Dispatcher } from '../dispatch.js';
import type { RequestJournal } from '../../shared-state/journal.js';
import type { ConsoleSessions } from '../../shared-state/console-sessions.js';
import type { LicenseChangeSubscriptions } from '../../shared-state/license-changes.js';
import type { AuthFailureHooks } from '../auth-failures.js';
import type { ControlPlaneOperations } from '../operations.js';
import type { EventStreams } from '../sse.js';
import type { Sessions } from './session.js';

/** How often live views look for changes (and check that their session is still valid). */
export const LIVE_POLL_MS = 1000;

export interface ConsoleOptions {
  core: Core;
  /** The served versions' actions (the console runs the newest version's). */
  versions: VersionedRegistry;
  /** Runs actions exactly as the API does (validation, authorization, read caches, transactions). */
  dispatcher: Dispatcher;
  /** The control plane's token; the console exists only when it is set. */
  adminToken: string;
  /** The control plane's request journal (the Calls view). */
  journal: RequestJournal;
  /** Where sessions are kept (this process, or PostgreSQL). */
  sessions: ConsoleSessions;
  /** The failed-authentication limit of the action API, which wrong admin tokens count against (null: off). */
  authFailures: AuthFailureHooks | null;
  /** The licence change feed (the live licence view). */
  changes: LicenseChangeSubscriptions;
}

/** What the console's API route modules receive. */
export interface ConsoleDeps extends Omit<ConsoleOptions, 'adminToken' | 'sessions' | 'authFailures'> {
  operations: ControlPlaneOperations;
  sessions: Sessions;
  streams: EventStreams;
}

