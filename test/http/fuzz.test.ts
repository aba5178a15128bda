// Property-based fuzz of every operation in the committed openapi/openapi.json (DESIGN section 7: no
// input may produce a 5xx). For each operation fast-check generates requests from its parameters and
// body schema (valid-ish values, wrong types, values at and past their bounds, unknown, `__proto__`
// and huge keys, deep nesting, arbitrary JSON and non-JSON text, odd content types), with real ids and
// tokens mixed in (a customer's, an admin's, forged ones), and sends them through app.inject. Every
// answer must be below 500, carry x-correlation-id, and a 4xx must have the house error shape
// `{ error, message, requestId }` with requestId equal to that header. At the end /health still answers.
//
// Bounded: FUZZ_RUNS requests per operation (default below), plus fast-check's shrinking of a failure,
// all within FUZZ_BUDGET_MS (an operation stops at its share of what is left; FUZZ_SURVEY=1 lists
// every distinct failure instead of stopping at the first).
// Reproducible: FUZZ_SEED (default fixed; printed). A failure names the operation, the shrunk request
// and the response; every distinct failure seen along the way is listed too.
//   FUZZ_SEED=123 FUZZ_RUNS=500 FUZZ_ONLY='POST /orders' npx tap --timeout=600 test/http/fuzz.test.ts
import { createHmac, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import t from 'tap'
import { build, projectRoot } from '../helpers/build'
import { ADDRESS } from '../helpers/orders'
import {
  anyJson,
  hostileString,
  objectOf,
  Placeholder,
  shorten,
  toJsonText,
  validish,
  withExtras,
  type GeneratorContext,
  type OpenApiDocument,
  type Operation
} from '../helpers/openapi-fuzz'
import { bearer, login, register, registerVerifiedUser, uniqueEmail, verificationToken } from '../helpers/users'

const SEED = Number(process.env.FUZZ_SEED ?? 13_013)
const RUNS = Number(process.env.FUZZ_RUNS ?? 50)
/** Time for all operations together; an operation still running at its share stops there (reported). */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? (process.env.FUZZ_RUNS ? 3_600_000 : 40_000))
/** Record every failure and go on (no shrinking): lists all the distinct failures of a run, by hand. */
const SURVEY = process.env.FUZZ_SURVEY === '1'
/** Only the operations whose `METHOD /path` matches this regular expression (by hand, e.g. 'webhooks'). */
const ONLY = new RegExp(process.env.FUZZ_ONLY ?? '')
// Fuzz requests come from another address than the setup's logins, so failed-login limits per
// address that the fuzz trips never lock the setup out.
const FUZZ_ADDRESS = '203.0.113.13'

const document = JSON.parse(readFileSync(path.join(projectRoot, 'openapi', 'openapi.json'), 'utf8')) as OpenApiDocument

type Auth = 'customer' | 'admin' | 'session' | 'none' | { header: string }
type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'text'; text: string }
type Signature = 'valid' | 'stale' | 'garbage' | 'none'

interface FuzzRequest {
  method: string
  url: string
  auth: Auth
  headers: Record<string, string>
  body: Body
  /** POST /webhooks/stripe only: how the body is signed. */
  signature?: Signature
}

/** Header values the HTTP layer can carry (no control characters, Latin-1 only). */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')

