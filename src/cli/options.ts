/**
 * Option value parsers shared by the commands. A bad value is refused by commander as an invalid argument
 * (exit status 1, error type `validation`, the message naming the option).
 */
import { InvalidArgumentError } from 'commander';
import { ALL_SCOPES } from '../kernel/scopes.js';

export function licenceId(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('Expected a licence id (a positive integer).');
  return v;
}

/** `--scopes a,b,…` (commas or spaces) or `all`. */
export function scopeList(raw: string): string[] {
  if (raw === 'all') return [...ALL_SCOPES];
  const scopes = raw.split(/[,\s]+/).filter(Boolean);
  const unknown = scopes.filter((x) => !ALL_SCOPES.includes(x));
  if (unknown.length) throw new InvalidArgumentError(`Unknown scope(s): ${unknown.join(', ')} (see src/kernel/scopes.ts ALL_SCOPES, or use --scopes all).`);
  if (scopes.length === 0) throw new InvalidArgumentError('Expected at least one scope.');
  return scopes;
}

/** A whole number between `min` and `max`. */
export function integerBetween(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidArgumentError(`Expected an integer between ${min} and ${max}.`);
    }
    return v;
  };
}

/** An RFC 3339 date-time, normalised to ISO 8601 UTC. */
export function dateTime(raw: string): string {
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new InvalidArgumentError('Expected an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z.');
  return new Date(t).toISOString();
}
