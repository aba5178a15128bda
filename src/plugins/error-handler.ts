// The one place where errors become HTTP responses: `{ error, message, requestId }`.
// Domain errors map by their code (src/domain/error-status.ts), with Retry-After on 429 and 503
// (documented on every route);
// Fastify's own 4xx errors (validation, bad JSON, wrong content type, oversized body) keep their
// status with a clear message; anything else is a 500 with a generic message, logged in full with
// the correlation id.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bodyOfDomainError, retryAfterOfDomainError, statusOfDomainError } from '../domain/error-status'
import { DomainError } from '../domain/errors'
import { ErrorRef } from '../schemas/common'

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

function send(reply: FastifyReply, request: FastifyRequest, status: number, body: Omit<ErrorBody, 'requestId'>) {
  return reply.code(status).type('application/json; charset=utf-8').send({ ...body, requestId: request.id })
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
        const target = [where, missing ?? field].filter(Boolean).join('.')
        return send(reply, request, 400, {
          error: 'ValidationError',
          message: `${target} ${first?.message ?? 'is invalid'}`,
          field: missing ?? field ?? where
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
      send(reply, request, 404, { error: 'NotFound', message: `Route ${request.method} ${request.url.split('?')[0]} not found` })
    )
  },
  { name: 'error-handler' }
)