const RAW_BODIES = ['', 'not json', '{', '{"a":1}{"b":2}', '\ufeff{}', 'null', '[]', '"text"', '{"a":1,}', "{'a':1}", '{"__proto__":{"roles":["admin"]}}', '{"constructor":{"prototype":{"x":1}}}']
const CONTENT_TYPES = ['text/plain', 'application/json; charset=utf-8', 'application/JSON', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/vnd.api+json', '']
const WEBHOOK_TYPES = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action', 'payment_intent.canceled', 'charge.refunded', 'charge.succeeded', 'customer.created']

interface Fixtures {
  context: GeneratorContext
  tokens: { customer: string; admin: string; forged: string[] }
  webhookSecret: string
}

function operationsOf(doc: OpenApiDocument): Array<{ method: string; route: string; operation: Operation }> {
  return Object.entries(doc.paths)
    .filter(([route]) => !route.startsWith('/_local') && !route.startsWith('/docs'))
    .flatMap(([route, operations]) => Object.entries(operations).map(([method, operation]) => ({ method: method.toUpperCase(), route, operation })))
}

function authArbitrary(route: string, operation: Operation, fixtures: Fixtures): fc.Arbitrary<Auth> {
  if (!operation.security) return fc.oneof({ weight: 6, arbitrary: fc.constant<Auth>('none') }, { weight: 1, arbitrary: fc.constant<Auth>('customer') })
  const forged = fc.oneof(
    fc.constantFrom(...fixtures.tokens.forged).map((token) => `Bearer ${token}`),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `bearer ${fixtures.tokens.customer}`, `Bearer  ${fixtures.tokens.admin}`, `Bearer ${fixtures.tokens.customer}x`),
    hostileString.map((value) => `Bearer ${value}`)
  )
  // Logging out (and rotating refresh tokens) is done with a throw-away session, so it never
  // revokes the tokens the other operations use.
  const valid: Auth = route.startsWith('/users/logout') || route.startsWith('/users/token') ? 'session' : 'customer'
  const admin = '403' in operation.responses
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<Auth>(admin ? 'admin' : valid) },
    { weight: 2, arbitrary: fc.constant<Auth>(admin ? valid : 'admin') },
    { weight: 1, arbitrary: fc.constant<Auth>('none') },
    { weight: 2, arbitrary: forged.map((header): Auth => ({ header: headerSafe(header) })) }
  )
}

/** A path or query value as text: strings as they are, anything else as JSON. */
const asText = (value: unknown) => (typeof value === 'string' ? value : toJsonText(value, (name) => `<${name}>`))

/** Mostly percent-encoded; sometimes raw (bad percent-encoding, slashes, `?` and `#` included). */
function encoded(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  // Lone surrogates cannot be percent-encoded (encodeURIComponent throws): U+FFFD instead.
  const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
  const text = fc.tuple(value.map(asText), fc.nat(9)).map(([entry, roll]) => (roll === 0 ? entry.replace(/[\s]/g, '') : encodeURIComponent(wellFormed(entry))))
  return fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', 'a%00b', '..%2F..', '%C0%AF', '%FF') })
}

function urlArbitrary(route: string, operation: Operation, context: GeneratorContext): fc.Arbitrary<string> {
  const parameters = operation.parameters ?? []
  const pathParts = parameters
    .filter((parameter) => parameter.in === 'path')
    .map((parameter) => encoded(validish(parameter.schema, context, parameter.name)).map((value) => [parameter.name, value] as const))
  const queryParts = parameters
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => fc.option(encoded(validish(parameter.schema, context, parameter.name)).map((value) => `${parameter.name}=${value}`), { nil: undefined }))
  const extraQuery = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('limit=1&limit=2', 'foo=bar', '__proto__[admin]=1', 'constructor.prototype.x=1', '&&&', '=', `${'q'.repeat(3000)}=1`, '%', 'a=%E0%A4%A') }
  )
  return fc.tuple(fc.tuple(...pathParts), fc.tuple(...queryParts), extraQuery).map(([pathValues, queryValues, extra]) => {
    let url = route
    for (const [name, value] of pathValues) url = url.replace(`{${name}}`, value)
    const query = [...queryValues, extra].filter((part) => part !== undefined)
    return query.length > 0 ? `${url}?${query.join('&')}` : url
  })
}

function bodyArbitrary(method: string, operation: Operation, context: GeneratorContext): fc.Arbitrary<Body> {
  const schema = operation.requestBody?.content['application/json']?.schema
  const json = (value: fc.Arbitrary<unknown>) => value.map((entry): Body => ({ kind: 'json', value: entry }))
  const text = fc.constantFrom(...RAW_BODIES).map((entry): Body => ({ kind: 'text', text: entry }))
  if (schema) {
    return fc.oneof({ weight: 7, arbitrary: json(validish(schema, context)) }, { weight: 2, arbitrary: json(anyJson) }, { weight: 1, arbitrary: text })
  }
  if (method === 'GET') return fc.constant<Body>({ kind: 'none' })
  return fc.oneof({ weight: 4, arbitrary: fc.constant<Body>({ kind: 'none' }) }, { weight: 1, arbitrary: json(anyJson) }, { weight: 1, arbitrary: text })
}

