// The one place where errors become HTTP responses: `{ error, message, requestId }`.
// Domain errors map by their code (src/domain/error-status.ts), with Retry-After on 429 and 503
// (documented on every route);
// Fastify's own 4xx errors (validation, bad JSON, wrong content type, oversized body) keep their
// status with a clear message; anything else is a 500 with a generic message, logged in full with
// the correlation id. Errors raised before a route is found (Fastify's `frameworkErrors`: a bad
// percent-encoding, an over-long path parameter) and by Node's HTTP parser before Fastify sees the
// request (`clientErrorHandler`: headers too large, a request too slow) answer in the same shape.
// No message echoes more than ECHO_LIMIT characters of what the caller sent.
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bodyOfDomainError, retryAfterOfDomainError, statusOfDomainError } from '../domain/error-status'
import { DomainError } from '../domain/errors'
import { ErrorRef } from '../schemas/common'
import { CORRELATION_HEADER, correlationIdFor, newCorrelationId } from './correlation-id'

const CODE_BY_CLIENT_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'RequestTimeout',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  431: 'HeadersTooLarge'
}

export interface ErrorBody {
  error: string
  message: string
  requestId: string
  [detail: string]: unknown
}

/** At most this many characters of caller input (a path, a field name) appear in a message. */
export const ECHO_LIMIT = 64
/** Backstop for messages that embed input elsewhere (e.g. a framework message): none is longer. */
const MESSAGE_LIMIT = 256

/** `input` cut to `limit` characters (never inside a surrogate pair), with `…` when cut. */
export function clip(input: string, limit = ECHO_LIMIT): string {
  if (input.length <= limit) return input
  const cut = input.slice(0, /[\uD800-\uDBFF]/.test(input[limit - 1] ?? '') ? limit - 1 : limit)
  return `${cut}…`
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, body: { error: string; message: string; [detail: string]: unknown }) {
  const message = clip(body.message, MESSAGE_LIMIT)
  return reply.code(status).type('application/json; charset=utf-8').send({ ...body, message, requestId: request.id })
}

/** What the router refuses before any route (or hook) runs; the path itself is never echoed. */
const FRAMEWORK_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, error: 'BadRequest', message: 'The URL is not valid: it has a malformed percent-encoding.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'UriTooLong', message: 'A path parameter of the URL is too long.' }
}

/**
 * Fastify `frameworkErrors`: these requests skip every hook (so the correlation-id plugin too), hence
 * the header here. Their request id is already the correlation id (genReqId).
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(CORRELATION_HEADER, request.id)
  const known = FRAMEWORK_ERRORS[error.code]
  if (known) {
    void send(reply, request, known.status, { error: known.error, message: known.message })
    return
  }
  request.log.error({ err: error }, 'unhandled framework error')
  void send(reply, request, 500, { error: 'InternalError', message: 'An unexpected error occurred.' })
}

/** Node's HTTP parser and timeouts, by error code; anything else it refuses is a 400. */
const CLIENT_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'RequestTimeout', message: 'The request was not received in time.' },
  HPE_HEADER_OVERFLOW: { status: 431, error: 'HeadersTooLarge', message: 'The request headers (or the URL) are too large.' }
}
const MALFORMED = { status: 400, error: 'BadRequest', message: 'The request is not valid HTTP.' }

/** The response of a socket, private to Node but the only way to know whether one has started. */
type SocketWithResponse = Socket & { _httpMessage?: { headersSent?: boolean; req?: IncomingMessage } | null }

/**
 * Fastify `clientErrorHandler`: Node refused a request before Fastify got it (headers over
 * maxHeaderSize, headers or body not received in time, bytes that are not HTTP). Answered in the house
 * shape with a fresh request id (or the caller's correlation id when the headers were read), logged
 * with it, and the socket closed, as Node does by default.
 */
export function clientErrorHandlerFor(log: FastifyBaseLogger): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { status, error: code, message } = CLIENT_ERRORS[error.code] ?? MALFORMED
    const response = (socket as SocketWithResponse)._httpMessage
    // correlationIdFor echoes only a well-formed id (no CR/LF), so it is safe in the raw header below.
    const requestId = response?.req ? correlationIdFor(response.req) : newCorrelationId()
    log.info({ correlationId: requestId, code: error.code, statusCode: status }, 'client error')
    // Like Node: no answer once a response has started on this socket (the bytes would corrupt it).
    if (socket.writable && !response?.headersSent) {
      const body = JSON.stringify({ error: code, message, requestId })
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `${CORRELATION_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`
      )
    }
    socket.destroy(error)
  }
}

export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | DomainError | Error, request, reply) => {
      if (error instanceof DomainError) {
        const status = statusOfDomainError(error)
        const retryAfter = retryAfterOfDomainError(error)
        if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
        // A 5xx is ours to look at (e.g. the table store is down), with its cause; 4xx are the caller's.
        if (status >= 500) request.log.warn({ err: error }, 'service unavailable')
        return send(reply, request, status, bodyOfDomainError(error))
      }
      const fastifyError = error as FastifyError
      if (fastifyError.validation) {
        const first = fastifyError.validation[0]
        const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : undefined
        const missing = first?.keyword === 'required' ? String((first.params as { missingProperty?: string }).missingProperty) : undefined
        const where = fastifyError.validationContext ?? 'request'
        // Property names are the caller's (a 70 KB key is one): clipped like any other input.
        const named = missing ?? field
        const target = [where, named === undefined ? undefined : clip(named)].filter(Boolean).join('.')
        return send(reply, request, 400, {
          error: 'ValidationError',
          message: `${target} ${first?.message ?? 'is invalid'}`,
          field: named === undefined ? where : clip(named)
        })
      }
      const status = fastifyError.statusCode
      if (status && status >= 400 && status < 500) {
        return send(reply, request, status, { error: CODE_BY_CLIENT_STATUS[status] ?? 'BadRequest', message: fastifyError.message })
      }
      request.log.error({ err: error }, 'unhandled error')
      return send(reply, request, 500, { error: 'InternalError', message: 'An unexpected error occurred.' })
    })

    // Every documented route can answer 503 (the table store or the payment provider unavailable, with
    // Retry-After): said once here rather than on each route.
    app.addHook('onRoute', (route) => {
      const response = route.schema?.response as Record<string, unknown> | undefined
      if (response && !(503 in response) && !route.url.startsWith('/_local')) {
        route.schema = { ...route.schema, response: { ...response, 503: ErrorRef } }
      }
    })

    app.setNotFoundHandler((request, reply) =>
      send(reply, request, 404, { error: 'NotFound', message: `Route ${request.method} ${clip(request.url.split('?')[0] ?? '')} not found` })
    )
  },
  { name: 'error-handler' }
)
