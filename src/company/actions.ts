/**
 * Company details of the licence (v3.6, "Other"): update_company_details merges the given fields;
 * get_company_details (in the official Python SDK's v3.6 client, not in the reference) answers what was stored.
 */
import { Type, type TString } from '@sinclair/typebox';
import { defineAction } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { nowIso } from '../store/store.js';
import { COMPANY_FIELDS, mergeCompanyDetails, readCompanyDetails, type CompanyDetails, type CompanyField } from './repo.js';

const SCOPES = ['organization--my:rw'];
const fields = Object.fromEntries(COMPANY_FIELDS.map((f) => [f, Type.String()])) as { [K in CompanyField]: TString };
const CompanyDetailsView = Type.Object(fields, { additionalProperties: false, title: 'CompanyDetails' });
const UpdateCompanyDetails = Type.Composite([Type.Object({ enrich: Type.Optional(Type.Boolean()) }), Type.Partial(CompanyDetailsView)], {
  additionalProperties: false,
});

export const updateCompanyDetails = defineAction({
  name: 'update_company_details',
  area: 'other',
  summary: 'Updates company details of the license.',
  description:
    'Sets the given fields and keeps the others (`""` empties one). `enrich` is accepted and does nothing: this server ' +
    'makes no outside lookups.',
  schema: UpdateCompanyDetails,
  response: EmptyResponse,
  scopes: SCOPES,
  async handler(ctx, input) {
    const { enrich: _enrich, ...given } = input;
    const changes: Partial<CompanyDetails> = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) return {};
    await ctx.tx((tx) => mergeCompanyDetails(tx.db, ctx.caller.licenseId, changes, nowIso()));
    return {};
  },
});

export const getCompanyDetails = defineAction({
  name: 'get_company_details',
  area: 'other',
  summary: 'Gets company details of the license.',
  description:
    "The official Python SDK's v3.6 client has this method; the reference does not. Answers every field " +
    'update_company_details takes (`""` when never set); needs the same scope.',
  schema: Type.Object({}, { additionalProperties: false }),
  response: CompanyDetailsView,
  scopes: SCOPES,
  async handler(ctx) {
    return readCompanyDetails(ctx.db, ctx.caller.licenseId);
  },
});
