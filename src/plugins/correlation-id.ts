// Correlation ids: every request gets one (echoed from `x-correlation-id` when it is well formed,
// generated otherwise). Fastify uses it as the request id, so it is on every log line of the request
// (as `correlationId`) and in every error body (as `requestId`); services receive it to pass on to
// events and workflow executions.
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { timeOrderedIdGenerator } from './time-ordered-id'

export const CORRELATION_HEADER = 'x-correlation-id'
const WELL_FORMED = /^[A-Za-z0-9._:=+/-]{1,128}$/

/** A new correlation id: a UUIDv7 (time-ordered, see time-ordered-id.ts). */
export const newCorrelationId = timeOrderedIdGenerator()

/**
 * Fastify `genReqId`: the caller's `x-correlation-id` if it is safe to log and echo; else the
 * `x-request-id` (on Lambda, API Gateway's request id) so API Gateway and app logs line up; else a new id.
 */
export function correlationIdFor(request: IncomingMessage): string {
  // Runs on every request: two plain lookups, no list to walk (BENCHMARKS.md, GET /health throughput).
  const { headers } = request
  return wellFormed(headers[CORRELATION_HEADER]) ?? wellFormed(headers['x-request-id']) ?? newCorrelationId()
}

/** The header's (first) value if it is safe to log and echo. */
function wellFormed(header: string | string[] | undefined): string | undefined {
  const candidate = typeof header === 'string' || header === undefined ? header : header[0]
  return candidate && WELL_FORMED.test(candidate) ? candidate : undefined
}

export const correlationIdPlugin = fp(
  async (app) => {
    // Callback style: this runs on every request, and an async hook costs a promise each time.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(CORRELATION_HEADER, request.id)
      done()
    })
  },
  { name: 'correlation-id' }
)
