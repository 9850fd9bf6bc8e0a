/**
 * Secrets and random identifiers, with one naming: a secret is made random (`randomSecret`), kept only as its hash
 * (`hashSecret`: SHA-256, hex) — access tokens, PATs and bot secrets in the database, the admin and metrics tokens in
 * memory — and a presented secret is checked against that hash in constant time (`secretMatches`, `bearerMatches`).
 * Comparing hashes of equal length leaks neither the secret's length nor a prefix.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A new secret (access token, PAT): `bytes` random bytes, base64url. */
export const randomSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');
/** A random identifier (bot, template, rule, webhook ids; bot secrets): `bytes` random bytes, lowercase hex. */
export const randomHexId = (bytes = 16): string => randomBytes(bytes).toString('hex');
export const uuid = (): string => randomUUID();

/** What a secret is kept as: its SHA-256 hash, hex. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Does `secret` have the hash `hash` (constant time; false without a hash)? */
export function secretMatches(secret: string, hash: string | null | undefined): boolean {
  if (!hash) return false;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Does an `Authorization: Bearer <secret>` header carry the secret whose hash is `hash`? */
export function bearerMatches(header: string | undefined, hash: string): boolean {
  const m = header ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  return m !== null && secretMatches(m[1]!.trim(), hash);
}
