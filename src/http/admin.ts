/**
 * The control plane: `/admin/*`, on only when ADMIN_TOKEN is set, authenticated only by
 * `Authorization: Bearer <ADMIN_TOKEN>` (constant-time comparison). The routes call the same service functions as
 * the CLI (src/provisioning, src/webhooks/delivery-views.ts). `ADMIN_ROUTES` lists every route with its TypeBox schemas (for
 * the OpenAPI document, tag `admin`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { ApiError, ERROR_TYPES } from '../kernel/errors.js';
import { bearerMatches, hashSecret } from '../kernel/crypto.js';
import type { Core } from '../core.js';
import { getLicense, listLicenses, PLANS } from '../tenancy/licenses.js';
import { bootstrap } from '../provisioning/bootstrap.js';
import { createApplication } from '../provisioning/applications.js';
import { createPat, issueAccessToken } from '../provisioning/credentials.js';
import { updateLicense } from '../provisioning/licenses.js';
import { deleteSnapshot } from '../provisioning/snapshots.js';
import { listDeliveries } from '../webhooks/delivery-views.js';
import { controlPlaneOperations } from './operations.js';
import { DELIVERY_STATUSES } from '../webhooks/tables.js';
import type { RequestJournal } from './journal.js';
import type { FaultInjector, FaultRule } from './faults.js';

// ---------------------------------------------------------------- schemas

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const LicenseId = Type.Integer({ minimum: 1, description: 'Licence id' });
// "all" first: the validator coerces a lone string into an array when trying the array schema first.
const Scopes = Type.Union([Type.Literal('all'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
  description: 'Scopes (see README), or "all"',
});
const ErrorTypeSchema = Type.Unsafe<keyof typeof ERROR_TYPES>({ type: 'string', enum: Object.keys(ERROR_TYPES) });

const BootstrapBody = Type.Object(
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
const BootstrapResponse = Type.Object({
  organization_id: Type.String(),
  license_id: Type.Integer(),
  region: Type.String(),
  owner: Type.Object({ id: Type.String(), account_id: Type.String() }),
  client_id: Type.String(),
  bearer_token: Type.String(),
  pat: Type.String(),
  basic_auth: Type.String(),
});
const ApplicationBody = Type.Object(
  { organization_id: Type.String({ minLength: 1 }), license_id: Type.Optional(LicenseId), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
const TokenBody = Type.Object(
  {
    license_id: LicenseId,
    agent_id: Type.String({ minLength: 1 }),
    client_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    scopes: Scopes,
    ttl_s: Type.Optional(Type.Integer({ minimum: 1, description: 'Lifetime in seconds (default: no expiry)' })),
  },
  { additionalProperties: false },
);
const PatBody = Type.Object({ license_id: LicenseId, agent_id: Type.String({ minLength: 1 }), scopes: Scopes }, { additionalProperties: false });
const License = Type.Object({
  id: Type.Integer(),
  organization_id: Type.String(),
  organization_name: Type.String(),
  region: Type.String(),
  plan: Type.String(),
  expires_at: Nullable(Type.String()),
  created_at: Type.String(),
});
const LicenseParams = Type.Object({ id: LicenseId });
const PatchLicenseBody = Type.Object(
  {
    plan: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...PLANS] })),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: false },
);
const Snapshot = Type.Object({
  snapshot_id: Type.String(),
  license_id: Type.Integer(),
  name: Nullable(Type.String()),
  created_at: Type.String(),
});
const Delivery = Type.Object({
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
const JournalEntrySchema = Type.Object({
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
const FaultRuleSchema = Type.Object(
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
const FaultsBody = Type.Object({ faults: Type.Array(FaultRuleSchema, { maxItems: 100 }) }, { additionalProperties: false });
const ActiveFaultSchema = Type.Intersect([FaultRuleSchema, Type.Object({ id: Type.Integer(), remaining: Nullable(Type.Integer()), applied: Type.Integer() })]);
const FaultsResponse = Type.Object({ faults: Type.Array(ActiveFaultSchema) });
const Limit = (def: number, max: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: def }));

// ---------------------------------------------------------------- route list

export interface AdminRouteDefinition {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  schema: { body?: TSchema; querystring?: TSchema; params?: TSchema; response: { 200: TSchema } };
}

/** Every control-plane route (server-sent event stream excluded), for the OpenAPI document (tag `admin`). */
export const ADMIN_ROUTES = [
  { operationId: 'adminBootstrap', method: 'POST', url: '/admin/bootstrap', summary: 'Create an organization, a licence with its owner, an installed application, a bearer token and a PAT (as `config-api bootstrap --json`)', schema: { body: BootstrapBody, response: { 200: BootstrapResponse } } },
  { operationId: 'adminCreateApplication', method: 'POST', url: '/admin/applications', summary: 'Create an application of an organization, installed on a licence when license_id is given', schema: { body: ApplicationBody, response: { 200: Type.Object({ client_id: Type.String(), installed: Type.Boolean() }) } } },
  { operationId: 'adminCreateToken', method: 'POST', url: '/admin/tokens', summary: 'Issue a bearer token for an agent or bot of a licence', schema: { body: TokenBody, response: { 200: Type.Object({ bearer_token: Type.String() }) } } },
  { operationId: 'adminCreatePat', method: 'POST', url: '/admin/pats', summary: 'Create a Personal Access Token for an agent of a licence', schema: { body: PatBody, response: { 200: Type.Object({ account_id: Type.String(), pat: Type.String(), basic_auth: Type.String() }) } } },
  { operationId: 'adminListLicenses', method: 'GET', url: '/admin/licenses', summary: 'List licences, newest first', schema: { querystring: Type.Object({ organization_id: Type.Optional(Type.String({ minLength: 1 })), limit: Limit(100, 1000) }), response: { 200: Type.Object({ licenses: Type.Array(License) }) } } },
  { operationId: 'adminGetLicense', method: 'GET', url: '/admin/licenses/:id', summary: 'One licence', schema: { params: LicenseParams, response: { 200: License } } },
  { operationId: 'adminUpdateLicense', method: 'PATCH', url: '/admin/licenses/:id', summary: "Change a licence's plan and/or expiry (expires_at null = never)", schema: { params: LicenseParams, body: PatchLicenseBody, response: { 200: License } } },
  { operationId: 'adminResetLicense', method: 'POST', url: '/admin/licenses/:id/reset', summary: 'Reset a licence to its bootstrapped state (owner, General group), keeping applications and credentials', schema: { params: LicenseParams, response: { 200: Type.Object({ license_id: Type.Integer(), owner: Type.Object({ id: Type.String(), account_id: Type.String() }), organization_scope: Type.Boolean(), duration_ms: Type.Number() }) } } },
  { operationId: 'adminCreateSnapshot', method: 'POST', url: '/admin/licenses/:id/snapshots', summary: "Save a licence's configuration", schema: { params: LicenseParams, body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), response: { 200: Type.Object({ snapshot_id: Type.String(), license_id: Type.Integer(), name: Nullable(Type.String()), created_at: Type.String(), organization_scope: Type.Boolean(), rows: Type.Integer() }) } } },
  { operationId: 'adminListSnapshots', method: 'GET', url: '/admin/licenses/:id/snapshots', summary: "A licence's snapshots, newest first", schema: { params: LicenseParams, response: { 200: Type.Object({ snapshots: Type.Array(Snapshot) }) } } },
  { operationId: 'adminRestoreSnapshot', method: 'POST', url: '/admin/licenses/:id/snapshots/:snapshot_id/restore', summary: "Replace a licence's configuration with one of its snapshots", schema: { params: Type.Object({ id: LicenseId, snapshot_id: Type.String({ minLength: 1 }) }), response: { 200: Type.Object({ license_id: Type.Integer(), snapshot_id: Type.String(), duration_ms: Type.Number() }) } } },
  { operationId: 'adminDeleteSnapshot', method: 'DELETE', url: '/admin/licenses/:id/snapshots/:snapshot_id', summary: 'Delete a snapshot', schema: { params: Type.Object({ id: LicenseId, snapshot_id: Type.String({ minLength: 1 }) }), response: { 200: Type.Object({}) } } },
  { operationId: 'adminListDeliveries', method: 'GET', url: '/admin/deliveries', summary: 'Webhook deliveries, newest first, with the exact body sent', schema: { querystring: Type.Object({ license_id: Type.Optional(LicenseId), webhook_id: Type.Optional(Type.String({ minLength: 1 })), status: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...DELIVERY_STATUSES] })), action: Type.Optional(Type.String({ minLength: 1 })), limit: Limit(100, 1000) }), response: { 200: Type.Object({ deliveries: Type.Array(Delivery) }) } } },
  { operationId: 'adminResendDelivery', method: 'POST', url: '/admin/deliveries/:id/resend', summary: 'Queue a delivery again (delivered, failed, cancelled or pending)', schema: { params: Type.Object({ id: Type.String({ minLength: 1 }) }), response: { 200: Type.Object({ id: Type.String(), status: Type.String(), previous_status: Type.String() }) } } },
  { operationId: 'adminListRequests', method: 'GET', url: '/admin/requests', summary: "Recent API calls of this server process (ring buffer), newest first", schema: { querystring: Type.Object({ license_id: Type.Optional(LicenseId), action: Type.Optional(Type.String({ minLength: 1 })), limit: Limit(100, 10_000) }), response: { 200: Type.Object({ requests: Type.Array(JournalEntrySchema) }) } } },
  { operationId: 'adminListFaults', method: 'GET', url: '/admin/faults', summary: 'Active fault rules', schema: { response: { 200: FaultsResponse } } },
  { operationId: 'adminSetFaults', method: 'PUT', url: '/admin/faults', summary: 'Replace the fault rules: errors or latency for the next N calls (or a share of calls) of an action', schema: { body: FaultsBody, response: { 200: FaultsResponse } } },
  { operationId: 'adminClearFaults', method: 'DELETE', url: '/admin/faults', summary: 'Remove every fault rule', schema: { response: { 200: FaultsResponse } } },
] as const satisfies readonly AdminRouteDefinition[];

