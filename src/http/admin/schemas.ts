/**
 * The control plane's request and answer schemas (TypeBox): routes declare them, Fastify validates requests against
 * them and types `req.body`/`req.query`/`req.params` from them (type provider), and the OpenAPI document shows them.
 */
import { Type } from '@sinclair/typebox';
import { ERROR_TYPES } from '../../kernel/errors.js';
import { LicenseId, Nullable } from '../schemas.js';
import { PLANS } from '../../tenancy/licenses.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../webhooks/tables.js';

// "all" first: the validator coerces a lone string into an array when trying the array schema first.
export const Scopes = Type.Union([Type.Literal('all'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
  description: 'Scopes (see README), or "all"',
});
export const ErrorTypeSchema = Type.Unsafe<keyof typeof ERROR_TYPES>({ type: 'string', enum: Object.keys(ERROR_TYPES) });

export const BootstrapBody = Type.Object(
  {
    region: Type.Optional(Type.Union([Type.Literal('dal'), Type.Literal('fra')], { description: "Default: the server's REGION" })),
    owner_email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
    owner_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    organization_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    plan: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...PLANS] })),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    source_id: Type.Optional(Type.String({ maxLength: 200 })),
    source_type: Type.Optional(Type.String({ maxLength: 200 })),
    source_url: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const BootstrapResponse = Type.Object({
  organization_id: Type.String(),
  license_id: Type.Integer(),
  region: Type.String(),
  owner: Type.Object({ id: Type.String(), account_id: Type.String() }),
  client_id: Type.String(),
  bearer_token: Type.String(),
  pat: Type.String(),
  basic_auth: Type.String(),
});
export const ApplicationBody = Type.Object(
  { organization_id: Type.String({ minLength: 1 }), license_id: Type.Optional(LicenseId), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
export const TokenBody = Type.Object(
  {
    license_id: LicenseId,
    agent_id: Type.String({ minLength: 1 }),
    client_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    scopes: Scopes,
    ttl_s: Type.Optional(Type.Integer({ minimum: 1, description: 'Lifetime in seconds (default: no expiry)' })),
  },
  { additionalProperties: false },
);
export const PatBody = Type.Object({ license_id: LicenseId, agent_id: Type.String({ minLength: 1 }), scopes: Scopes }, { additionalProperties: false });
export const License = Type.Object({
  id: Type.Integer(),
  organization_id: Type.String(),
  organization_name: Type.String(),
  region: Type.String(),
  plan: Type.String(),
  expires_at: Nullable(Type.String()),
  created_at: Type.String(),
});
export const PatchLicenseBody = Type.Object(
  {
    plan: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...PLANS] })),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: false },
);
export const Snapshot = Type.Object({
  snapshot_id: Type.String(),
  license_id: Type.Integer(),
  name: Nullable(Type.String()),
  created_at: Type.String(),
});
export const Delivery = Type.Object({
  id: Type.String(),
  webhook_id: Type.String(),
  url: Nullable(Type.String()),
  license_id: Type.Integer(),
  event_id: Type.String(),
  action: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  body: Type.Unknown({ description: 'The JSON body POSTed to the webhook (null once the webhook is unregistered)' }),
  last_status: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
  next_attempt_at: Type.String(),
  retried_at: Nullable(Type.String()),
  delivered_at: Nullable(Type.String()),
  updated_at: Type.String(),
});
export const JournalEntrySchema = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  request_id: Type.String(),
  action: Type.String(),
  version: Type.String(),
  caller_kind: Nullable(Type.String()),
  license_id: Nullable(Type.Integer()),
  agent_id: Nullable(Type.String()),
  status: Type.Integer(),
  error_type: Nullable(Type.String()),
  duration_ms: Type.Number(),
  request_body: Type.Optional(Type.Unknown()),
  response_body: Type.Optional(Type.Unknown()),
});
export const FaultRuleSchema = Type.Object(
  {
    action: Type.String({ minLength: 1, description: 'Action or batch endpoint name, or "*"' }),
    license_id: Type.Optional(LicenseId),
    error: Type.Optional(ErrorTypeSchema),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    retry_after_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
    count: Type.Optional(Type.Integer({ minimum: 1 })),
    share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export const FaultsBody = Type.Object({ faults: Type.Array(FaultRuleSchema, { maxItems: 100 }) }, { additionalProperties: false });
export const ActiveFaultSchema = Type.Intersect([FaultRuleSchema, Type.Object({ id: Type.Integer(), remaining: Nullable(Type.Integer()), applied: Type.Integer() })]);
export const FaultsResponse = Type.Object({ faults: Type.Array(ActiveFaultSchema) });
export const DeliveryStatusSchema = Type.Unsafe<DeliveryStatus>({ type: 'string', enum: [...DELIVERY_STATUSES] });

