/**
 * Request validation from TypeBox schemas, compiled once per action.
 * Errors become the spec's `validation` error with a message naming the field, e.g. "`id` is required".
 */
import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { ApiError } from './errors.js';
import { IDENTIFIER_PATTERN, refusedCharacters } from './schema.js';

/** `/groups/0/id` → `groups[0].id` */
export function fieldName(path: string): string {
  let out = '';
  for (const part of path.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

function typeName(schema: TSchema): string {
  const t = (schema as { type?: unknown }).type;
  if (t === 'integer') return 'int';
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'bool';
  if (typeof t === 'string') return t;
  return 'valid';
}

function literalValues(schema: TSchema): unknown[] | null {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf) return null;
  const values = anyOf.map((s) => (s as { const?: unknown }).const);
  return values.every((v) => v !== undefined) ? values : null;
}

export function describeError(e: ValueError): string {
  const field = fieldName(e.path);
  const f = field ? `\`${field}\`` : 'request body';
  const custom = (e.schema as { errorMessage?: string }).errorMessage;
  if (custom && e.type !== ValueErrorType.ObjectRequiredProperty) return `${f} ${custom}`;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${f} is required`;
    case ValueErrorType.ObjectAdditionalProperties:
      return `${f} is not a supported parameter`;
    case ValueErrorType.Union: {
      const values = literalValues(e.schema);
      if (values) return `${f} should be one of: ${values.map((v) => JSON.stringify(v)).join(', ')}`;
      return `${f} has an invalid value`;
    }
    case ValueErrorType.Literal:
      return `${f} should be ${JSON.stringify((e.schema as { const?: unknown }).const)}`;
    case ValueErrorType.StringMaxLength:
      return `${f} should be at most ${(e.schema as { maxLength?: number }).maxLength} characters long`;
    case ValueErrorType.StringMinLength:
      return `${f} should not be empty`;
    case ValueErrorType.StringPattern:
      if ((e.schema as { pattern?: string }).pattern === IDENTIFIER_PATTERN) {
        return `${f} must not contain ${(typeof e.value === 'string' && refusedCharacters(e.value)) || 'control characters'}`;
      }
      return `${f} has an invalid format`;
    case ValueErrorType.StringFormat:
      return `${f} has an invalid format`;
    case ValueErrorType.ArrayMinItems:
      return `${f} should have at least ${(e.schema as { minItems?: number }).minItems} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `${f} should have at most ${(e.schema as { maxItems?: number }).maxItems} item(s)`;
    case ValueErrorType.ArrayUniqueItems:
      return `${f} should not contain duplicates`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `${f} should be at most ${(e.schema as { maximum?: number }).maximum}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `${f} should be at least ${(e.schema as { minimum?: number }).minimum}`;
    case ValueErrorType.ObjectMinProperties:
      return `${f} should not be empty`;
    case ValueErrorType.ObjectMaxProperties:
      return `${f} should have at most ${(e.schema as { maxProperties?: number }).maxProperties} entries`;
    default:
      return `${f} should be ${typeName(e.schema)}`;
  }
}

export interface Validator<T> {
  (value: unknown): T;
  schema: TSchema;
}

/** Storage bounds: integers are int32 columns in both dialects; lists and maps stay below SQL parameter limits. */
export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;
export const MAX_COLLECTION = 5000;

/**
 * Give every integer without explicit bounds the int32 range, and every array or map without an explicit size a
 * cap, so odd input is a `validation` error on both stores instead of a database overflow.
 */
export function applyStorageBounds(schema: unknown, seen = new Set<unknown>()): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  const s = schema as Record<string, unknown>;
  if (s.type === 'integer') {
    if (s.maximum === undefined && s.exclusiveMaximum === undefined) s.maximum = INT32_MAX;
    if (s.minimum === undefined && s.exclusiveMinimum === undefined) s.minimum = INT32_MIN;
  }
  if (s.type === 'array' && s.maxItems === undefined) s.maxItems = MAX_COLLECTION;
  if (s.type === 'object' && s.patternProperties && s.maxProperties === undefined) s.maxProperties = MAX_COLLECTION;
  for (const key of ['items', 'additionalProperties', 'not']) applyStorageBounds(s[key], seen);
  for (const key of ['properties', 'patternProperties']) {
    const m = s[key];
    if (m && typeof m === 'object') for (const v of Object.values(m)) applyStorageBounds(v, seen);
  }
  for (const key of ['anyOf', 'allOf', 'oneOf']) {
    const list = s[key];
    if (Array.isArray(list)) for (const v of list) applyStorageBounds(v, seen);
  }
}

/**
 * A function that returns the typed value or throws `validation`. The schema gets its storage bounds now (the OpenAPI
 * document shows them); it is compiled on the first call, so an app does not compile every action's schema at start.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  applyStorageBounds(schema);
  let check: TypeCheck<S> | undefined;
  const fn = ((value: unknown) => {
    check ??= TypeCompiler.Compile(schema);
    if (check.Check(value)) return value as Static<S>;
    const first = check.Errors(value).First();
    throw new ApiError('validation', first ? describeError(first) : undefined);
  }) as Validator<Static<S>>;
  fn.schema = schema;
  return fn;
}
