/** Secrets (access tokens, PATs, bot secrets) are random, shown once, and stored only as SHA-256 hashes. */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const randomSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');
export const randomHexId = (bytes = 16): string => randomBytes(bytes).toString('hex');
export const uuid = (): string => randomUUID();
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function secretMatches(secret: string, hash: string | null | undefined): boolean {
  if (!hash) return false;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
