/** Rules of the bots area: which bots are a caller's own, who owns what a call creates, bot secrets and time zones. */
import { ApiError } from '../kernel/errors.js';
import { randomHexId } from '../kernel/crypto.js';
import type { Caller } from '../kernel/registry.js';
import type { AgentRow } from '../agents/repo.js';
import { isTimeZone, type WorkScheduler } from '../agents/schemas.js';

/** How a bot came to be: decides list_bots `all:false` and the "my" reach. */
export type CreatedVia = 'app' | 'pat' | 'template';

/**
 * "My" bots of a caller (the `--my` reach and list_bots `all:false`):
 * a bot token (or an access token of a bot account) → the bot itself; a PAT → bots created with PAT authorization;
 * a Bearer token → bots created via an app (create_bot with a Bearer token, or a template) owned by the token's client id.
 */
export function isMyBot(caller: Caller, row: AgentRow): boolean {
  if (caller.agentType === 'bot') return row.id === caller.agentId;
  if (caller.kind === 'pat') return row.created_via === 'pat';
  return caller.clientId !== null && row.owner_client_id === caller.clientId && row.created_via !== 'pat';
}

/**
 * The client id acting as owner: `owner_client_id` when given, else the Bearer token's client id.
 * Required with a PAT (and with a token that is not bound to an application).
 */
export function ownerClientOf(caller: Caller, ownerClientId: string | undefined): string {
  if (ownerClientId !== undefined) return ownerClientId;
  if (caller.kind === 'pat') {
    throw new ApiError('validation', '`owner_client_id` is required when authorizing with a Personal Access Token');
  }
  if (!caller.clientId) {
    throw new ApiError('validation', '`owner_client_id` is required: the access token is not bound to an application');
  }
  return caller.clientId;
}

/** A new bot or template secret: 32 hex characters, shown once, stored as its hash. */
export const newBotSecret = (): string => randomHexId(16);

/**
 * Top-level `timezone` is the work scheduler's time zone: it must be an IANA zone ("" clears it) and may not differ
 * from `work_scheduler.timezone` when both are given (`validation`).
 */
export function checkTimezoneParam(input: { timezone?: string; work_scheduler?: WorkScheduler }): void {
  const tz = input.timezone;
  if (tz === undefined) return;
  if (tz !== '' && !isTimeZone(tz)) throw new ApiError('validation', '`timezone` should be a valid IANA time zone');
  const wsTz = input.work_scheduler?.timezone;
  if (wsTz !== undefined && wsTz !== tz) {
    throw new ApiError('validation', '`timezone` and `work_scheduler.timezone` should not differ');
  }
}

/** The work scheduler a request sets: `work_scheduler` with `timezone` folded in, or `base` with the new zone. */
export function requestedScheduler(
  input: { timezone?: string; work_scheduler?: WorkScheduler },
  base: () => WorkScheduler,
): WorkScheduler | undefined {
  if (input.timezone === undefined) return input.work_scheduler;
  return { ...(input.work_scheduler ?? base()), timezone: input.timezone };
}
