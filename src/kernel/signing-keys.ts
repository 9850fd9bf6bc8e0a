/**
 * Keys that sign bot tokens. They never live in the database: they come from configuration (`TOKEN_SIGNING_KEY`,
 * several separated by commas) or from a key file (`TOKEN_SIGNING_KEY_FILE`, or, with SQLite only, one generated next
 * to the SQLite file on first start; a PostgreSQL database may be shared by several servers, which must be given one
 * key). The first key signs, every key verifies, so a rotation keeps tokens of the previous key valid
 * until they expire. Each key has an id (`kid` in the JWT header) derived from the key by HMAC: it can be published
 * and stored (the database records the signing key's id to refuse servers configured with another key) without
 * letting anyone verify or mint a token.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SigningKey {
  /** Public id: HMAC-SHA256(key, "config-api key id"), 16 bytes, base64url. */
  kid: string;
  secret: Uint8Array;
}

export const keyId = (secret: string): string =>
  createHmac('sha256', secret).update('config-api key id').digest().subarray(0, 16).toString('base64url');

export class SigningKeys {
  private readonly byKid: Map<string, SigningKey>;
  /** `ephemeral`: made up in memory for this process (never checked against nor recorded in a database). */
  constructor(
    readonly keys: readonly SigningKey[],
    readonly ephemeral = false,
  ) {
    if (keys.length === 0) throw new Error('At least one signing key is needed');
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
  }

  /** The key that signs new tokens. */
  get current(): SigningKey {
    return this.keys[0]!;
  }

  /** The key with this id (current or previous), if this server has it. */
  find(kid: string): SigningKey | undefined {
    return this.byKid.get(kid);
  }

  static fromSecrets(secrets: readonly string[]): SigningKeys {
    return new SigningKeys(secrets.map((s) => ({ kid: keyId(s), secret: new TextEncoder().encode(s) })));
  }

  /** A fresh random key held in memory only (tests, embedding): tokens do not survive the process. */
  static ephemeral(): SigningKeys {
    return new SigningKeys(SigningKeys.fromSecrets([newSecret()]).keys, true);
  }
}

export const newSecret = (): string => randomBytes(32).toString('base64url');

// ---------------------------------------------------------------- key file

interface KeyFileEntry {
  key: string;
  created_at: string;
}
interface KeyFile {
  keys: KeyFileEntry[];
}

export class KeyFileError extends Error {}

function readKeyFile(path: string): KeyFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KeyFileError(`Cannot read the signing key file ${path}: ${(err as Error).message}`);
  }
  const keys = (parsed as KeyFile)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k?.key === 'string' && k.key.length >= 32)) {
    throw new KeyFileError(`The signing key file ${path} must be {"keys":[{"key":"<at least 32 characters>","created_at":"…"},…]}`);
  }
  return { keys };
}

/**
 * Written whole to a temporary file, readable by the owner only, then moved into place: replacing what is there, or
 * (`exclusive`) only if nothing is, so servers starting together on a fresh installation agree on one generated key.
 */
function writeKeyFile(path: string, file: KeyFile, exclusive = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  if (!exclusive) return renameSync(tmp, path);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

export interface KeySource {
  /** Keys given directly (TOKEN_SIGNING_KEY), first signs; null to use the file. */
  keys: readonly string[] | null;
  file: string;
  /** The file was named explicitly: it must exist (it is never generated). */
  fileConfigured: boolean;
  /**
   * The database may be shared by several servers (PostgreSQL): they must all sign with one key, so a key is never
   * generated (each server would make its own); TOKEN_SIGNING_KEY or TOKEN_SIGNING_KEY_FILE must name it.
   */
  shared: boolean;
}

/** Why a server of a database several servers may share does not start without a configured key, and what to do. */
export const SHARED_KEY_NEEDED =
  'DATABASE_URL names PostgreSQL, which several servers may share, and no bot-token signing key is configured. ' +
  'Every server of one database must sign with the same key, so none is generated: give every server the same ' +
  'TOKEN_SIGNING_KEY (at least 32 characters, e.g. `openssl rand -base64 32`, or the one `config-api keys rotate` ' +
  'prints), or TOKEN_SIGNING_KEY_FILE naming a copy of the same key file on every server.';

/**
 * The keys this configuration names, reading only: null when there are none yet and the key file is to be generated
 * (`generateKeyFile`; a SQLite server's first start). A missing configured file, a bad file, or no key for a shared
 * database (PostgreSQL) is a KeyFileError saying what to do.
 */
export function readSigningKeys(src: KeySource): SigningKeys | null {
  if (src.keys) return SigningKeys.fromSecrets(src.keys);
  if (src.shared && !src.fileConfigured) throw new KeyFileError(SHARED_KEY_NEEDED);
  if (!existsSync(src.file)) {
    if (src.fileConfigured) throw new KeyFileError(`TOKEN_SIGNING_KEY_FILE ${src.file} does not exist (create it with config-api keys rotate)`);
    return null;
  }
  return SigningKeys.fromSecrets(readKeyFile(src.file).keys.map((k) => k.key));
}

/**
 * A key file with one new key, unless another process made one first (servers starting together on a fresh
 * installation then agree on its key); the keys it holds.
 */
export function generateKeyFile(file: string): SigningKeys {
  try {
    writeKeyFile(file, { keys: [{ key: newSecret(), created_at: new Date().toISOString() }] }, true);
  } catch (err) {
    throw new KeyFileError(`Cannot write the signing key file ${file}: ${(err as Error).message} (or set TOKEN_SIGNING_KEY or TOKEN_SIGNING_KEY_FILE)`);
  }
  return SigningKeys.fromSecrets(readKeyFile(file).keys.map((k) => k.key));
}

/**
 * The keys of this server: from configuration, else from the key file, generated (one key) when it does not exist
 * and was neither named explicitly nor is for a shared database. `generated` tells the caller to log where the new
 * key went.
 */
export function loadSigningKeys(src: KeySource): { keys: SigningKeys; generated: boolean } {
  const keys = readSigningKeys(src);
  return keys ? { keys, generated: false } : { keys: generateKeyFile(src.file), generated: true };
}

/**
 * Rotation: a new key in front of the file's keys (it signs from the next start of each server); previous keys stay
 * to verify tokens they signed, and are dropped once their successor is older than `retainMs` (the token lifetime:
 * nothing they signed is still valid).
 */
export function rotateKeyFile(path: string, retainMs: number, now = new Date()): { kid: string; kept: string[]; dropped: string[] } {
  const old = existsSync(path) ? readKeyFile(path).keys : [];
  const entry = { key: newSecret(), created_at: now.toISOString() };
  const keys: KeyFileEntry[] = [entry];
  const dropped: string[] = [];
  for (const [i, k] of old.entries()) {
    const successor = i === 0 ? entry : old[i - 1]!;
    if (now.getTime() - Date.parse(successor.created_at) > retainMs) dropped.push(keyId(k.key));
    else keys.push(k);
  }
  writeKeyFile(path, { keys });
  return { kid: keyId(entry.key), kept: keys.slice(1).map((k) => keyId(k.key)), dropped };
}
