/** Schema helpers shared by every area. */
import { Type, type TSchema } from '@sinclair/typebox';

/** A string enum as a union of literals (TypeBox), typed as the union of the values. */
export const literalUnion = <const T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), opts) as TSchema);
