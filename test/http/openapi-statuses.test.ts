// Every status a route can produce is documented on it. The routes are collected from the app the
// integration tests use (real services on the embedded runtime), each with its final options (after
// the onRoute hooks that add 503, the Idempotency-Key header and default auth levels); the statuses
// it must document follow from generic rules (its input schemas, auth level, id param, Idempotency-Key)
// plus a small table for what only its services can tell. Then the generic rules are checked against
// the running app, so they describe what it really answers. Hidden routes (the docs UI, /_local) are
// not part of the API and are skipped.
import { channel } from 'node:diagnostics_channel'
import type { FastifyInstance, InjectOptions, RouteOptions } from 'fastify'
import t from 'tap'
import type { AuthLevel } from '../../src/plugins/auth-guard'
import { build } from '../helpers/build'
import { bearer, registerVerifiedUser, uniqueEmail } from '../helpers/users'

/** What the checks need to know of a route. */
interface RouteFacts {
  method: string
  url: string
  auth: AuthLevel | undefined
  inputs: string[]
  idempotencyKey: boolean
  documented: string[]
}

// Statuses that only the route's handler and services can produce, found by reading them (a service
// throwing ConflictError → 409, etc.): what static derivation cannot see. Keys must name real routes.
const FROM_SERVICES: Record<string, Record<number, string>> = {
  'POST /users/register': { 409: 'the email is already registered', 429: 'too many registrations from the address or for the email (AuthService.register)' },
  'POST /users/login': { 401: 'wrong email or password', 429: 'too many failed attempts (AuthService.login)' },
  'POST /users/token/refresh': { 401: 'an invalid, expired or already rotated refresh token' },
  'POST /users/verify-email': { 400: 'an invalid or expired verification token' },
  'GET /users/me': { 404: 'the account no longer exists' },
  'PATCH /users/me': { 404: 'the account no longer exists' },
  'POST /users/verify-email/resend': { 429: 'too many resends for the account (AuthService.resendVerification)' },
  'POST /users/password/forgot': { 429: 'too many reset requests from the address or for the email (PasswordService.forgot)' },
  'POST /users/password/reset': { 400: 'a bad, used or expired reset token' },
  'POST /users/me/password': { 401: 'a wrong current password', 429: 'too many failed password checks (the login throttle)' },
  'GET /orders': { 400: 'a tampered lastKey cursor' },
  'GET /products': { 400: 'a tampered lastKey cursor' },
  'PATCH /products/:id': { 409: 'stock below the units reserved by open orders' },
  'POST /orders': { 409: 'the order could not be created (OrderService.place)' },
  'POST /orders/:id/cancel': { 409: 'the order is already cancelled or shipped' },
  'PUT /orders/:id/status': { 409: 'a transition that is not allowed' },
  'POST /payments': { 402: 'a declined card', 404: 'an unknown order', 409: 'the order is not payable or another payment holds it' },
  'POST /payments/:id/refunds': { 409: 'the payment is not refundable or the amount is too large' },
  'POST /webhooks/stripe': { 400: 'a bad or stale signature' }
}

/** The statuses `route` must document, each with why. */
function requiredStatuses(route: RouteFacts): Map<number, string> {
  const required = new Map<number, string>()
  if (route.inputs.length > 0) required.set(400, `validates its ${route.inputs.join(', ')}`)
  if (route.auth === 'customer' || route.auth === 'admin') required.set(401, `auth is '${route.auth}'`)
  if (route.auth === 'admin') required.set(403, 'admin only')
  if (pathParams(route.url).includes('id')) required.set(404, 'has an id param')
  if (route.idempotencyKey) {
    required.set(400, 'takes an Idempotency-Key (malformed or missing)')
    required.set(409, 'takes an Idempotency-Key (a request with the key in progress)')
    required.set(422, 'takes an Idempotency-Key (same key, other body)')
  }
  for (const [status, why] of Object.entries(FROM_SERVICES[routeKey(route)] ?? {})) required.set(Number(status), why)
  required.set(503, 'every route (the error handler)')
  return required
}

/** One line per required status the route does not document. */
function undocumented(route: RouteFacts, documented: string[]): string[] {
  return [...requiredStatuses(route)]
    .filter(([status]) => !documented.includes(String(status)))
    .map(([status, why]) => `${routeKey(route)}: ${status} (${why}) is not documented`)
}

const routeKey = (route: Pick<RouteFacts, 'method' | 'url'>) => `${route.method} ${route.url}`
const pathParams = (url: string) => [...url.matchAll(/:(\w+)/g)].map((match) => match[1])
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

/** build(t), with every route of its app as registered (Fastify announces each new instance on this channel). */
async function buildCollectingRoutes(test: Parameters<typeof build>[0], env: Record<string, string>) {
  const routesByInstance = new Map<FastifyInstance, RouteOptions[]>()
  const initialization = channel('fastify.initialization')
  const collect = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance }
    const routes: RouteOptions[] = []
    routesByInstance.set(fastify, routes)
    // The first onRoute hook: it keeps the options object, which the later hooks complete.
    fastify.addHook('onRoute', (route) => {
      routes.push(route)
    })
  }
  initialization.subscribe(collect)
  let built: Awaited<ReturnType<typeof build>>
  try {
    built = await build(test, { env })
  } finally {
    initialization.unsubscribe(collect)
  }
  const routes = routesByInstance.get(built.app)
  if (!routes) throw new Error('the routes of the app were not collected')
  return { ...built, routes }
}

