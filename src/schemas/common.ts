// Schemas shared by several route plugins. TypeBox schemas are the single source for validation,
// TypeScript types and the OpenAPI document.
import { Type, type Static, type TString } from '@sinclair/typebox'
import { IDEMPOTENCY_KEY_RULE } from '../domain/idempotency-key'

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

/**
 * The `Idempotency-Key` header of the routes that take one (src/plugins/idempotency-key.ts adds it to
 * their schema, required or optional), by the rule checkIdempotencyKey applies.
 */
export function idempotencyKeyHeader(required: boolean): TString {
  return Type.String({
    ...IDEMPOTENCY_KEY_RULE,
    description: `${required ? 'Required' : 'Optional'}. A unique key (e.g. a UUID) per intended operation; retries with the same key and request get the first response. Kept 24 hours.`
  })
}
