// Fastify glue for the Idempotency-Key mechanism (src/services/idempotency.ts). A route opts in with
// `config: { idempotencyKey: true }`: the header is then documented on it, validated (400 when
// malformed) and exposed as `request.idempotencyKey`. `sendStoredResponse` sends a result of
// `Idempotency.run`, marking replays with `Idempotent-Replayed: true` as Stripe does.
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { checkIdempotencyKey, type IdempotentResult } from '../services/idempotency'

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours an optional `Idempotency-Key` header. */
    idempotencyKey?: boolean
  }
  interface FastifyRequest {
    /** The validated `Idempotency-Key` header on routes that opt in; undefined when not sent. */
    idempotencyKey?: string
  }
}

const KeyHeaderSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7E]+$',
  description: 'Optional. A unique key (e.g. a UUID) per intended operation; retries with the same key and request get the first response. Kept 24 hours.'
})

export const idempotencyKeyPlugin = fp(
  async (app) => {
    app.decorateRequest('idempotencyKey', undefined)

    // Only routes that opt in get the header documented and a check: no cost on the other routes.
    app.addHook('onRoute', (route) => {
      if (!route.config?.idempotencyKey) return
      const headers = route.schema?.headers as { properties?: Record<string, unknown> } | undefined
      const withKey = headers
        ? { ...headers, properties: { ...headers.properties, [IDEMPOTENCY_KEY_HEADER]: Type.Optional(KeyHeaderSchema) } }
        : Type.Object({ [IDEMPOTENCY_KEY_HEADER]: Type.Optional(KeyHeaderSchema) })
      route.schema = { ...route.schema, headers: withKey } satisfies FastifySchema
      route.preValidation = [...toArray(route.preValidation), readIdempotencyKey]
    })
  },
  { name: 'idempotency-key' }
)

const toArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

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

/**
 * Sends a result of `Idempotency.run`: its status and body, plus `Idempotent-Replayed: true` on a
 * replay. A stored error body gets this request's `requestId`, like every error response.
 */
export function sendStoredResponse(reply: FastifyReply, result: IdempotentResult): FastifyReply {
  if (result.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true')
  const { body } = result
  const isErrorBody = result.statusCode >= 400 && body !== null && typeof body === 'object' && !Array.isArray(body)
  return reply.code(result.statusCode).send(isErrorBody ? { ...body, requestId: reply.request.id } : body)
}
