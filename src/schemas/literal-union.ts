// One of a list of values (e.g. a domain's statuses) as a TypeBox union of literals. Its own module,
// built from TypeBox's named builders rather than its `Type` namespace, so that config and the
// workers can use it without bringing all of TypeBox into their bundles.
import { Literal, Union, type TLiteral, type TUnion } from '@sinclair/typebox'

export function literalUnion<T extends string>(values: readonly T[]): TUnion<Array<TLiteral<T>>> {
  return Union(values.map((value) => Literal(value)))
}
