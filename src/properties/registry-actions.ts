/** Property registry: register_property, unregister_property, publish_property, list_properties. */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { INT32_MAX, INT32_MIN } from '../kernel/validation.js';
import { nowIso } from '../store/store.js';
import { literalUnion, identifier } from '../kernel/schema.js';
import { EmptyResponse } from '../kernel/responses.js';
import {
  ACCESS_TYPES,
  LOCATIONS,
  PropertyValueSchema,
  PROPERTY_TYPES,
  assertOwnApplication,
  checkRange,
  checkType,
  checkValue,
  definitionsOf,
  deleteDefinition,
  findDefinition,
  lockDefinitionOrThrow,
  insertDefinition,
  setPublicAccess,
  type PropertyDef,
} from './definitions.js';
import { deletePropertyValues } from './values-repo.js';
import { applicationChanged } from '../tenancy/applications.js';

const CONFIGURATION_SCOPE = 'properties.configuration:rw';
const Name = identifier({ minLength: 1, maxLength: 255 });
const ClientId = identifier({ minLength: 1, maxLength: 255 });
const AccessTypes = Type.Array(literalUnion(ACCESS_TYPES), { minItems: 1, uniqueItems: true });
const UserAccess = Type.Object(
  { agent: Type.Optional(AccessTypes), customer: Type.Optional(AccessTypes) },
  { additionalProperties: false, minProperties: 1 },
);
const AccessSchema = Type.Object(
  {
    chat: Type.Optional(UserAccess),
    thread: Type.Optional(UserAccess),
    event: Type.Optional(UserAccess),
    license: Type.Optional(UserAccess),
    group: Type.Optional(UserAccess),
  },
  { additionalProperties: false, minProperties: 1 },
);
const Int32 = Type.Integer({ minimum: INT32_MIN, maximum: INT32_MAX });

