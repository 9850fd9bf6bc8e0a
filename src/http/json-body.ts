/**
 * The one body parser: every body is JSON whatever its Content-Type; an empty body means `{}`. Refused with
 * `validation`: bytes that are not UTF-8, malformed JSON, and strings or keys that could not be stored as sent —
 * NUL characters (PostgreSQL text refuses them) and lone surrogates (`"\ud800"`, not well-formed Unicode: each store
 * would replace them differently). The message names the field.
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
  if (SUSPECT_ESCAPE.test(text)) {
    const found = findProblem(value, '');
    if (found) throw new ApiError('validation', describe(found));
  }
  return value;
}
