/**
 * Customer bans as the platform's chat agents make them (the Agent Chat API, not part of this server): the
 * provisioning function that stores one, for the control plane (`POST /admin/licenses/{license_id}/bans`, to come)
 * and tests, and what unban_customer and the ban both need (exactly one of `ip`/`customer_id`, IP addresses).
 */
import { isIP } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { normalizeRfc3339, microsecondTimestamp } from '../kernel/rfc3339.js';
import { identifier } from '../kernel/schema.js';
import { compileValidator, type Validator } from '../kernel/validation.js';
import type { Tx } from '../store/transaction.js';
import { findAgentColumns } from '../agents/repo.js';
import { findLicense } from '../tenancy/licenses.js';
import { banView, insertBan, pruneEndedBans, type BanTarget, type CustomerBan } from './repo.js';

/** One ban as listed (examples/responses/bans/listCustomerBans.json) and as `createCustomerBan` answers it. */
export const CustomerBanView = Type.Object(
  {
    ip: Type.Optional(Type.String()),
    customer_id: Type.Optional(Type.String()),
    agent_id: Type.Optional(Type.String()),
    thread_id: Type.Optional(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false, title: 'CustomerBan' },
);

/** An IPv4 or IPv6 address (no zone id); its form is checked by `ipKey`. */
export const IpAddress = Type.String({ minLength: 1, maxLength: 45 });
export const CustomerId = identifier({ minLength: 1, maxLength: 255 });

/** A new ban: exactly one of `ip`/`customer_id`; `agent_id` (who banned) an agent or bot of the licence. */
export const NewCustomerBan = Type.Object(
  {
    ip: Type.Optional(IpAddress),
    customer_id: Type.Optional(CustomerId),
    agent_id: Type.Optional(identifier({ minLength: 1 })),
    thread_id: Type.Optional(identifier({ minLength: 1, maxLength: 255 })),
    expires_at: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, title: 'NewCustomerBan' },
);
export type NewCustomerBanInput = Static<typeof NewCustomerBan>;

/**
 * The canonical form of an IP address (what bans are matched on: `2001:DB8:0::1` and `2001:db8::1` are one
 * address), or `validation` naming `field`.
 */
export function ipKey(ip: string, field = 'ip'): string {
  const version = ip.includes('%') ? 0 : isIP(ip);
  if (version === 4) return ip;
  if (version === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  throw new ApiError('validation', `\`${field}\` should be an IPv4 or IPv6 address`);
}

/** Who a ban or an unban names: exactly one of `ip` and `customer_id`. */
export function banTarget(input: { ip?: string; customer_id?: string }): BanTarget {
  if ((input.ip === undefined) === (input.customer_id === undefined)) {
    throw new ApiError('validation', 'Exactly one of `ip` and `customer_id` is required');
  }
  return input.ip !== undefined ? { ipKey: ipKey(input.ip) } : { customerId: input.customer_id! };
}

/** Now, in the bans' time format. */
export const banClock = (): string => microsecondTimestamp();

let validate: Validator<NewCustomerBanInput> | undefined;

/**
 * Store a ban on the licence, as a chat agent's ban on the platform would be (in the caller's transaction). Input is
 * validated here (it comes from outside the API): `validation` for a bad field, `not_found` for an unknown licence or
 * agent. `expires_at` may be past (a ban that has ended: stored, never listed); without it the ban never ends.
 * Bans that have ended are forgotten first. Returns the ban as list_customer_bans shows it.
 */
export async function createCustomerBan(tx: Tx, licenseId: number, body: unknown): Promise<CustomerBan> {
  const trx = tx.db;
  validate ??= compileValidator(NewCustomerBan);
  const input = validate(body);
  const target = banTarget(input);
  let expiresAt: string | null = null;
  if (input.expires_at !== undefined) {
    expiresAt = normalizeRfc3339(input.expires_at);
    if (expiresAt === null) throw new ApiError('validation', '`expires_at` should be an RFC 3339 date-time, e.g. 2025-08-14T06:51:43Z');
  }
  if (!(await findLicense(trx, licenseId))) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  let agentId: string | null = null;
  if (input.agent_id !== undefined) {
    const agent = await findAgentColumns(trx, licenseId, input.agent_id, ['id']);
    if (!agent) throw new ApiError('not_found', `Agent ${input.agent_id} not found on licence ${licenseId}`);
    agentId = agent.id;
  }
  await pruneEndedBans(trx, licenseId, banClock());
  const row = {
    license_id: licenseId,
    id: randomUUID(),
    ip: input.ip ?? null,
    ip_key: 'ipKey' in target ? target.ipKey : null,
    customer_id: input.customer_id ?? null,
    agent_id: agentId,
    thread_id: input.thread_id ?? null,
    created_at: microsecondTimestamp(tx.clock.next()),
    expires_at: expiresAt,
  };
  await insertBan(trx, row);
  return banView(row);
}
