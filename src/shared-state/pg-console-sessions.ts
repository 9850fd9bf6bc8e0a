/**
 * Web console sessions in PostgreSQL (owner of `console_sessions`, migration 0015): the SHA-256 digest of the cookie's
 * token, its expiry and when it was last used, so a session works on every node (behind a round-robin balancer) and
 * across restarts. A console request costs one lookup by primary key; `last_seen_at` is written at most once per
 * LAST_SEEN_EVERY_MS per session. Expired sessions are deleted at each sign-in.
 */
import { sql } from 'kysely';
import { hashSecret } from '../kernel/crypto.js';
import type { Db } from '../store/store.js';
import { newSessionToken, type ConsoleSession, type ConsoleSessions } from './console-sessions.js';

export interface ConsoleSessionsTable {
  token_hash: string;
  expires_at: Date;
  last_seen_at: Date;
}

declare module '../store/schema.js' {
  interface Database {
    console_sessions: ConsoleSessionsTable;
  }
}

/** `last_seen_at` is written when it is older than this. */
export const LAST_SEEN_EVERY_MS = 60_000;

export class PgSessions implements ConsoleSessions {
  constructor(
    private readonly db: Db,
    readonly ttlMs: number,
  ) {}

  async create(): Promise<{ token: string } & ConsoleSession> {
    await sql`DELETE FROM console_sessions WHERE expires_at <= now()`.execute(this.db);
    const { token, digest } = newSessionToken();
    const { rows } = await sql<{ expires_ms: number }>`
      INSERT INTO console_sessions (token_hash, expires_at, last_seen_at)
      VALUES (${digest}, now() + ${this.ttlMs}::bigint * interval '1 millisecond', now())
      RETURNING (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms`.execute(this.db);
    return { token, expires: Number(rows[0]!.expires_ms) };
  }

  async get(token: string): Promise<ConsoleSession | undefined> {
    const digest = hashSecret(token);
    const { rows } = await sql<{ expires_ms: number; seen_ago_ms: number }>`
      SELECT (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms,
             (extract(epoch FROM now() - last_seen_at) * 1000)::bigint AS seen_ago_ms
        FROM console_sessions WHERE token_hash = ${digest} AND expires_at > now()`.execute(this.db);
    const row = rows[0];
    if (!row) return undefined;
    if (row.seen_ago_ms >= LAST_SEEN_EVERY_MS) {
      await sql`UPDATE console_sessions SET last_seen_at = now() WHERE token_hash = ${digest}`.execute(this.db);
    }
    return { expires: Number(row.expires_ms) };
  }

  async delete(token: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('token_hash', '=', hashSecret(token)).execute();
  }
}
