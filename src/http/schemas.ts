/** Schemas the operator surfaces (control plane, console) share: licence ids, nullable values, list limits. */
import { Type, type TSchema } from '@sinclair/typebox';
import { INT32_MAX } from '../kernel/validation.js';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const LicenseId = Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Licence id' });
export const LicenseParams = Type.Object({ id: LicenseId });
/** An optional `limit` query parameter. */
export const Limit = (def: number, max: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: def }));
