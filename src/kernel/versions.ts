/**
 * API versions side by side (issue 22), after Cadwyn's "version changes": one version is the base (v3.5, whose
 * actions are the areas' definitions as they are), and every other version is a short list of changes relative to
 * its neighbour (src/versions/: v3.4 and v3.6 relative to v3.5; a v3.7 would be relative to v3.6). `materialise`
 * turns the base actions and the change lists into one table (`Registry`) per served version, once, at start:
 *
 * - which actions exist: the neighbour's, minus `removed`, plus `added` (added actions are defined in the areas like
 *   any other and exist only from the version that adds them);
 * - each changed action's request schema (a parameter dropped or added, a limit), answer schema, the translation of
 *   its input into the base handler's input (`toBase`) and of the base answer into the version's (`fromBase`), and
 *   whether it is also served by GET with a query string (`get`);
 * - batch endpoints or not;
 * - the version's rules (`VersionRules`), which handlers read as `ctx.rules`.
 *
 * An action a version does not change is the same registered action (one validator) in every table. The result is
 * keyed by (version, action): `VersionedRegistry.action('3.6', 'create_agent')`.
 */
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { registerAction, Registry, type ActionContext, type ActionDef, type RegisteredAction } from './registry.js';
import type { VersionRules } from './version-rules.js';
import { compileValidator } from './validation.js';

export type { VersionRules } from './version-rules.js';

/** The lifecycle stages of a served version (management-overview.mdx): `stable` answers carry no lifecycle header. */
export const STAGES = ['stable', 'legacy', 'deprecated'] as const;
export type Stage = (typeof STAGES)[number];

export interface Lifecycle {
  stage: Stage;
  /** When the stage ends (`YYYY-MM-DD`), sent in the `Legacy`/`Deprecation` header; null for a stable version. */
  endDate: string | null;
}

/** How one action of the neighbour differs in a version. */
export interface ActionChange {
  /** The action's name (in the neighbour's table). */
  action: string;
  /** This version's request schema, from the neighbour's (a new object: the neighbour's schema is shared). */
  request?(schema: TObject, rules: VersionRules): TObject;
  /** This version's 200 answer schema, from the neighbour's. */
  response?(schema: TSchema): TSchema;
  /** This version's validated input → the neighbour's input (throw an ApiError to refuse it). */
  toBase?(input: any, ctx: ActionContext<any>): unknown;
  /** The neighbour's answer (parsed) → this version's answer; `input` is this version's. */
  fromBase?(output: any, input: any, ctx: ActionContext<any>): unknown;
  /** Also served by GET, the parameters in the query string (POST with a JSON body stays accepted). */
  get?: boolean;
}

/** A version as changes relative to its neighbour (one module per version in src/versions/). */
export interface VersionChanges {
  /** `3.6`: served under `/v3.6/`. */
  version: string;
  /** The version these changes are relative to. */
  neighbour: string;
  /** The differences from the neighbour, one sentence each (README, `config-api --help`, the OpenAPI document). */
  summary: readonly string[];
  /** Actions this version has and its neighbour lacks, by name (defined in their areas; served when the app has them). */
  added?: readonly string[];
  /** Actions of the neighbour this version lacks. */
  removed?: readonly string[];
  /** Batch endpoints (default: as the neighbour). */
  batches?: boolean;
  /** How actions of the neighbour (or added ones) differ. */
  actions?: readonly ActionChange[];
  /** This version's rules, from the neighbour's (only what differs). */
  rules?(neighbour: VersionRules): Partial<VersionRules>;
}

/** The base version: the areas' action definitions as they are. */
export interface BaseVersion {
  version: string;
  rules: VersionRules;
  /** What the version is, one sentence each (as `VersionChanges.summary`). */
  summary: readonly string[];
}

/** `change` of the action `def`, its translations typed from the definition (exact when the neighbour is the base). */
export function changeOf<S extends TSchema, R extends TSchema>(
  def: ActionDef<S, R, any>,
  change: Omit<ActionChange, 'action' | 'toBase' | 'fromBase'> & {
    toBase?(input: any, ctx: ActionContext<any>): Static<S>;
    fromBase?(output: Static<R>, input: any, ctx: ActionContext<any>): unknown;
  },
): ActionChange {
  return { action: def.name, ...change };
}

/**
 * `schema` with properties replaced, added (a schema) or removed (undefined), keeping its options (additional
 * properties, title). Properties not named are the same schema objects.
 */
export function withProperties(schema: TObject, changes: Record<string, TSchema | undefined>): TObject {
  const properties: Record<string, TSchema> = { ...schema.properties };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete properties[key];
    else properties[key] = value;
  }
  const { additionalProperties, title, description } = schema as TObject & { title?: string; description?: string };
  return Type.Object(properties, {
    ...(additionalProperties !== undefined ? { additionalProperties: additionalProperties as boolean } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(description !== undefined ? { description } : {}),
  });
}

export interface ServedVersion extends Lifecycle {
  /** `3.6` */
  name: string;
  /** The path segment: `v3.6`. */
  path: string;
  /** The version its changes are relative to (null: the base). */
  neighbour: string | null;
  /** Its differences from the neighbour (the base: what it is). */
  summary: readonly string[];
  /** The lifecycle header every answer of the version carries (`Legacy`, `Deprecation`), or null (stable). */
  header: { name: 'Legacy' | 'Deprecation'; value: string } | null;
  rules: VersionRules;
  /** Its actions. */
  registry: Registry;
}

