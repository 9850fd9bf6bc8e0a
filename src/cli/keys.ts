/**
 * Bot-token signing keys (see src/kernel/signing-keys.ts):
 *   config-api keys status   this configuration's key ids and the one the database records
 *   config-api keys rotate   a new signing key in the key file; previous keys keep verifying until their tokens expire
 *   config-api keys adopt    record this configuration's key in the database (after a key was lost for good)
 * Key material is never printed, except the new key `rotate` generates when the keys come from TOKEN_SIGNING_KEY
 * (it cannot write the environment: the operator puts the printed key first in TOKEN_SIGNING_KEY).
 */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { ApiError } from '../kernel/errors.js';
import { KeyFileError, keyId, loadSigningKeys, newSecret, rotateKeyFile } from '../kernel/signing-keys.js';
import { BOT_TOKEN_TTL_SECONDS, SigningKeyMismatch, checkSigningKey, recordedSigningKid } from '../bots/token.js';

/** Key problems are the operator's to fix: report them as a command error, not a crash. */
async function keyCommand<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KeyFileError || err instanceof SigningKeyMismatch) throw new ApiError('validation', err.message);
    throw err;
  }
}

type Output = { json: unknown; text: string };
type WithStore = <T>(fn: (store: Store) => Promise<T>) => Promise<T>;

/** The work of `config-api keys <verb>` (wired in src/cli/commands/keys.ts). */
export const keysCommands: Record<'status' | 'rotate' | 'adopt', (config: Config, withStore: WithStore) => Promise<Output>> = {
  async status(config, withStore) {
    return keyCommand(async () => {
      const { keys } = loadSigningKeys(config.signingKeys);
      const recorded = await withStore((s) => recordedSigningKid(s));
      const source = config.signingKeys.keys ? 'TOKEN_SIGNING_KEY' : config.signingKeys.file;
      const json = { source, current: keys.current.kid, kids: keys.keys.map((k) => k.kid), database: recorded };
      const agree = recorded === null || keys.find(recorded) !== undefined;
      return {
        json,
        text: `Signing key ${json.current} (from ${source}; verifies ${json.kids.join(', ')}); database records ${recorded ?? 'none'}${agree ? '' : ' — MISMATCH: servers with this configuration will not start'}`,
      };
    });
  },
  async rotate(config) {
    return keyCommand(async () => {
      // Keys from the environment, or none yet for a database servers share (PostgreSQL): a key to put in the environment.
      const { keys: configured, shared, fileConfigured } = config.signingKeys;
      if (configured || (shared && !fileConfigured)) {
        const key = newSecret();
        const value = [key, ...(configured ?? [])].join(',');
        return {
          json: { kid: keyId(key), key, instructions: 'Put the new key first in TOKEN_SIGNING_KEY on every server, keep the previous ones for 24 h, restart' },
          text: `New key ${keyId(key)}. Set on every server, then restart them:\nTOKEN_SIGNING_KEY=${value}\nDrop the previous key(s) after 24 h (bot tokens live 24 h).`,
        };
      }
      // Only the file changes: each server records the new key in the database when it starts with it (its previous
      // key, still in the file, is the recorded one), after which servers without the new key are refused.
      const out = rotateKeyFile(config.signingKeys.file, BOT_TOKEN_TTL_SECONDS * 1000);
      return {
        json: { file: config.signingKeys.file, ...out },
        text: `New signing key ${out.kid} in ${config.signingKeys.file} (kept: ${out.kept.join(', ') || 'none'}; dropped: ${out.dropped.join(', ') || 'none'}). Copy the file to every server sharing the database and restart them.`,
      };
    });
  },
  async adopt(config, withStore) {
    return keyCommand(async () => {
      const { keys } = loadSigningKeys(config.signingKeys);
      await withStore((s) => checkSigningKey(s, keys, true));
      return { json: { database: keys.current.kid }, text: `The database now records signing key ${keys.current.kid}` };
    });
  },
};


