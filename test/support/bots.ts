/** Helpers shared by the bots suites (not a test file). */
import type { Harness } from './harness.js';

export const HEX32 = /^[0-9a-f]{32}$/;

/** The bot row as stored (or undefined). */
export function botRow(h: Harness, licenseId: number, id: string) {
  return h.store.db
    .selectFrom('agents')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where('id', '=', id)
    .where('type', '=', 'bot')
    .executeTakeFirst();
}