type Document = { paths?: Record<string, Record<string, { responses?: object; parameters?: unknown[] }>> }

function factsOf(route: RouteOptions, document: Document): RouteFacts {
  const method = String(route.method)
  const schema = route.schema ?? {}
  const inputs = (['params', 'querystring', 'body', 'headers'] as const).filter((part) => schema[part] !== undefined)
  return {
    method,
    url: route.url,
    auth: route.config?.auth,
    inputs,
    idempotencyKey: route.config?.idempotencyKey !== undefined,
    documented: Object.keys(document.paths?.[openApiPath(route.url)]?.[method.toLowerCase()]?.responses ?? {})
  }
}

/** Parameters (query, path, header) the document marks required although they have a default. */
function requiredWithDefault(document: Document): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      (operation.parameters ?? [])
        .map((parameter) => parameter as { name?: string; in?: string; required?: boolean; schema?: { default?: unknown } })
        .filter((parameter) => parameter.required === true && parameter.schema?.default !== undefined)
        .map((parameter) => `${method.toUpperCase()} ${path}: ${parameter.in} ${parameter.name} has a default but is required`)
    )
  )
}

t.test('the rules catch an undocumented status (so the check below can fail)', async (t) => {
  const route: RouteFacts = { method: 'POST', url: '/things/:id', auth: 'admin', inputs: ['params', 'body'], idempotencyKey: true, documented: [] }
  t.same(
    undocumented(route, ['200', '400', '401', '403', '404', '409', '503']).map((line) => line.split(' (')[0]),
    ['POST /things/:id: 422']
  )
  t.same(undocumented({ ...route, auth: 'public', inputs: [], idempotencyKey: false, url: '/things' }, ['200', '503']), [])
  const limit = { name: 'limit', in: 'query', required: true, schema: { type: 'integer', default: 20 } }
  t.same(requiredWithDefault({ paths: { '/things': { get: { parameters: [limit] } } } }), ['GET /things: query limit has a default but is required'])
  t.same(requiredWithDefault({ paths: { '/things': { get: { parameters: [{ ...limit, required: false }] } } } }), [])
})

t.test('every route documents every status it can produce', async (t) => {
  const adminEmail = uniqueEmail('admin')
  const { app, runtime, routes } = await buildCollectingRoutes(t, { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail })
  const document = app.swagger() as Document

  // GET routes also answer HEAD (the same route, not documented separately).
  const api = routes.filter((route) => !route.schema?.hide && !route.url.startsWith('/_local') && route.method !== 'HEAD').map((route) => factsOf(route, document))
  t.ok(api.length >= 20, `the routes were collected (${api.length})`)

  const unknownKeys = Object.keys(FROM_SERVICES).filter((key) => !api.some((route) => routeKey(route) === key))
  t.same(unknownKeys, [], 'every entry of FROM_SERVICES names a route')

  const notInDocument = api.filter((route) => route.documented.length === 0).map(routeKey)
  t.same(notInDocument, [], 'every route is in the OpenAPI document')

  // The route's own response schema (what the app serialises with) and the document agree.
  for (const raw of routes.filter((route) => api.some((facts) => routeKey(facts) === routeKey({ method: String(route.method), url: route.url })))) {
    const facts = factsOf(raw, document)
    const own = Object.keys((raw.schema?.response ?? {}) as object)
    t.same([...own].sort(), [...facts.documented].sort(), `${routeKey(facts)}: the document lists the response schema's statuses`)
  }

  t.same(api.flatMap((route) => undocumented(route, route.documented)), [], 'no status is missing')
  t.same(requiredWithDefault(document), [], 'no parameter with a default is marked required')

  // The generic rules describe what the app answers: 401 without a token, 403 for a customer on an
  // admin route, 400 for an id that breaks the params schema or a body that breaks the body schema.
  // All of these are refused before any handler runs, so nothing changes.
  const customer = (await registerVerifiedUser(app, runtime)).session.token
  const admin = (await registerVerifiedUser(app, runtime, adminEmail)).session.token
  const tooLongId = 'x'.repeat(65)
  const answers: string[] = []
  const expected: string[] = []
  for (const route of api) {
    const method = route.method as InjectOptions['method']
    const url = route.url.replace(/:id\b/, 'an-id')
    const record = async (what: string, status: number, request: InjectOptions) => {
      const response = await app.inject({ method, url, ...request })
      expected.push(`${routeKey(route)} ${what}: ${status}`)
      answers.push(`${routeKey(route)} ${what}: ${response.statusCode}`)
    }
    const authorized = route.auth === 'public' ? {} : bearer(admin)
    if (route.auth === 'customer' || route.auth === 'admin') await record('without a token', 401, {})
    if (route.auth === 'admin') await record('as a customer', 403, { headers: bearer(customer) })
    if (route.inputs.includes('params') && pathParams(route.url).includes('id')) {
      await record('with a too long id', 400, { url: route.url.replace(/:id\b/, tooLongId), headers: authorized })
    }
    if (route.inputs.includes('body')) await record('with a body that is not an object', 400, { headers: { ...authorized, 'content-type': 'application/json' }, payload: '[]' })
  }
  t.same(answers, expected, 'the app answers as the rules say')
  t.ok(expected.length >= 20, `the rules were exercised (${expected.length} requests)`)
})
