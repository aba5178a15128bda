// Schemas shared by several route plugins. TypeBox schemas are the single source for validation,
// TypeScript types and the OpenAPI document.
import { Type, type Static, type TLiteral, type TString, type TUnion } from '@sinclair/typebox'

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable error code, e.g. ValidationError, NotFound.' }),
    message: Type.String(),
    requestId: Type.String({ description: 'The correlation id of the request.' })
  },
  { $id: 'ErrorResponse', additionalProperties: true }
)
export type ErrorResponse = Static<typeof ErrorResponse>

/** Reference to ErrorResponse for route `response` maps. */
export const ErrorRef = Type.Ref(ErrorResponse)

/** One of `values` (e.g. a domain's list of statuses), as a union of literals. */
export function literalUnion<T extends string>(values: readonly T[]): TUnion<Array<TLiteral<T>>> {
  return Type.Union(values.map((value) => Type.Literal(value)))
}

/**
 * The `Idempotency-Key` header of the routes that take one (src/plugins/idempotency-key.ts adds it to
 * their schema, required or optional). The same rule as checkIdempotencyKey in services/idempotency.ts.
 */
export function idempotencyKeyHeader(required: boolean): TString {
  return Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x20-\\x7E]+$',
    description: `${required ? 'Required' : 'Optional'}. A unique key (e.g. a UUID) per intended operation; retries with the same key and request get the first response. Kept 24 hours.`
  })
}
