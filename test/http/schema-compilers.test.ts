// Build-time compiled schemas (scripts/compile-schemas.ts → dist/lambda.mjs): the generated set covers
// every route of the app, and the app answers the same with it as with schemas compiled at startup —
// statuses and error messages (strict bodies, coerced query strings, the clearer messages).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app'
import { createLogger } from '../../src/logger'
import { asFastifyCompilersFactory, createSchemaCompilers, type SchemaCompilers } from '../../src/plugins/schema-compilers'
import { compileRouteSchemas, formatPrecompiledModule, loadPrecompiledModule, placeholderApiConfig } from '../../scripts/compile-schemas'
import { uncallableServices } from '../../scripts/openapi-document'

const compiled = await compileRouteSchemas()
const precompiled = loadPrecompiledModule(formatPrecompiledModule(compiled))

/** A fallback that records what it was asked for and compiles nothing: a call means a route was missing. */
function refusingFallback(missing: string[]): SchemaCompilers {
  return {
    buildValidator: () => (route) => {
      missing.push(`validator ${String(route.method)} ${route.url} ${route.httpPart ?? ''}`)
      throw new Error('no build-time compiled validator')
    },
    buildSerializer: () => (route) => {
      missing.push(`serializer ${String(route.method)} ${route.url} ${route.httpStatus}`)
      throw new Error('no build-time compiled serializer')
    }
  }
}

const config = placeholderApiConfig()
/** The app as the Lambda builds it, with services that throw if called; signed in as an admin, so that protected routes get as far as validation. */
async function app(schemaCompilers?: SchemaCompilers): Promise<FastifyInstance> {
  const instance = await buildApp({
    config,
    services: uncallableServices(),
    authenticate: async () => ({ userId: 'u-admin', email: 'admin@example.com', roles: ['admin', 'customer'], sessionId: 's1' }),
    logger: createLogger(config),
    ...(schemaCompilers ? { schemaCompilers: asFastifyCompilersFactory(schemaCompilers) } : {})
  })
  await instance.ready()
  return instance
}

t.test('the build-time set covers every route: the app builds without compiling a single schema', async (t) => {
  const missing: string[] = []
  const instance = await app(createSchemaCompilers(precompiled, refusingFallback(missing)))
  t.teardown(() => instance.close())
  t.same(missing, [])
  t.ok(compiled.validators.size > 20 && compiled.serializers.size > 50, `${compiled.validators.size} validators, ${compiled.serializers.size} serializers`)
  t.ok([...compiled.validators.keys()].some((key) => key.startsWith('POST /orders body')), 'keys name method, URL and part')
})

t.test('a route the set lacks is compiled when the app is built (the fallback)', async (t) => {
  const missing: string[] = []
  const { validators, serializers } = precompiled
  const withoutOne = { validators: Object.fromEntries(Object.entries(validators).filter(([key]) => !key.startsWith('POST /orders body'))), serializers }
  await t.rejects(app(createSchemaCompilers(withoutOne, refusingFallback(missing))))
  t.same(missing, ['validator POST /orders body'])
})

t.test('requests are answered the same with build-time compiled and with startup-compiled schemas', async (t) => {
  const runtime = await app()
  const restored = await app(createSchemaCompilers(precompiled, refusingFallback([])))
  t.teardown(async () => {
    await runtime.close()
    await restored.close()
  })
  const routes = new Set([...compiled.validators.keys()].map((key) => key.split(' ').slice(0, 2).join(' ')).filter((route) => !route.startsWith('HEAD ')))
  const bodies = [undefined, '{}', 'null', '[]', '"text"', '{"zz":1}', '{"email":"not an email","password":12345678,"quantity":"3","items":[{"productId":"p","quantity":"2","price":1}]}']
  const queries = ['', '?limit=abc&page=-1&status=nope&zz=1', '?limit=5&cursor=%00']
  let compared = 0
  const messages = new Set<string>()
  for (const route of routes) {
    const [method = 'GET', url = '/'] = route.split(' ')
    const path = url.replace(/:[^/]+/g, 'x')
    for (const body of method === 'GET' ? [undefined] : bodies) {
      for (const query of queries) {
        const request = {
          method: method as 'GET',
          url: `${path}${query}`,
          headers: { 'content-type': 'application/json', 'idempotency-key': query ? 'not a valid key!' : 'k-0123456789abcdef' },
          ...(body === undefined ? {} : { payload: body })
        }
        const [expected, actual] = await Promise.all([runtime.inject(request), restored.inject(request)])
        // The error body's requestId differs per request; some routes answer HTML.
        const comparable = (body: string): unknown => {
          if (!body.startsWith('{')) return body
          const { requestId: _requestId, ...rest } = JSON.parse(body) as Record<string, unknown>
          return rest
        }
        t.equal(actual.statusCode, expected.statusCode, `${method} ${request.url} ${body ?? ''}: status`)
        t.same(comparable(actual.body), comparable(expected.body), `${method} ${request.url} ${body ?? ''}: body`)
        compared++
        if (expected.statusCode === 400) messages.add(String((JSON.parse(expected.body) as { message?: unknown }).message))
      }
    }
  }
  t.ok(compared > 100, `${compared} requests compared`)
  // The comparison reached validation, with its clearer messages and coercion, not only 401s and 500s.
  t.ok(messages.size > 20, `${messages.size} distinct validation messages`)
  t.ok([...messages].some((message) => message.includes('must not have the unknown property "zz"')), 'unknown properties are named')
  t.ok([...messages].some((message) => message.endsWith('is required')), 'a missing body is said to be required')
  t.ok([...messages].some((message) => message.startsWith('querystring')), 'query strings are validated')
})