const RegisterProperty = Type.Object(
  {
    name: Name,
    owner_client_id: ClientId,
    type: literalUnion(PROPERTY_TYPES),
    access: AccessSchema,
    description: Type.Optional(Type.String({ maxLength: 2048 })),
    domain: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, uniqueItems: true })),
    range: Type.Optional(
      Type.Object(
        { from: Type.Optional(Int32), to: Type.Optional(Int32) },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
    default_value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const PropertyRef = Type.Object({ name: Name, owner_client_id: ClientId }, { additionalProperties: false });
const PublishProperty = Type.Object(
  { name: Name, owner_client_id: ClientId, access_type: AccessTypes },
  { additionalProperties: false },
);
const ListProperties = Type.Object({ owner_client_id: ClientId }, { additionalProperties: false });

const AccessTypeList = Type.Array(literalUnion(ACCESS_TYPES));
/** One entry of list_properties, keyed by property name (examples/properties/listProperties.json). */
const PropertyDefinitionView = Type.Object(
  {
    type: literalUnion(PROPERTY_TYPES),
    description: Type.String(),
    access: Type.Object(
      Object.fromEntries(
        LOCATIONS.map((l) => [
          l,
          Type.Optional(Type.Object({ agent: Type.Optional(AccessTypeList), customer: Type.Optional(AccessTypeList) }, { additionalProperties: false })),
        ]),
      ),
      { additionalProperties: false },
    ),
    domain: Type.Optional(Type.Array(PropertyValueSchema)),
    range: Type.Optional(Type.Object({ from: Type.Optional(Type.Integer()), to: Type.Optional(Type.Integer()) }, { additionalProperties: false })),
    default_value: Type.Optional(PropertyValueSchema),
    public_access: AccessTypeList,
  },
  { additionalProperties: false, title: 'PropertyDefinition' },
);

/** Shape of one entry of list_properties (examples/properties/listProperties.json). */
function definitionView(d: PropertyDef): Record<string, unknown> {
  const out: Record<string, unknown> = { type: d.type, description: d.description, access: d.access };
  if (d.domain) out.domain = d.domain;
  if (d.range) out.range = d.range;
  if (d.defaultValue !== undefined) out.default_value = d.defaultValue;
  out.public_access = d.publicAccess ?? [];
  return out;
}

export const registerProperty = defineAction({
  name: 'register_property',
  area: 'properties',
  aliases: ['register_properties'],
  summary: 'Registers a new private property for a given **Client Id**.',
  description: 'Registers a new private property for a client id of your organization.',
  schema: RegisterProperty,
  response: EmptyResponse,
  scopes: [CONFIGURATION_SCOPE],
  async handler(ctx, input) {
    const { caller } = ctx;
    const { range, domain } = input;
    // Names become JSON object keys in lists; this one would be swallowed as an object's prototype.
    if (input.name === '__proto__') throw new ApiError('validation', '`name` __proto__ is reserved');
    if (range) {
      if (input.type !== 'int') throw new ApiError('validation', '`range` can be set only for the int type');
      if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
        throw new ApiError('validation', '`range.from` should not be greater than `range.to`');
      }
    }
    domain?.forEach((v, i) => {
      checkType(input.type, v, `domain[${i}]`);
      if (typeof v === 'number') checkRange(range, v, `domain[${i}]`);
    });
    if (input.default_value !== undefined) {
      if (!input.access.license && !input.access.group) {
        throw new ApiError('validation', '`default_value` can be set only for a property with `license` or `group` access');
      }
      checkValue({ type: input.type, domain: domain as PropertyDef['domain'], range }, input.default_value, 'default_value');
    }
    await ctx.tx(async (tx) => {
      await assertOwnApplication(tx.db, caller, input.owner_client_id);
      if (await findDefinition(tx.db, input.owner_client_id, input.name)) {
        throw new ApiError('already_exists', `Property ${input.name} already exists in namespace ${input.owner_client_id}`);
      }
      await insertDefinition(tx.db, {
          owner_client_id: input.owner_client_id,
          name: input.name,
          organization_id: caller.organizationId,
          type: input.type,
          description: input.description ?? '',
          access: JSON.stringify(input.access),
          domain_values: domain ? JSON.stringify(domain) : null,
          value_range: range ? JSON.stringify(range) : null,
          default_value: input.default_value !== undefined ? JSON.stringify(input.default_value) : null,
          public_access: null,
          created_at: nowIso(),
        });
      await applicationChanged(tx, input.owner_client_id);
    });
    return {};
  },
});

export const unregisterProperty = defineAction({
  name: 'unregister_property',
  area: 'properties',
  aliases: ['unregister_properties'],
  summary: 'Unregisters a private property.',
  description: 'Unregisters a private property and deletes its values in every licence.',
  schema: PropertyRef,
  response: EmptyResponse,
  scopes: [CONFIGURATION_SCOPE],
  async handler(ctx, input) {
    await ctx.tx(async (tx) => {
      await assertOwnApplication(tx.db, ctx.caller, input.owner_client_id);
      const def = await lockDefinitionOrThrow(tx, input.owner_client_id, input.name);
      if (def.publicAccess !== null) {
        throw new ApiError('validation', `Property ${input.name} is published; published properties cannot be unregistered`);
      }
      // Definition first: waits for value writes holding it (FOR SHARE), whose rows the next statement then sees.
      await deleteDefinition(tx.db, input.owner_client_id, input.name);
      await deletePropertyValues(tx.db, input.owner_client_id, input.name);
      await applicationChanged(tx, input.owner_client_id);
    });
    return {};
  },
});

export const publishProperty = defineAction({
  name: 'publish_property',
  area: 'properties',
  aliases: ['publish_properties'],
  summary: 'Publishes a private property.',
  description: 'Publishes a property: sets the access (read and/or write) of client ids other than the owner.',
  schema: PublishProperty,
  response: EmptyResponse,
  scopes: [CONFIGURATION_SCOPE],
  async handler(ctx, input) {
    await ctx.tx(async (tx) => {
      await assertOwnApplication(tx.db, ctx.caller, input.owner_client_id);
      await lockDefinitionOrThrow(tx, input.owner_client_id, input.name);
      const access = ACCESS_TYPES.filter((a) => input.access_type.includes(a));
      await setPublicAccess(tx.db, input.owner_client_id, input.name, access);
      await applicationChanged(tx, input.owner_client_id);
    });
    return {};
  },
});

export const listProperties = defineAction({
  name: 'list_properties',
  area: 'properties',
  summary: 'Lists private and public properties owned by a given **Client Id**.',
  description: 'Lists the private and public properties owned by a client id of your organization.',
  schema: ListProperties,
  response: Type.Record(Type.String(), PropertyDefinitionView),
  scopes: [CONFIGURATION_SCOPE],
  async handler(ctx, input) {
    await assertOwnApplication(ctx.db, ctx.caller, input.owner_client_id);
    const out: Record<string, unknown> = {};
    for (const d of await definitionsOf(ctx.db, input.owner_client_id)) out[d.name] = definitionView(d);
    return out;
  },
});

export const registryActions = [registerProperty, unregisterProperty, publishProperty, listProperties];
