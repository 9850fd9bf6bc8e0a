/**
 * The one body parser: every body is JSON whatever its Content-Type; an empty body means `{}`. Refused with
 * `validation`: bytes that are not UTF-8, malformed JSON, and strings or keys that could not be stored as sent —
 * NUL characters (PostgreSQL text refuses them) and lone surrogates (`"\ud800"`, not well-formed Unicode: each store
 * would replace them differently). The message names the field.
 * Bodies nested deeper than `MAX_BODY_DEPTH` levels of objects and arrays are refused too, before anything walks
 * them: the checks here, TypeBox's validators (`uniqueItems` compares items deeply) and `JSON.stringify` all recurse,
 * and a 1 MB body can nest half a million levels deep (a stack overflow: a 500 instead of `validation`).
 *
 * Cost: raw text can only hold NULs or lone surrogates through `\u` escapes (JSON forbids raw control characters,
 * and valid UTF-8 cannot encode surrogates), so the parsed value is walked only when the text contains such an
 * escape.
 */
import { isUtf8 } from 'node:buffer';
import { ApiError } from '../kernel/errors.js';

declare global {
  interface String {
    isWellFormed(): boolean;
  }
}

/**
 * The deepest nesting of objects and arrays a body may have (the body itself is level 1). The deepest request the API
 * defines is a batch item's work scheduler entry, level 6 (`{requests: [{work_scheduler: {schedule: [{…}]}}]}`).
 */
export const MAX_BODY_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether the objects and arrays of `text`, valid JSON, nest deeper than `max` levels: one pass over the text without
 * building anything; strings are skipped (brackets inside them are not structure).
 */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // to the closing quote: the next one not escaped (preceded by an even number of backslashes)
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

type Problem = 'nul' | 'surrogate';
const problemOf = (s: string): Problem | null => (s.includes('\0') ? 'nul' : s.isWellFormed() ? null : 'surrogate');

/** `groups[0].id` style, as validation messages name fields. */
const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** The first string or key (depth first) that cannot be stored, with where it is. */
function findProblem(v: unknown, path: string): { problem: Problem; path: string; key: boolean } | null {
  if (typeof v === 'string') {
    const problem = problemOf(v);
    return problem ? { problem, path, key: false } : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = findProblem(v[i], join(path, i));
      if (found) return found;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const problem = problemOf(k);
      if (problem) return { problem, path, key: true };
      const found = findProblem(x, join(path, k));
      if (found) return found;
    }
  }
  return null;
}

function describe(found: { problem: Problem; path: string; key: boolean }): string {
  const where = found.key
    ? `A key of ${found.path ? `\`${found.path}\`` : 'the request body'}`
    : found.path
      ? `\`${found.path}\``
      : 'The request body';
  return found.problem === 'nul'
    ? `${where} must not contain NUL (\\u0000) characters`
    : `${where} is not well-formed Unicode (it contains a lone surrogate escape such as \\ud800)`;
}

/** Parse a request body or throw `validation`. */
export function parseJsonBody(raw: Buffer | string): unknown {
  if (typeof raw !== 'string' && !isUtf8(raw)) throw new ApiError('validation', 'The request body is not valid UTF-8');
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('validation', 'Malformed JSON in request body');
  }
  if (typeof value === 'object' && value !== null && nestedDeeperThan(text, MAX_BODY_DEPTH)) {
    throw new ApiError('validation', `The request body is nested too deeply (more than ${MAX_BODY_DEPTH} levels of objects and arrays)`);
  }
  if (SUSPECT_ESCAPE.test(text)) {
    const found = findProblem(value, '');
    if (found) throw new ApiError('validation', describe(found));
  }
  return value;
}