function headersArbitrary(operation: Operation, body: fc.Arbitrary<Body>): fc.Arbitrary<{ headers: Record<string, string>; body: Body }> {
  const declaresKey = (operation.parameters ?? []).some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key')
  const idempotencyKey = declaresKey
    ? fc.oneof(
        { weight: 5, arbitrary: fc.uuid() },
        // One key reused: replays, and the same key with another body (422).
        { weight: 3, arbitrary: fc.constant('fuzz-reused-key') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(255), 'x'.repeat(256), 'clé', 'a\tb') },
        { weight: 1, arbitrary: hostileString }
      )
    : fc.constant(undefined)
  const correlationId = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: hostileString }
  )
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) })
  return fc.tuple(body, idempotencyKey, correlationId, contentType).map(([generatedBody, key, correlation, type]) => {
    const headers: Record<string, string> = {}
    if (key !== undefined) headers['idempotency-key'] = headerSafe(key)
    if (correlation !== undefined) headers['x-correlation-id'] = headerSafe(correlation)
    if (generatedBody.kind !== 'none' && type !== undefined) headers['content-type'] = type
    return { headers, body: generatedBody }
  })
}

/** A Stripe event, mostly about our real payment intents and payments, with hostile fields. */
function webhookEventArbitrary(context: GeneratorContext): fc.Arbitrary<unknown> {
  const hinted = (name: string) => validish({ type: 'string' }, context, name)
  const intent = fc
    .record({
      id: hinted('paymentIntentId'),
      object: fc.constantFrom('payment_intent', 'charge', 'refund'),
      amount: validish({ type: 'integer', minimum: 0 }, context),
      amount_received: validish({ type: 'integer', minimum: 0 }, context),
      amount_refunded: validish({ type: 'integer', minimum: 0 }, context),
      refunded: fc.boolean(),
      currency: fc.constantFrom('usd', 'eur', 'US', ''),
      status: fc.constantFrom('succeeded', 'requires_action', 'requires_payment_method', 'canceled', 'processing', 'weird'),
      payment_intent: hinted('paymentIntentId'),
      metadata: fc.record({ paymentId: hinted('paymentId'), orderId: hinted('orderId') }, { requiredKeys: [] }),
      last_payment_error: fc.option(fc.record({ code: hostileString, decline_code: hostileString, message: hostileString }))
    }, { requiredKeys: ['id'] })
  return fc
    .record({
      id: fc.oneof(fc.uuid().map((id) => `evt_${id}`), hostileString),
      object: fc.constant('event'),
      type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...WEBHOOK_TYPES) }, { weight: 1, arbitrary: hostileString }),
      data: fc.oneof({ weight: 5, arbitrary: intent.map((object) => ({ object })) }, { weight: 1, arbitrary: anyJson }),
      created: fc.integer({ min: 0, max: 2_000_000_000 })
    }, { requiredKeys: ['id', 'type'] })
}

function requestArbitrary(method: string, route: string, operation: Operation, fixtures: Fixtures): fc.Arbitrary<FuzzRequest> {
  const { context } = fixtures
  const webhook = route === '/webhooks/stripe'
  const body = webhook
    ? fc.oneof({ weight: 3, arbitrary: webhookEventArbitrary(context).map((value): Body => ({ kind: 'json', value })) }, { weight: 1, arbitrary: bodyArbitrary(method, operation, context) })
    : bodyArbitrary(method, operation, context)
  const signature: fc.Arbitrary<Signature | undefined> = webhook
    ? fc.oneof({ weight: 6, arbitrary: fc.constant<Signature>('valid') }, { weight: 1, arbitrary: fc.constantFrom<Signature>('stale', 'garbage', 'none') })
    : fc.constant(undefined)
  return fc
    .tuple(urlArbitrary(route, operation, context), authArbitrary(route, operation, fixtures), headersArbitrary(operation, body), signature)
    .map(([url, auth, { headers, body: generatedBody }, generatedSignature]) => {
      const request: FuzzRequest = { method, url, auth, headers, body: generatedBody, ...(generatedSignature ? { signature: generatedSignature } : {}) }
      // fast-check prints counterexamples with this: short, whatever the size of the request.
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) })
    })
}

