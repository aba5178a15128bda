// Schemas shared by several route plugins. TypeBox schemas are the single source for validation,
// TypeScript types and the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox'

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
