// One of a list of values (e.g. a domain's statuses): a string schema with `enum`, typed as the
// union of the values. Not TypeBox's Union of Literals (`anyOf` of `const`): the same values, but the
// build-time compiled validators and serializers (scripts/compile-schemas.ts) test an `enum` in one
// expression where they tried each `anyOf` branch with a validator of its own, ~N times the code in
// dist/lambda.mjs. Its own module, built from TypeBox's named builders rather than its `Type`
// namespace, so that config and the workers can use it without bringing all of TypeBox into their
// bundles. Route schemas only: TypeBox's Value functions do not know an Unsafe schema.
import { Unsafe, type TUnsafe } from '@sinclair/typebox'

export function literalUnion<T extends string>(values: readonly T[]): TUnsafe<T> {
  return Unsafe<T>({ type: 'string', enum: [...values] })
}
