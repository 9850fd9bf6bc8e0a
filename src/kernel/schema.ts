/** Schema helpers shared by every area. */
import { Type, type TSchema } from '@sinclair/typebox';

/** A string enum as a union of literals (TypeBox), typed as the union of the values. */
export const literalUnion = <const T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), opts) as TSchema);

/**
 * What identifiers refuse, as the body of a regex character class: control characters (Unicode category Cc: C0
 * controls, DEL, C1 controls) and the noncharacters of the Basic Multilingual Plane (U+FDD0–U+FDEF, U+FFFE, U+FFFF).
 */
export const REFUSED_CHARS = '\\x00-\\x1F\\x7F-\\x9F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF';

/**
 * The noncharacters of the other planes (U+1FFFE, U+1FFFF, … U+10FFFE, U+10FFFF) as alternatives of UTF-16
 * surrogate pairs. Each is written as two consecutive `\u` escapes, which a regex reads as the pair with or without
 * the `u` flag (a character class of surrogates would not): TypeBox compiles patterns without it, JSON Schema
 * validators reading the OpenAPI document often with it.
 */
const ASTRAL_NONCHARACTERS = Array.from({ length: 16 }, (_, plane) => {
  const high = (0xd83f + plane * 0x40).toString(16).toUpperCase(); // the high surrogate of U+(plane+1)FFxx
  return `\\u${high}\\uDFFE|\\u${high}\\uDFFF`;
}).join('|');

/** A lookahead for the start of a pattern: no noncharacter of the other planes anywhere in the string. */
export const NO_ASTRAL_NONCHARACTERS = `(?![\\s\\S]*(?:${ASTRAL_NONCHARACTERS}))`;

/** JSON-schema pattern of an identifier: no control characters, no noncharacters (see `identifier`). */
export const IDENTIFIER_PATTERN = `^${NO_ASTRAL_NONCHARACTERS}[^${REFUSED_CHARS}]*$`;

const CONTROL_CHARS = /[\x00-\x1F\x7F-\x9F]/;
const REFUSED_IN_IDENTIFIERS = new RegExp(`[${REFUSED_CHARS}]|${ASTRAL_NONCHARACTERS}`);

/** Why `s` is not an identifier (what it contains that identifiers refuse), or null when it may be one. */
export function refusedCharacters(s: string): 'control characters' | 'Unicode noncharacters' | null {
  if (!REFUSED_IN_IDENTIFIERS.test(s)) return null;
  return CONTROL_CHARS.test(s) ? 'control characters' : 'Unicode noncharacters';
}

/**
 * A string naming something (an id, a tag or property name, a namespace, a client id, a URL): control characters
 * and Unicode noncharacters are refused with `validation` ("`x` must not contain control characters"), as the
 * identifier rules in docs/decisions.md say. Display texts (names of agents, groups and bots, descriptions) may hold
 * any character.
 */
export const identifier = (opts: { minLength?: number; maxLength?: number } = {}) =>
  Type.String({ ...opts, pattern: IDENTIFIER_PATTERN });

/** A map keyed by identifiers: its first key holding what identifiers refuse, and what that is; null if none. */
export function refusedKey(map: Record<string, unknown>): { key: string; refused: 'control characters' | 'Unicode noncharacters' } | null {
  for (const key of Object.keys(map)) {
    const refused = refusedCharacters(key);
    if (refused) return { key, refused };
  }
  return null;
}