type OperationId = (typeof ADMIN_ROUTES)[number]['operationId'];

/** A route's URL in OpenAPI form (`/admin/licenses/:id` → `/admin/licenses/{id}`). */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

// ---------------------------------------------------------------- plugin

export interface AdminDeps {
  /** Writes go through `core.transaction`: its commit signals drop cached token lookups and wake webhook delivery. */
  core: Core;
  token: string;
  journal: RequestJournal;
  faults: FaultInjector;
}


type Handler = (req: FastifyRequest<any>, reply: FastifyReply) => Promise<unknown>;

function handlers(d: AdminDeps): Record<OperationId, Handler> {
  const { core } = d;
  const db = core.store.db;
  const ops = controlPlaneOperations(core);
  const licenseParam = (req: FastifyRequest) => (req.params as { id: number }).id;
  return {
    async adminBootstrap(req) {
      const b = req.body as Record<string, string | null | undefined>;
      return core.transaction((trx) =>
        bootstrap(trx, core.cascades, {
          region: (b.region as string | undefined) ?? core.config.region,
          ownerEmail: b.owner_email ?? undefined,
          ownerName: b.owner_name ?? undefined,
          organizationName: b.organization_name ?? undefined,
          plan: b.plan ?? undefined,
          expiresAt: b.expires_at,
          source: {
            ...(b.source_id != null ? { source_id: b.source_id } : {}),
            ...(b.source_type != null ? { source_type: b.source_type } : {}),
            ...(b.source_url != null ? { source_url: b.source_url } : {}),
          },
        }),
      );
    },
    async adminCreateApplication(req) {
      const b = req.body as { organization_id: string; license_id?: number; name?: string };
      return core.transaction((trx) => createApplication(trx, core.cascades, { organizationId: b.organization_id, licenseId: b.license_id, name: b.name }));
    },
    async adminCreateToken(req) {
      const b = req.body as { license_id: number; agent_id: string; client_id?: string | null; scopes: string[] | 'all'; ttl_s?: number };
      return core.transaction((trx) =>
        issueAccessToken(trx, { licenseId: b.license_id, agentId: b.agent_id, clientId: b.client_id, scopes: b.scopes, ttlSeconds: b.ttl_s }),
      );
    },
    async adminCreatePat(req) {
      const b = req.body as { license_id: number; agent_id: string; scopes: string[] | 'all' };
      return core.transaction((trx) => createPat(trx, { licenseId: b.license_id, agentId: b.agent_id, scopes: b.scopes }));
    },
    async adminListLicenses(req) {
      const q = req.query as { organization_id?: string; limit?: number };
      return { licenses: await listLicenses(db, { organizationId: q.organization_id, limit: q.limit }) };
    },
    async adminGetLicense(req) {
      return getLicense(db, licenseParam(req));
    },
    async adminUpdateLicense(req) {
      const b = req.body as { plan?: string; expires_at?: string | null };
      const licenseId = licenseParam(req);
      return core.transaction((trx) => updateLicense(trx, licenseId, { plan: b.plan, expiresAt: b.expires_at }), { licenseId });
    },
    async adminResetLicense(req) {
      return ops.resetLicense(licenseParam(req));
    },
    async adminCreateSnapshot(req) {
      return ops.createSnapshot(licenseParam(req), (req.body as { name?: string } | undefined)?.name ?? null);
    },
    async adminListSnapshots(req) {
      return { snapshots: await ops.listSnapshots(licenseParam(req)) };
    },
    async adminRestoreSnapshot(req) {
      const p = req.params as { id: number; snapshot_id: string };
      return ops.restoreSnapshot(p.id, p.snapshot_id);
    },
    async adminDeleteSnapshot(req) {
      const p = req.params as { id: number; snapshot_id: string };
      await deleteSnapshot(db, p.id, p.snapshot_id);
      return {};
    },
    async adminListDeliveries(req) {
      const q = req.query as { license_id?: number; webhook_id?: string; status?: 'pending'; action?: string; limit?: number };
      return {
        deliveries: await listDeliveries(db, { licenseId: q.license_id, webhookId: q.webhook_id, status: q.status, action: q.action, limit: q.limit }),
      };
    },
    async adminResendDelivery(req) {
      return ops.resendDelivery((req.params as { id: string }).id);
    },
    async adminListRequests(req) {
      const q = req.query as { license_id?: number; action?: string; limit?: number };
      return { requests: d.journal.list({ licenseId: q.license_id, action: q.action, limit: q.limit }) };
    },
    async adminListFaults() {
      return { faults: d.faults.list() };
    },
    async adminSetFaults(req) {
      return { faults: d.faults.set((req.body as { faults: FaultRule[] }).faults) };
    },
    async adminClearFaults() {
      d.faults.clear();
      return { faults: [] };
    },
  };
}

