/**
 * Checking a presented secret (admin token, metrics token) against the configured one in constant time: both sides
 * are hashed first (SHA-256), so the comparison is of equal lengths and leaks neither the length nor a prefix.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** What the configured secret is kept as. */
export const secretDigest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** Does `given` match the secret whose digest is `expected`? */
export const matchesSecret = (given: string, expected: Buffer): boolean => timingSafeEqual(secretDigest(given), expected);

/** Does an `Authorization: Bearer <token>` header carry the secret whose digest is `expected`? */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const m = header ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  return m !== null && matchesSecret(m[1]!.trim(), expected);
}