function describeRequest(request: FuzzRequest): string {
  const auth = typeof request.auth === 'string' ? request.auth : `header ${shorten(request.auth.header, 80)}`
  const body =
    request.body.kind === 'none' ? 'no body' : request.body.kind === 'text' ? `text ${JSON.stringify(request.body.text)}` : `json ${toJsonText(request.body.value, (name) => `<${name}>`)}`
  return [
    `${request.method} ${shorten(request.url, 300)}`,
    `auth: ${auth}`,
    `headers: ${shorten(JSON.stringify(request.headers), 300)}`,
    ...(request.signature ? [`signature: ${request.signature}`] : []),
    `body: ${shorten(body, 600)}`
  ].join('\n  ')
}

const errorShapeProblems = (status: number, body: string, correlationId: string | undefined): string[] => {
  if (status < 400 || status >= 500) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return ['the 4xx body is not JSON']
  }
  const shape = parsed as Record<string, unknown> | null
  const problems: string[] = []
  for (const field of ['error', 'message', 'requestId']) {
    if (typeof shape?.[field] !== 'string') problems.push(`the 4xx body has no string "${field}"`)
  }
  if (typeof shape?.requestId === 'string' && shape.requestId !== correlationId) problems.push('requestId is not the x-correlation-id header')
  return problems
}