/** Every served version's table, keyed by (version, action). */
export class VersionedRegistry {
  private readonly byName: ReadonlyMap<string, ServedVersion>;

  constructor(
    /** Oldest first. */
    readonly versions: readonly ServedVersion[],
    /** The base version's name (`3.5`). */
    readonly base: string,
  ) {
    this.byName = new Map(versions.map((v) => [v.name, v]));
  }

  /** A served version by name (`3.6`), or undefined. */
  get(version: string): ServedVersion | undefined {
    return this.byName.get(version);
  }

  /** A version's table (throws for a version not served: a programming error). */
  table(version: string): Registry {
    const v = this.byName.get(version);
    if (!v) throw new Error(`API version ${version} is not served`);
    return v.registry;
  }

  /** An action of a version by its URL name (or alias), if the version has it. */
  action(version: string, name: string): RegisteredAction | undefined {
    return this.byName.get(version)?.registry.get(name);
  }

  /** The newest version (the default of the OpenAPI document, the console and the typed client). */
  get newest(): ServedVersion {
    return this.versions[this.versions.length - 1]!;
  }

  /** The rules of a served version (handlers' `ctx.rulesOf`). */
  readonly rulesOf = (version: string): VersionRules | undefined => this.byName.get(version)?.rules;
}

/** `3.10` after `3.9`. */
const versionOrder = (a: string, b: string) => {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am! - bm! || an! - bn!;
};

/** The action of a version that changes it: schemas, translations composed down to the base, its own cache. */
function changed(reg: RegisteredAction, change: ActionChange, version: string, rules: VersionRules): RegisteredAction {
  const schema = change.request ? change.request(reg.schema as TObject, rules) : reg.schema;
  const response = change.response ? change.response(reg.response) : reg.response;
  const down = change.toBase?.bind(change);
  const neighbourToBase = reg.toBase;
  const toBase =
    down && neighbourToBase ? (input: unknown, ctx: ActionContext<any>) => neighbourToBase(down(input, ctx), ctx) : (down ?? neighbourToBase);
  const up = change.fromBase?.bind(change);
  const neighbourFromBase = reg.fromBase;
  const fromBase =
    up && neighbourFromBase
      ? (out: unknown, input: unknown, ctx: ActionContext<any>) => up(neighbourFromBase(out, down ? down(input, ctx) : input, ctx), input, ctx)
      : (up ?? neighbourFromBase);
  return {
    ...reg,
    schema,
    response,
    validate: schema === reg.schema ? reg.validate : compileValidator(schema),
    toBase,
    fromBase,
    cacheName: up ? `${version}:${reg.name}` : reg.cacheName,
    get: change.get ?? reg.get,
  };
}

/**
 * One table per version: the base from `actions` (those no version adds), then each version from its neighbour's, in
 * order. Names in a change list that the app's actions do not have are skipped (an app built without an area serves
 * its versions without that area's actions); test/versions checks that the default app has every name.
 */
export function materialise(
  base: BaseVersion,
  changes: readonly VersionChanges[],
  actions: readonly ActionDef<any, any>[],
  lifecycle: (version: string) => Lifecycle,
): VersionedRegistry {
  const added = new Set(changes.flatMap((c) => c.added ?? []));
  const pool = new Map(actions.map((a) => [a.name, a]));
  const baseTable = new Registry().add(...actions.filter((a) => !added.has(a.name)));
  const built = new Map<string, { rules: VersionRules; registry: Registry; change: VersionChanges | null }>([
    [base.version, { rules: base.rules, registry: baseTable, change: null }],
  ]);
  const pending = [...changes];
  while (pending.length) {
    const i = pending.findIndex((c) => built.has(c.neighbour));
    if (i < 0) throw new Error(`API versions ${pending.map((c) => c.version).join(', ')}: no neighbour to build from`);
    const c = pending.splice(i, 1)[0]!;
    if (built.has(c.version)) throw new Error(`API version ${c.version} defined twice`);
    const from = built.get(c.neighbour)!;
    const rules: VersionRules = { ...from.rules, ...c.rules?.(from.rules) };
    const registry = new Registry({ batches: c.batches ?? from.registry.opts.batches });
    const byAction = new Map((c.actions ?? []).map((a) => [a.action, a]));
    const removed = new Set(c.removed ?? []);
    const put = (reg: RegisteredAction) => {
      const change = byAction.get(reg.name);
      registry.put(change ? changed(reg, change, c.version, rules) : reg);
    };
    for (const reg of from.registry.actions.values()) if (!removed.has(reg.name)) put(reg);
    for (const name of c.added ?? []) {
      const def = pool.get(name);
      if (def) put(registerAction(def));
    }
    built.set(c.version, { rules, registry, change: c });
  }
  const versions = [...built.entries()]
    .sort(([a], [b]) => versionOrder(a, b))
    .map(([name, { rules, registry, change }]): ServedVersion => {
      const { stage, endDate } = lifecycle(name);
      const header = stage === 'stable' || endDate === null ? null : { name: stage === 'legacy' ? ('Legacy' as const) : ('Deprecation' as const), value: endDate };
      return {
        name,
        path: `v${name}`,
        neighbour: change?.neighbour ?? null,
        summary: change?.summary ?? base.summary,
        stage,
        endDate,
        header,
        rules,
        registry,
      };
    });
  return new VersionedRegistry(versions, base.version);
}
