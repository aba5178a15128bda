// Fastify glue for the Idempotency-Key mechanism (src/services/idempotency.ts), the one path every
// route with a key takes. A route opts in with `config: { idempotencyKey: 'optional' | 'required' }`:
// the header is then documented on it (required or not), validated (400 when malformed or, on a
// 'required' route, missing) and exposed as `request.idempotencyKey`. `replyIdempotently` runs the
// route's operation under the key and sends the result, marking replays `Idempotent-Replayed: true`
// as Stripe does.
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { ValidationError } from '../domain/errors'
import { idempotencyKeyHeader } from '../schemas/common'
import { checkIdempotencyKey, type Idempotency, type IdempotentResult, type StoredResponse } from '../services/idempotency'
import { withHook } from './route-hooks'

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed'

export type IdempotencyKeyUse = 'optional' | 'required'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours an `Idempotency-Key` header, optional or required. */
    idempotencyKey?: IdempotencyKeyUse
  }
  interface FastifyRequest {
    /** The validated `Idempotency-Key` header on routes that opt in; undefined when not sent. */
    idempotencyKey?: string
  }
}

interface ObjectSchema {
  properties?: Record<string, TSchema>
  required?: string[]
}

export const idempotencyKeyPlugin = fp(
  async (app) => {
    app.decorateRequest('idempotencyKey', undefined)

    // Only routes that opt in get the header documented and a check: no cost on the other routes.
    app.addHook('onRoute', (route) => {
      const use = route.config?.idempotencyKey
      if (!use) return
      const required = use === 'required'
      const header = idempotencyKeyHeader(required)
      const headers = route.schema?.headers as ObjectSchema | undefined
      const withKey = headers
        ? {
            ...headers,
            properties: { ...headers.properties, [IDEMPOTENCY_KEY_HEADER]: header },
            ...(required ? { required: [...(headers.required ?? []), IDEMPOTENCY_KEY_HEADER] } : {})
          }
        : Type.Object({ [IDEMPOTENCY_KEY_HEADER]: required ? header : Type.Optional(header) })
      route.schema = { ...route.schema, headers: withKey } satisfies FastifySchema
      route.preValidation = withHook(route.preValidation, readIdempotencyKey)
    })
  },
  { name: 'idempotency-key' }
)


// Before schema validation, so a malformed key gets the same message on every route; a missing one
// on a 'required' route is left to the schema (its `required`).
function readIdempotencyKey(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const value = request.headers[IDEMPOTENCY_KEY_HEADER]
  try {
    // Node joins repeated headers into one string; only set-cookie arrives as an array.
    if (value !== undefined) request.idempotencyKey = checkIdempotencyKey(String(value))
    done()
  } catch (error) {
    done(error as Error)
  }
}

/** The key of a request on a 'required' route (the schema has already refused requests without one). */
export function idempotencyKeyOf(request: FastifyRequest): string {
  if (request.idempotencyKey === undefined) throw new ValidationError('The Idempotency-Key header is required.', { field: IDEMPOTENCY_KEY_HEADER })
  return request.idempotencyKey
}

/**
 * Runs `operation` at most once per (scope, the request's key) through `idempotency`, and sends its
 * response: the first one again on a retry with the same `fingerprint`, 422 with another. Without a
 * key (an 'optional' route) it just runs.
 */
export async function replyIdempotently(
  request: FastifyRequest,
  reply: FastifyReply,
  idempotency: Idempotency,
  scope: string,
  fingerprint: unknown,
  operation: () => Promise<StoredResponse>
): Promise<FastifyReply> {
  return sendStoredResponse(reply, await idempotency.run(scope, request.idempotencyKey, fingerprint, operation))
}

/**
 * Sends a result of `Idempotency.run`: its status and body, plus `Idempotent-Replayed: true` on a
 * replay. A stored error body gets this request's `requestId`, like every error response.
 */
function sendStoredResponse(reply: FastifyReply, result: IdempotentResult): FastifyReply {
  if (result.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true')
  const { body } = result
  const isErrorBody = result.statusCode >= 400 && body !== null && typeof body === 'object' && !Array.isArray(body)
  return reply.code(result.statusCode).send(isErrorBody ? { ...body, requestId: reply.request.id } : body)
}
