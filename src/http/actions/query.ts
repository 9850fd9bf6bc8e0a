/**
 * The input of an action called by GET (a version's `get` actions, kernel/versions.ts): its query string, read as the
 * JSON body a POST would send. Query values are strings; each is read as its parameter's schema says: integers and
 * numbers (base-10 digits only; anything else stays a string and fails validation as a wrong type), booleans
 * (`true`/`false`), arrays (`a=1&a=2` or axios' `a[]=1&a[]=2`), objects (JSON, as axios encodes them). Names the
 * schema does not know are kept, so validation refuses them as unknown parameters.
 */
import type { TSchema } from '@sinclair/typebox';

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function typeOf(schema: TSchema | undefined): string | undefined {
  const t = (schema as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : undefined;
}

function read(value: string, schema: TSchema | undefined): unknown {
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'object':
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/** The query object Fastify parsed (`name → string | string[]`) as the action's input. */
export function queryInput(schema: TSchema, query: unknown): Record<string, unknown> {
  const properties = ((schema as { properties?: Record<string, TSchema> }).properties ?? {}) as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [raw, value] of Object.entries(query as Record<string, unknown>)) {
    const name = raw.endsWith('[]') ? raw.slice(0, -2) : raw;
    const prop = properties[name];
    if (typeOf(prop) === 'array') {
      const items = (prop as { items?: TSchema }).items;
      out[name] = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? read(v, items) : v));
    } else {
      out[name] = typeof value === 'string' ? read(value, prop) : value;
    }
  }
  return out;
}
