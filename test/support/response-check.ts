/**
 * Every answer the test harness receives is checked against the contract the OpenAPI document of its API version
 * publishes: a 200 against the endpoint's declared response schema in that version's table (the registry's
 * `response`, as the version shapes it, or the derived batch shape),
 * an error against the error body schema and the status of its type (src/kernel/errors.ts). A mismatch fails the
 * test that made the call, naming the action and the first differences.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Registry } from '../../src/kernel/registry.js';
import type { VersionedRegistry } from '../../src/kernel/versions.js';
import { ERROR_TYPES, type ErrorType } from '../../src/kernel/errors.js';
import { ErrorBodySchema } from '../../src/kernel/responses.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

const clip = (v: unknown, n = 120): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > n ? `${s.slice(0, n)}…` : s;
};

/** Null when `value` matches `schema`; otherwise up to five differences, one per line. */
export function schemaMismatch(schema: TSchema, value: unknown): string | null {
  const c = checker(schema);
  if (c.Check(value)) return null;
  const lines: string[] = [];
  for (const e of c.Errors(value)) {
    lines.push(`  at ${e.path || '/'}: ${e.message} (got ${clip(e.value)})`);
    if (lines.length === 5) break;
  }
  return lines.join('\n');
}

/**
 * Throws when an answer breaks the published contract (see the module comment). `version` is the path's (`v3.6`);
 * `registry` every version's tables, or one table, taken for the base version's (v3.5). Unknown actions and versions
 * are not checked.
 */
export function checkAnswer(registry: Registry | VersionedRegistry, version: string, name: string, status: number, body: unknown): void {
  if (status === 200) {
    const table = registry instanceof Registry ? (version === 'v3.5' ? registry : undefined) : registry.get(version.replace(/^v/, ''))?.registry;
    const ep = table?.endpoint(name);
    if (!ep) return;
    const diff = schemaMismatch(ep.response, body);
    if (diff) {
      throw new Error(
        `${name}: the 200 answer (${version}) does not match the response schema declared in the registry (and published in ` +
          `/openapi.json):\n${diff}\nbody: ${clip(body, 600)}`,
      );
    }
    return;
  }
  const type = (body as { error?: { type?: string } } | undefined)?.error?.type;
  const diff = schemaMismatch(ErrorBodySchema, body);
  if (diff) throw new Error(`${name}: the ${status} answer is not the documented error body:\n${diff}\nbody: ${clip(body, 600)}`);
  const expected = ERROR_TYPES[type as ErrorType].status;
  if (expected !== status) throw new Error(`${name}: error type ${type} answered with ${status}, documented as ${expected}`);
}
