/**
 * Response schemas shared by every area, and the shapes derived from an action's own response schema (batch answers,
 * error bodies). Each action declares its 200 answer as `response` in the registry; see registry.ts.
 */
import { FormatRegistry, Type, type TSchema, type TObject, type TArray, type TUnion } from '@sinclair/typebox';
import { ERROR_TYPES, type ErrorType } from './errors.js';

/** `{}`: the answer of every method whose reference shows an empty response. */
export const EmptyResponse = Type.Object({}, { additionalProperties: false, title: 'Empty' });

/** The spec's error body; `type` limited to the given error types (all when omitted). */
export function errorBodySchema(types: readonly ErrorType[] = Object.keys(ERROR_TYPES) as ErrorType[]) {
  return Type.Object(
    {
      error: Type.Object(
        {
          type: Type.Union(types.map((t) => Type.Literal(t))),
          message: Type.String(),
          data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
}

export const ErrorBodySchema = errorBodySchema();

/** A batch answer: `{responses: [...]}`, each item the action's own answer or an error body, in request order. */
export function batchResponseSchema<R extends TSchema>(item: R): TObject<{ responses: TArray<TUnion<[R, typeof ErrorBodySchema]>> }> {
  return Type.Object(
    { responses: Type.Array(Type.Union([item, ErrorBodySchema])) },
    { additionalProperties: false },
  );
}

/** A batch request: `{requests: [...]}` of the action's own request bodies (at most `maxItems`). */
export function batchRequestSchema<S extends TSchema>(item: S, maxItems: number): TObject<{ requests: TArray<S> }> {
  return Type.Object({ requests: Type.Array(item, { maxItems }) }, { additionalProperties: false });
}

/** RFC 3339 date-time, for `format: 'date-time'` in response schemas (TypeBox checks only registered formats). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => RFC3339.test(v));
