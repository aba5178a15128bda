// The JSON body parser of every route (the Stripe webhook replaces it with a raw one): Fastify's
// default says only "Body is not valid JSON" for a body that parses but carries `__proto__` or
// `constructor`, and accepts any nesting, which recursive code after it (the request fingerprint,
// the DynamoDB marshaller) cannot. Here: JSON.parse (iterative, safe for deep input: it defines
// `__proto__` as an own property, never as the prototype), then one non-recursive walk that refuses
// forbidden keys and over-deep bodies with a 400 saying which. An empty body is no body (undefined),
// as without a content type: the route's schema decides whether one is required.
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../domain/json-shape'

function badRequest(message: string): FastifyError {
  return Object.assign(new Error(message), { statusCode: 400, code: 'BAD_JSON_BODY', name: 'BadRequest' }) as FastifyError
}

/** The parsed body, or the 400 error saying what is wrong with it. */
export function parseJsonBody(text: string): { body: unknown } | { error: FastifyError } {
  if (text.length === 0) return { body: undefined }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { error: badRequest("Body is not valid JSON but content-type is set to 'application/json'") }
  }
  const problem = jsonShapeProblem(body)
  if (problem?.kind === 'forbidden-key') return { error: badRequest(`Body must not contain the key ${problem.key}`) }
  if (problem?.kind === 'too-deep') return { error: badRequest(`Body must not be nested more than ${MAX_JSON_DEPTH} levels deep`) }
  return { body }
}

export const jsonBodyPlugin = fp(
  async (app) => {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
      const result = parseJsonBody(text as string)
      if ('error' in result) done(result.error, undefined)
      else done(null, result.body)
    })
  },
  { name: 'json-body' }
)
