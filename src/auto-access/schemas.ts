/** Request schemas of auto access rules and the checks TypeBox cannot express (footnotes 1–3 of the spec). */
import { identifier } from '../kernel/schema.js';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';

const MatchObject = Type.Object(
  { value: Type.String({ minLength: 1 }), exact_match: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const MatchValues = Type.Array(MatchObject, { minItems: 1 });
const MatchCondition = Type.Object(
  { values: Type.Optional(MatchValues), exclude_values: Type.Optional(MatchValues) },
  { additionalProperties: false },
);
const GeoField = Type.Optional(Type.String({ minLength: 1 }));
const GeolocationObject = Type.Object(
  { country: GeoField, country_code: GeoField, region: GeoField, city: GeoField },
  { additionalProperties: false },
);
const Geolocation = Type.Object(
  { values: Type.Array(GeolocationObject, { minItems: 1 }) },
  { additionalProperties: false },
);

export const ConditionsSchema = Type.Object(
  { url: Type.Optional(MatchCondition), domain: Type.Optional(MatchCondition), geolocation: Type.Optional(Geolocation) },
  { additionalProperties: false },
);
export const AccessSchema = Type.Object(
  { groups: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, uniqueItems: true }) },
  { additionalProperties: false },
);
export const RuleIdSchema = identifier({ minLength: 1, maxLength: 64 });
const Description = Type.String({ maxLength: 1000 });

export const AddAutoAccess = Type.Object(
  {
    access: AccessSchema,
    conditions: ConditionsSchema,
    description: Type.Optional(Description),
    next_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const UpdateAutoAccess = Type.Object(
  {
    id: RuleIdSchema,
    access: Type.Optional(AccessSchema),
    conditions: Type.Optional(ConditionsSchema),
    description: Type.Optional(Description),
    next_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const DeleteAutoAccess = Type.Object({ id: RuleIdSchema }, { additionalProperties: false });
export const ListAutoAccesses = Type.Object({}, { additionalProperties: false });

export type ConditionsInput = Static<typeof ConditionsSchema>;
type MatchConditionInput = Static<typeof MatchCondition>;

export interface MatchObjectView {
  value: string;
  exact_match: boolean;
}
export type MatchConditionView = { values: MatchObjectView[] } | { exclude_values: MatchObjectView[] };
export interface Conditions {
  url?: MatchConditionView;
  domain?: MatchConditionView;
  geolocation?: { values: Array<Record<string, string>> };
}

const GEO_FIELDS = ['country', 'country_code', 'region', 'city'] as const;

function normalizeMatch(field: string, c: MatchConditionInput): MatchConditionView {
  const norm = (list: MatchConditionInput['values']) => list!.map((m) => ({ value: m.value, exact_match: m.exact_match ?? false }));
  if (c.values !== undefined && c.exclude_values !== undefined) {
    throw new ApiError('validation', `\`conditions.${field}\` may not have both \`values\` and \`exclude_values\``);
  }
  if (c.values !== undefined) return { values: norm(c.values) };
  if (c.exclude_values !== undefined) return { exclude_values: norm(c.exclude_values) };
  throw new ApiError('validation', `\`conditions.${field}\` needs \`values\` or \`exclude_values\``);
}

/**
 * Checks footnotes 1–3 and fills defaults: at least one of url/domain/geolocation; `values` xor `exclude_values`;
 * `exact_match` false unless given; every geolocation object names at least one field.
 */
export function normalizeConditions(c: ConditionsInput): Conditions {
  if (c.url === undefined && c.domain === undefined && c.geolocation === undefined) {
    throw new ApiError('validation', '`conditions` must have at least one of `url`, `domain`, `geolocation`');
  }
  const out: Conditions = {};
  if (c.url !== undefined) out.url = normalizeMatch('url', c.url);
  if (c.domain !== undefined) out.domain = normalizeMatch('domain', c.domain);
  if (c.geolocation !== undefined) {
    out.geolocation = {
      values: c.geolocation.values.map((g, i) => {
        const o: Record<string, string> = {};
        for (const k of GEO_FIELDS) if (g[k] !== undefined) o[k] = g[k]!;
        if (Object.keys(o).length === 0) {
          throw new ApiError('validation', `\`conditions.geolocation.values[${i}]\` needs at least one of ${GEO_FIELDS.map((f) => `\`${f}\``).join(', ')}`);
        }
        return o;
      }),
    };
  }
  return out;
}

// ---------------------------------------------------------------- responses

const MatchObjectResponse = Type.Object({ value: Type.String(), exact_match: Type.Boolean() }, { additionalProperties: false });
const MatchConditionResponse = Type.Union([
  Type.Object({ values: Type.Array(MatchObjectResponse) }, { additionalProperties: false }),
  Type.Object({ exclude_values: Type.Array(MatchObjectResponse) }, { additionalProperties: false }),
]);
const GeoResponseField = Type.Optional(Type.String());
/** One rule as list_auto_accesses returns it (conditions normalised: `exact_match` always present). */
export const AutoAccessView = Type.Object(
  {
    id: Type.String(),
    description: Type.String(),
    access: Type.Object({ groups: Type.Array(Type.Integer()) }, { additionalProperties: false }),
    conditions: Type.Object(
      {
        url: Type.Optional(MatchConditionResponse),
        domain: Type.Optional(MatchConditionResponse),
        geolocation: Type.Optional(
          Type.Object(
            {
              values: Type.Array(
                Type.Object(
                  { country: GeoResponseField, country_code: GeoResponseField, region: GeoResponseField, city: GeoResponseField },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    next_id: Type.String(),
  },
  { additionalProperties: false, title: 'AutoAccess' },
);
