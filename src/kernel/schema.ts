/** Schema helpers shared by every area. */
import { Type, type TSchema } from '@sinclair/typebox';

/** A string enum as a union of literals (TypeBox), typed as the union of the values. */
export const literalUnion = <const T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), opts) as TSchema);

/** Control characters (Unicode category Cc: C0 controls, DEL, C1 controls), refused in identifiers. */
export const CONTROL_CHARS = /[\x00-\x1F\x7F-\x9F]/;
/** JSON-schema pattern of a string without control characters (see `identifier`). */
export const NO_CONTROL_CHARS = '^[^\\x00-\\x1F\\x7F-\\x9F]*$';

/**
 * A string naming something (an id, a tag or property name, a namespace, a client id, a URL): control characters
 * are refused with `validation` ("`x` must not contain control characters"), as the identifier rules in
 * docs/decisions.md say. Display texts (names of agents, groups and bots, descriptions) may hold any character.
 */
export const identifier = (opts: { minLength?: number; maxLength?: number } = {}) =>
  Type.String({ ...opts, pattern: NO_CONTROL_CHARS });

/** A map keyed by identifiers: the first key holding a control character, if any. */
export function controlCharKey(map: Record<string, unknown>): string | undefined {
  return Object.keys(map).find((k) => CONTROL_CHARS.test(k));
}
