/**
 * The only module that reads and writes `company_details`: one row per licence holding the fields
 * update_company_details takes (one nullable column each; null = never set).
 */
import type { Queryable } from '../store/store.js';

/** update_company_details' string fields, in the reference's order. */
export const COMPANY_FIELDS = [
  'audience', 'chat_purpose', 'city', 'company', 'company_size', 'country', 'invoice_email', 'invoice_name', 'nip',
  'postal_code', 'state', 'street', 'phone', 'province', 'url',
] as const;
export type CompanyField = (typeof COMPANY_FIELDS)[number];
export type CompanyDetails = Record<CompanyField, string>;

export type CompanyDetailsTable = { license_id: number; updated_at: string } & Record<CompanyField, string | null>;
declare module '../store/schema.js' {
  interface Database {
    company_details: CompanyDetailsTable;
  }
}

/** The licence's details, every field present (`""` when never set). */
export async function readCompanyDetails(db: Queryable, licenseId: number): Promise<CompanyDetails> {
  const row = await db.selectFrom('company_details').select(COMPANY_FIELDS).where('license_id', '=', licenseId).executeTakeFirst();
  return Object.fromEntries(COMPANY_FIELDS.map((f) => [f, row?.[f] ?? ''])) as CompanyDetails;
}

/** Set the given fields, keeping the others (the row is made on the first write). */
export async function mergeCompanyDetails(trx: Queryable, licenseId: number, changes: Partial<CompanyDetails>, now: string): Promise<void> {
  await trx
    .insertInto('company_details')
    .values({ license_id: licenseId, ...changes, updated_at: now })
    .onConflict((oc) => oc.column('license_id').doUpdateSet({ ...changes, updated_at: now }))
    .execute();
}
