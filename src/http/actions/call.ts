/**
 * What an action call is: its version, its name as in the path, the action label of the metrics and the log line, the
 * action it runs (once, or per batch item), and its request metrics. Each registration of the action pipeline builds
 * the calls of its version once (`callTable`), with their metric series bound; its first hook (`identifyCall`) puts
 * the request's call on the request (`req.call`), where its other hooks read it.
 */
import type { onRequestHookHandler } from 'fastify';
import type { RegisteredAction, Registry } from '../../kernel/registry.js';
import type { CallSeries, RequestMetrics } from '../call-metrics.js';

/** The `action` label of calls whose action does not exist (keeps the label set bounded). */
const UNKNOWN_ACTION = '_unknown';
/** The `version` label of calls of versions not served (keeps the label set bounded; the journal keeps the path's). */
export const UNSERVED_VERSION = '_unsupported';

export interface ActionCall {
  /** The API version in the path, as called (`v3.5`). */
  version: string;
  /** The action or batch endpoint name in the path (an alias stays an alias: the journal and fault rules use it). */
  name: string;
  /** The metrics' and log line's `action`: the spec name (an alias counts under its action), or UNKNOWN_ACTION. */
  label: string;
  /** Whether the name is a batch endpoint's (the action then runs once per item of `requests`). */
  batch: boolean;
  /** The action the call runs: null for unknown names, methods it is not served by, and other versions. */
  action: RegisteredAction | null;
  /** Its request metrics (version and action labels bound). */
  series: CallSeries;
}

/** The calls of the version served at `path`: every URL name of its table (actions, aliases, batch endpoints), made once. */
export function callTable(registry: Registry, path: string, metrics: RequestMetrics): ReadonlyMap<string, ActionCall> {
  const calls = new Map<string, ActionCall>();
  for (const action of registry.actions.values()) {
    const series = metrics.series(path, action.name);
    for (const name of [action.name, ...(action.aliases ?? [])]) calls.set(name, { version: path, name, label: action.name, batch: false, action, series });
  }
  for (const { name, action } of registry.batches.values()) {
    calls.set(name, { version: path, name, label: name, batch: true, action, series: metrics.series(path, name) });
  }
  return calls;
}

/** A `:version` or `:action` path parameter ('' where the route has none). */
function pathParam(params: unknown, key: 'version' | 'action'): string {
  if (typeof params !== 'object' || params === null) return '';
  const value = key === 'action' ? ('action' in params ? params.action : '') : 'version' in params ? params.version : '';
  return typeof value === 'string' ? value : '';
}

/**
 * The pipeline's first onRequest hook: the request's call. With `calls` (a served version at `path`), a POST of one of
 * its names (or a GET of one its version serves by GET) is that call, found without allocating; anything else runs
 * nothing and is labelled as `labels` (the version's table, or for versions not served the base's) names it.
 */
export function identifyCall(
  labels: Registry,
  metrics: RequestMetrics,
  served: { calls: ReadonlyMap<string, ActionCall>; path: string } | null,
): onRequestHookHandler {
  return (req, _reply, done) => {
    const name = pathParam(req.params, 'action');
    const found = served?.calls.get(name);
    if (found && (req.method === 'POST' || (req.method === 'GET' && found.action?.get))) {
      req.call = found;
      return done();
    }
    const batch = labels.batches.get(name);
    const label = batch?.name ?? labels.get(name)?.name ?? UNKNOWN_ACTION;
    const version = served?.path ?? pathParam(req.params, 'version');
    const series = metrics.series(served ? served.path : UNSERVED_VERSION, label);
    req.call = { version, name, label, batch: batch !== undefined, action: null, series };
    done();
  };
}
