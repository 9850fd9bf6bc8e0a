/**
 * v3.4's properties: list_group_properties (one group) and the official JS SDK's `namespace_prefix` (it sends
 * `{namespace_prefix, name_prefix}` to list_license_properties and list_group_properties where the reference names
 * `namespace`): accepted as a prefix of the namespaces listed, applied to the base answer.
 */
import { Type } from '@sinclair/typebox';
import { identifier } from '../../kernel/schema.js';
import { changeOf, withProperties, type ActionChange } from '../../kernel/versions.js';
import { listGroupProperties, listLicenseProperties } from '../../properties/value-actions.js';

const NamespacePrefix = { namespace_prefix: Type.Optional(identifier()) };
type Values = Record<string, unknown>;

/** The base answer's namespaces starting with `namespace_prefix` (all without it). */
function byPrefix(values: Values, prefix: string | undefined): Values {
  if (prefix === undefined) return values;
  return Object.fromEntries(Object.entries(values).filter(([ns]) => ns.startsWith(prefix)));
}

const prefixChange = {
  request: (s: Parameters<typeof withProperties>[0]) => withProperties(s, NamespacePrefix),
  fromBase: (out: Values, input: { namespace_prefix?: string }) => byPrefix(out, input.namespace_prefix),
  get: true,
};

export const propertyChanges: readonly ActionChange[] = [
  changeOf(listLicenseProperties, { ...prefixChange, toBase: ({ namespace_prefix: _, ...rest }) => rest }),
  changeOf(listGroupProperties, { ...prefixChange, toBase: ({ namespace_prefix: _, ...rest }) => rest }),
];
