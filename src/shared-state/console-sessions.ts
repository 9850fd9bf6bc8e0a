/**
 * Web console sessions: a random token in the browser's cookie, only its SHA-256 digest kept (a leaked store holds no
 * usable session), valid until `ttlMs` after sign-in (CONSOLE_SESSION_TTL_MS). `MemorySessions`: one process
 * (SQLite; a restart signs everyone out). `PgSessions` (pg-console-sessions.ts): in PostgreSQL, valid on every node and
 * across restarts, the Immich pattern (anchors §3).
 */
import { hashSecret, randomSecret } from '../kernel/crypto.js';

export interface ConsoleSession {
  /** Expiry, epoch ms. */
  expires: number;
}

export interface ConsoleSessions {
  readonly ttlMs: number;
  /** A new session: the token for the cookie, and its expiry. */
  create(): Promise<{ token: string } & ConsoleSession>;
  /** The live session of a cookie's token, if any. */
  get(token: string): Promise<ConsoleSession | undefined>;
  /** End the session of a token (sign-out). */
  delete(token: string): Promise<void>;
}

/** A new session token (32 random bytes) and the digest stored for it. */
export function newSessionToken(): { token: string; digest: string } {
  const token = randomSecret(32);
  return { token, digest: hashSecret(token) };
}

/** The sessions of this process: digest → expiry (epoch ms). */
export class MemorySessions implements ConsoleSessions {
  private readonly expiries = new Map<string, number>();

  constructor(readonly ttlMs: number) {}

  async create(): Promise<{ token: string } & ConsoleSession> {
    const now = Date.now();
    for (const [digest, exp] of this.expiries) if (exp <= now) this.expiries.delete(digest);
    const { token, digest } = newSessionToken();
    const expires = now + this.ttlMs;
    this.expiries.set(digest, expires);
    return { token, expires };
  }

  async get(token: string): Promise<ConsoleSession | undefined> {
    const digest = hashSecret(token);
    const expires = this.expiries.get(digest);
    if (expires === undefined) return undefined;
    if (expires > Date.now()) return { expires };
    this.expiries.delete(digest);
    return undefined;
  }

  async delete(token: string): Promise<void> {
    this.expiries.delete(hashSecret(token));
  }
}