t.test('fuzz: every operation of openapi.json, no 5xx and one error shape', async (t) => {
  const adminEmail = uniqueEmail('fuzz-admin')
  const { app, runtime, logs } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail } })
  t.comment(`fuzz seed ${SEED}, ${RUNS} runs per operation (FUZZ_SEED, FUZZ_RUNS to change)`)

  // Real accounts, products, orders and a payment, so generated ids and tokens are sometimes real.
  const admin = await registerVerifiedUser(app, runtime, adminEmail)
  const customer = await registerVerifiedUser(app, runtime, uniqueEmail('fuzz-customer'))
  const sessionUser = await registerVerifiedUser(app, runtime, uniqueEmail('fuzz-session'))
  const unverified = await register(app, uniqueEmail('fuzz-unverified'))
  const verifyToken = await verificationToken(runtime, unverified.email)
  const productIds: string[] = []
  for (const fields of [{ stock: 1000 }, { stock: 0 }, { stock: 5, active: false }]) {
    const res = await app.inject({
      method: 'POST',
      url: '/products',
      headers: bearer(admin.session.token),
      payload: { name: 'Fuzz product', description: 'for the fuzz', price: 1999, currency: 'usd', ...fields }
    })
    t.equal(res.statusCode, 201, 'a product is created')
    productIds.push(res.json().product.id)
  }
  const placeOrder = async () => {
    const res = await app.inject({ method: 'POST', url: '/orders', headers: bearer(customer.session.token), payload: { items: [{ productId: productIds[0], quantity: 1 }], shippingAddress: ADDRESS } })
    t.equal(res.statusCode, 201, 'an order is placed')
    return res.json().order.id as string
  }
  const orderIds = [await placeOrder(), await placeOrder()]
  await runtime.idle()
  const paid = await app.inject({
    method: 'POST',
    url: '/payments',
    headers: { ...bearer(customer.session.token), 'idempotency-key': randomUUID() },
    payload: { orderId: orderIds[0], paymentMethodId: 'pm_card_visa' }
  })
  t.equal(paid.statusCode, 200, 'an order is paid')
  const paymentId = paid.json().paymentId as string
  await runtime.idle()
  const intentIds = [...new Set((await app.inject({ method: 'GET', url: '/_local/stripe' })).body.match(/pi_[A-Za-z0-9_]+/g) ?? [])]
  const page = (await app.inject({ method: 'GET', url: '/products?limit=1' })).json() as { lastKey?: string }
  const lastKeys = page.lastKey ? [page.lastKey, `${page.lastKey.slice(0, -2)}xx`] : ['eyJ4IjoxfQ']

  // Forged tokens: no signature, a wrong key, and a real one with its payload changed.
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const claims = { sub: admin.user.id, roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 600 }
  const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`
  const header = base64url({ alg: 'HS256', typ: 'JWT' })
  const wrongKey = `${header}.${base64url(claims)}.${createHmac('sha256', 'not-the-key').update(`${header}.${base64url(claims)}`).digest('base64url')}`
  const [realHeader, , realSignature] = customer.session.token.split('.')
  const tampered = `${realHeader}.${base64url(claims)}.${realSignature}`

  const real = <T>(...values: T[]) => fc.constantFrom(...values)
  const ids = [...productIds, ...orderIds, paymentId, customer.user.id, admin.user.id]
  const fixtures: Fixtures = {
    tokens: { customer: customer.session.token, admin: admin.session.token, forged: [unsigned, wrongKey, tampered] },
    webhookSecret: runtime.stripe.webhookSecret,
    context: {
      document,
      hints: {
        id: real(...ids),
        productId: real(...productIds),
        orderId: real(...orderIds),
        paymentId: real(paymentId),
        paymentIntentId: intentIds.length > 0 ? real(...intentIds) : real('pi_unknown'),
        paymentMethodId: real('pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_authenticationRequired', 'pm_unknown'),
        email: real(customer.user.email, adminEmail, ` ${customer.user.email} `, customer.user.email.toUpperCase(), 'nobody@example.com'),
        password: real('correct horse battery', 'wrong password'),
        token: real(verifyToken),
        refreshToken: fc.oneof(fc.constant(new Placeholder('refreshToken')), real(customer.session.refreshToken)),
        lastKey: real(...lastKeys),
        shippingAddress: fc.oneof({ weight: 1, arbitrary: real(ADDRESS, { ...ADDRESS, country: 'us' }) }, { weight: 2, arbitrary: withExtras(fc.constant(ADDRESS)) }),
        items: fc.oneof(real([{ productId: productIds[0], quantity: 1 }]), withExtras(fc.constant({ productId: productIds[0], quantity: 1 })).map((item) => [item])),
        currency: real('usd', 'eur', 'USD'),
        amount: real(1, 1999, 2000, 0)
      }
    }
  }

  /** The inject options for a generated request; a fresh session is logged in when it needs one. */
  async function toInject(request: FuzzRequest): Promise<InjectOptions> {
    const session = request.auth === 'session' || toJsonTextSafe(request).includes('<refreshToken>') ? await login(app, sessionUser.user.email) : undefined
    const resolve = (name: string) => (name === 'refreshToken' ? (session?.refreshToken ?? customer.session.refreshToken) : null)
    const headers: Record<string, string> = { ...request.headers }
    if (request.auth === 'customer') headers.authorization = `Bearer ${customer.session.token}`
    else if (request.auth === 'admin') headers.authorization = `Bearer ${admin.session.token}`
    else if (request.auth === 'session' && session) headers.authorization = `Bearer ${session.token}`
    else if (typeof request.auth === 'object') headers.authorization = request.auth.header
    const payload = request.body.kind === 'none' ? undefined : request.body.kind === 'text' ? request.body.text : toJsonText(request.body.value, resolve)
    if (request.signature && payload !== undefined) {
      const timestamp = Math.floor(Date.now() / 1000) - (request.signature === 'stale' ? 3600 : 0)
      const mac = createHmac('sha256', fixtures.webhookSecret).update(`${timestamp}.${payload}`).digest('hex')
      if (request.signature === 'garbage') headers['stripe-signature'] = `t=${timestamp},v1=${'0'.repeat(64)}`
      else if (request.signature !== 'none') headers['stripe-signature'] = `t=${timestamp},v1=${mac}`
    }
    return { method: request.method as InjectOptions['method'], url: request.url, headers, remoteAddress: FUZZ_ADDRESS, ...(payload === undefined ? {} : { payload }) }
  }
  const toJsonTextSafe = (request: FuzzRequest) => (request.body.kind === 'json' ? toJsonText(request.body.value, (name) => `<${name}>`) : '')

  /** What the app logged as the error behind a 5xx of this request: message and first frame of ours. */
  const causeOf = (correlationId: string | undefined): string => {
    const line = logs.lines.findLast((entry) => entry.correlationId === correlationId && typeof entry.err === 'object')
    const err = line?.err as { type?: string; message?: string; stack?: string } | undefined
    if (!err) return 'nothing logged'
    const frame = err.stack?.split('\n').find((entry) => entry.includes('/src/'))?.trim().replace(/\(.*\/src\//, '(src/')
    return `${err.type ?? 'Error'}: ${shorten(err.message ?? '', 120)}${frame ? ` ${frame}` : ''}`
  }

  const operations = operationsOf(document).filter(({ method, route }) => ONLY.test(`${method} ${route}`))
  t.ok(operations.length >= (process.env.FUZZ_ONLY ? 1 : 20), `the document has the API's operations (${operations.length})`)
  const started = Date.now()
  let requests = 0

  for (const [index, { method, route, operation }] of operations.entries()) {
    const name = `${method} ${route}`
    // Each distinct failure seen (also while shrinking), with one example: the report lists them all.
    const seen = new Map<string, string>()
    const property = fc.asyncProperty(requestArbitrary(method, route, operation, fixtures), async (request) => {
      const res = await app.inject(await toInject(request))
      requests += 1
      const correlationId = res.headers['x-correlation-id'] as string | undefined
      const problems = [
        ...(res.statusCode >= 500 ? [`status ${res.statusCode}`] : []),
        ...(correlationId ? [] : ['no x-correlation-id header']),
        ...errorShapeProblems(res.statusCode, res.body, correlationId)
      ]
      if (problems.length === 0) return
      const cause = res.statusCode >= 500 ? causeOf(correlationId) : ''
      const answer = `${res.statusCode} ${shorten(res.body, 300)}${cause ? `\n  cause: ${cause}` : ''}`
      const code = /"(?:code|error)":"([^"]{0,60})"/.exec(res.body)?.[1] ?? shorten(res.body, 40)
      const kind = `${problems.join('; ')} (${res.statusCode} ${code})${cause ? ` ${cause}` : ''}`
      if (!seen.has(kind)) seen.set(kind, `${describeRequest(request)}\n  → ${answer}`)
      if (!SURVEY) throw new Error(`${name}: ${problems.join('; ')}\n  response: ${answer}`)
    })
    const share = Math.max(1_000, (started + BUDGET_MS - Date.now()) / (operations.length - index))
    const details = await fc.check(property, { seed: SEED + index, numRuns: RUNS, interruptAfterTimeLimit: share })
    if (details.failed || seen.size > 0) {
      const distinct = [...seen.entries()].map(([kind, example]) => `- ${kind}\n  ${example}`).join('\n')
      t.fail(`${name}\n${fc.defaultReportMessage(details) ?? ''}\nDistinct failures seen:\n${distinct}`)
    } else {
      const cut = details.interrupted ? ` (stopped at its share of FUZZ_BUDGET_MS, ${Math.round(share)} ms)` : ''
      t.pass(`${name}: ${details.numRuns} requests${cut}, no 5xx, error shape kept`)
    }
  }
  t.comment(`${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  await runtime.idle()
  for (const url of ['/health', '/health/ready']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url} still answers 200 after the fuzz`)
  }
})

// The generators can produce what the checks look for (else a green run would prove nothing).
t.test('fuzz generators: __proto__ keys stay own properties and deep nesting is written as is', async (t) => {
  const text = toJsonText(objectOf([['__proto__', { roles: ['admin'] }], ['a', new Placeholder('x')]]), () => 'filled')
  t.equal(text, '{"__proto__":{"roles":["admin"]},"a":"filled"}')
  const samples = fc.sample(anyJson.map((value) => toJsonText(value, () => null)), { seed: 1, numRuns: 2_000 })
  t.ok(samples.some((sample) => sample.includes('{"a":{"a":{"a":')), 'deep nesting is generated')
  t.ok(samples.some((sample) => sample.includes('"__proto__"')), '__proto__ keys are generated')
  t.ok(samples.some((sample) => sample.length > 60_000), 'huge keys or strings are generated')
})
