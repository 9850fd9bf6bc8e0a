/**
 * What an action call is: its version, its name as in the path, the action label of the metrics and the log line, and
 * the action it runs (once, or per batch item). Each registration of the action pipeline builds the calls of its version once (`callTable`);
 * its first hook (`identifyCall`) puts the request's call on the request (`req.call`), where its other hooks read it.
 */
import type { onRequestHookHandler } from 'fastify';
import type { RegisteredAction, Registry } from '../../kernel/registry.js';

/** The `action` label of calls whose action does not exist (keeps the label set bounded). */
const UNKNOWN_ACTION = '_unknown';

export interface ActionCall {
  /** The API version in the path. */
  version: string;
  /** The action or batch endpoint name in the path (an alias stays an alias: the journal and fault rules use it). */
  name: string;
  /** The metrics' and log line's `action`: the spec name (an alias counts under its action), or UNKNOWN_ACTION. */
  label: string;
  /** Whether the name is a batch endpoint's (the action then runs once per item of `requests`). */
  batch: boolean;
  /** The action the call runs: null for unknown names, other methods than POST and other versions. */
  action: RegisteredAction | null;
}

/** The calls of `version`: every URL name of the registry (actions, their aliases, batch endpoints), made once. */
export function callTable(registry: Registry, version: string): ReadonlyMap<string, ActionCall> {
  const calls = new Map<string, ActionCall>();
  for (const action of registry.actions.values()) {
    for (const name of [action.name, ...(action.aliases ?? [])]) calls.set(name, { version, name, label: action.name, batch: false, action });
  }
  for (const { name, action } of registry.batches.values()) calls.set(name, { version, name, label: name, batch: true, action });
  return calls;
}

/** A call that runs nothing (an unknown name, another method, another version), labelled as `registry` names it. */
function notRun(registry: Registry, version: string, name: string): ActionCall {
  const batch = registry.batches.get(name);
  return { version, name, label: batch?.name ?? registry.get(name)?.name ?? UNKNOWN_ACTION, batch: batch !== undefined, action: null };
}

/** A `:version` or `:action` path parameter ('' where the route has none). */
function pathParam(params: unknown, key: 'version' | 'action'): string {
  if (typeof params !== 'object' || params === null) return '';
  const value = key === 'action' ? ('action' in params ? params.action : '') : 'version' in params ? params.version : '';
  return typeof value === 'string' ? value : '';
}

/**
 * The pipeline's first onRequest hook: the request's call. With `calls` (a served version), a POST of one of its names
 * is that call, found without allocating; anything else, or without `calls` (another version), runs nothing.
 */
export function identifyCall(registry: Registry, calls: ReadonlyMap<string, ActionCall> | null, version: string | null): onRequestHookHandler {
  return (req, _reply, done) => {
    const name = pathParam(req.params, 'action');
    const call = req.method === 'POST' ? calls?.get(name) : undefined;
    req.call = call ?? notRun(registry, version ?? pathParam(req.params, 'version'), name);
    done();
  };
}