/** Register the control plane on `app` (call only when ADMIN_TOKEN is set). */
export async function registerAdmin(app: FastifyInstance, d: AdminDeps): Promise<void> {
  const expected = hashSecret(d.token);
  const byId = handlers(d);
  const streams = new Set<FastifyReply>();
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => {
      if (!bearerMatches(req.headers.authorization, expected)) {
        throw new ApiError('authentication', 'The control plane needs Authorization: Bearer <ADMIN_TOKEN>');
      }
    });
    for (const r of ADMIN_ROUTES) {
      scope.route({ method: r.method, url: r.url, schema: r.schema, handler: byId[r.operationId] });
    }
    // Live view of the request journal: server-sent events, one `data:` line of JSON per API call.
    scope.get('/admin/requests/stream', (req, reply) => {
      reply.hijack();
      // HTTP/1.1: the connection ends with the stream (so a closing server need not wait for it to go idle).
      const h1 = req.raw.httpVersionMajor === 1 ? { connection: 'close' } : {};
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', ...h1 });
      reply.raw.write(': connected\n\n');
      streams.add(reply);
      const unsubscribe = d.journal.subscribe((e) => reply.raw.write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`));
      req.raw.on('close', () => {
        unsubscribe();
        streams.delete(reply);
      });
    });
  });
  app.addHook('preClose', async () => {
    for (const s of streams) s.raw.end();
  });
}
