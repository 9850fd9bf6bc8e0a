/**
 * get_license_id and get_organization_id (v3.4's "Other" methods, removed in v3.5): which licence an organization
 * has and which organization a licence belongs to. The reference calls them by GET with a query string, without
 * authorization (no scopes, no token in its examples); src/versions/v3.4 serves them by GET.
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { identifier } from '../kernel/schema.js';
import { findLicense, firstLicenseOf } from '../tenancy/licenses.js';

export const getLicenseId = defineAction({
  name: 'get_license_id',
  area: 'other',
  summary: 'Returns the license ID for a given organization ID.',
  description: 'Returns the licence of an organization (its first, should it have several). No authorization needed.',
  auth: 'none',
  schema: Type.Object({ organization_id: identifier({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object({ license_id: Type.Integer() }, { additionalProperties: false }),
  scopes: [],
  async handler(ctx, input) {
    const licenseId = await firstLicenseOf(ctx.db, input.organization_id);
    if (licenseId === undefined) throw new ApiError('not_found', `Organization ${input.organization_id} not found`);
    return { license_id: licenseId };
  },
});

export const getOrganizationId = defineAction({
  name: 'get_organization_id',
  area: 'other',
  summary: 'Returns the organization ID for a given license ID.',
  description: 'Returns the organization of a licence. No authorization needed.',
  auth: 'none',
  schema: Type.Object({ license_id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  response: Type.Object({ organization_id: Type.String() }, { additionalProperties: false }),
  scopes: [],
  async handler(ctx, input) {
    const license = await findLicense(ctx.db, input.license_id);
    if (!license) throw new ApiError('not_found', `License ${input.license_id} not found`);
    return { organization_id: license.organization_id };
  },
});
