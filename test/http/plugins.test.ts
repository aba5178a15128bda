// The cross-cutting plugins and the route layer on stub services (test/helpers/stub-app.ts): no
// DynamoDB Local, no engines, so each case starts in milliseconds. What storage does is tested in
// integration/; here: the deny-by-default guard, one mapping of typed domain errors to statuses in
// the house shape, input rejected before any service is reached, the Idempotency-Key header rule,
// and the correlation id on every answer.
import t from 'tap'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PaymentDeclinedError,
  StoreUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError
} from '../../src/domain/errors'
import type { User } from '../../src/domain/user'
import { createLogger } from '../../src/logger'
import { LogCapture } from '../helpers/log-capture'
import { admin, customer, stubApp } from '../helpers/stub-app'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const someone: User = {
  id: 'user-1',
  email: 'customer@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  roles: ['customer'],
  emailVerified: true,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z'
}

t.test('the guard: no principal → 401 on customer and admin routes; a customer on an admin route → 403; no service is reached', async (t) => {
  const anonymous = await stubApp(t)
  for (const url of ['/users/me', '/orders', '/admin/orders']) {
    const res = await anonymous.inject({ method: 'GET', url, headers: { 'x-correlation-id': 'guard-1' } })
    t.equal(res.statusCode, 401, `GET ${url} without a caller`)
    t.same(res.json(), { error: 'Unauthorized', message: 'Authentication required.', requestId: 'guard-1' })
  }
  const asCustomer = await stubApp(t, { principal: customer })
  const forbidden = await asCustomer.inject({ method: 'GET', url: '/admin/users?email=a@example.com' })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().error, 'Forbidden')
  const asAdmin = await stubApp(t, { principal: admin, services: { admin: { findUsers: async () => ({ users: [someone] }) } } })
  const allowed = await asAdmin.inject({ method: 'GET', url: '/admin/users?email=customer@example.com' })
  t.equal(allowed.statusCode, 200)
  t.same(allowed.json().users.map((user: User) => user.id), ['user-1'])
})

t.test('typed domain errors → their status in the house shape; an unexpected error → 500 that tells nothing', async (t) => {
  const cases: Array<[Error, number, string]> = [
    [new ValidationError('Bad thing.', { field: 'x' }), 400, 'ValidationError'],
    [new UnauthorizedError('Who are you?'), 401, 'Unauthorized'],
    [new PaymentDeclinedError('Declined.', { declineCode: 'card_declined' }), 402, 'PaymentDeclined'],
    [new ForbiddenError('No.'), 403, 'Forbidden'],
    [new NotFoundError('User not found.'), 404, 'NotFound'],
    [new ConflictError('Taken.'), 409, 'Conflict'],
    [new TooManyRequestsError('Slow down.', 30), 429, 'TooManyRequests'],
    [new StoreUnavailableError('TimeoutError'), 503, 'ServiceUnavailable']
  ]
  for (const [error, status, code] of cases) {
    const app = await stubApp(t, { principal: customer, services: { users: { get: async () => Promise.reject(error) } } })
    const res = await app.inject({ method: 'GET', url: '/users/me', headers: { 'x-correlation-id': `err-${status}` } })
    t.equal(res.statusCode, status, `${error.constructor.name} → ${status}`)
    t.equal(res.json().error, code)
    t.equal(res.json().requestId, `err-${status}`)
    t.equal(res.json().message, error.message)
    if (status === 503) t.ok(Number(res.headers['retry-after']) > 0, '503 says when to retry')
    if (status === 429) t.equal(res.headers['retry-after'], '30', '429 says when to retry')
  }
  const internal = new Error('connect ECONNREFUSED 10.0.0.7:8000 table users-prod secret=abc')
  const app = await stubApp(t, { principal: customer, services: { users: { get: async () => Promise.reject(internal) } } })
  const res = await app.inject({ method: 'GET', url: '/users/me' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'InternalError')
  t.equal(res.json().message, 'An unexpected error occurred.')
  t.notMatch(res.body, /ECONNREFUSED|10\.0\.0\.7|users-prod|secret|at /, 'no internal detail or stack in the answer')
})

t.test('bad input is refused before any service is reached (the stubs would throw if called)', async (t) => {
  const app = await stubApp(t, { principal: customer })
  const cases: Array<[string, string, unknown]> = [
    ['POST', '/orders', { items: [], shippingAddress: { street: 'a', city: 'b', postalCode: 'c', country: 'US' } }],
    ['POST', '/orders', { items: [{ productId: 'p', quantity: '3' }], shippingAddress: { street: 'a', city: 'b', postalCode: 'c', country: 'US' } }],
    ['PATCH', '/users/me', { firstName: 'Ada', role: 'admin' }],
    ['POST', '/users/login', { email: 'a@example.com' }]
  ]
  for (const [method, url, payload] of cases) {
    const res = await app.inject({ method: method as 'POST', url, payload: payload as object, headers: { 'idempotency-key': 'k-0123456789' } })
    t.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`)
    t.equal(res.json().error, 'ValidationError')
  }
})

t.test('Idempotency-Key: required on POST /payments (400 without, service untouched); given → passed through to the idempotency service', async (t) => {
  const missing = await stubApp(t, { principal: customer })
  const res = await missing.inject({ method: 'POST', url: '/payments', payload: { orderId: 'o-1', paymentMethodId: 'pm_card_visa' } })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /Idempotency-Key/i)

  const seen: string[] = []
  const withKey = await stubApp(t, {
    principal: customer,
    services: {
      idempotency: {
        run: async (_scope: string, key: string | undefined, _fingerprint: unknown, operation: () => Promise<{ statusCode: number; body: unknown }>) => {
          seen.push(String(key))
          return { ...(await operation()), replayed: false }
        }
      },
      payments: { pay: async () => ({ paymentId: 'pay-1', status: 'succeeded' }) }
    }
  })
  const paid = await withKey.inject({
    method: 'POST',
    url: '/payments',
    headers: { 'idempotency-key': 'key-0123456789' },
    payload: { orderId: 'o-1', paymentMethodId: 'pm_card_visa' }
  })
  t.equal(paid.statusCode, 200, paid.body)
  t.same(paid.json(), { paymentId: 'pay-1', status: 'succeeded' })
  t.same(seen, ['key-0123456789'])
})

t.test('correlation id: echoed when well formed, generated (a UUID) otherwise, on success and on error', async (t) => {
  const app = await stubApp(t)
  const echoed = await app.inject({ method: 'GET', url: '/health', headers: { 'x-correlation-id': 'req-42' } })
  t.equal(echoed.headers['x-correlation-id'], 'req-42')
  const generated = await app.inject({ method: 'GET', url: '/health', headers: { 'x-correlation-id': 'bad id\nnewline' } })
  t.match(generated.headers['x-correlation-id'], UUID)
  const notFound = await app.inject({ method: 'GET', url: '/nope' })
  t.equal(notFound.statusCode, 404)
  t.equal(notFound.json().requestId, notFound.headers['x-correlation-id'])
})

t.test('request logging: at warn no request lines, yet warnings and errors keep the correlation id; at info the request lines too', async (t) => {
  const failingHealth = { readiness: async () => Promise.reject(new Error('probe exploded')) }
  const warnLog = new LogCapture()
  const atWarn = await stubApp(t, { services: { health: failingHealth }, logger: createLogger({ LOG_LEVEL: 'warn', RUNTIME_MODE: 'aws' }, warnLog) })
  // Fastify's own warning about a second send, written through the request's logger.
  atWarn.get('/twice', { config: { auth: 'public' } }, (_request, reply) => {
    void reply.send({ first: true })
    void reply.send({ second: true })
  })
  t.equal((await atWarn.inject({ method: 'GET', url: '/health', headers: { 'x-correlation-id': 'quiet-1' } })).statusCode, 200)
  t.equal((await atWarn.inject({ method: 'GET', url: '/health/ready', headers: { 'x-correlation-id': 'fails-1' } })).statusCode, 500)
  t.equal((await atWarn.inject({ method: 'GET', url: '/twice', headers: { 'x-correlation-id': 'twice-1' } })).statusCode, 200)
  t.same(
    warnLog.lines.filter((line) => line.correlationId === 'quiet-1'),
    [],
    'a successful request writes nothing at warn'
  )
  const failure = warnLog.lines.filter((line) => line.correlationId === 'fails-1')
  t.equal(failure.length, 1, 'one line for the failed request')
  t.match(failure[0], { level: 50, msg: 'unhandled error', err: { type: 'Error', message: 'probe exploded' } })
  t.match(
    warnLog.lines.filter((line) => line.correlationId === 'twice-1'),
    [{ level: 40, err: { code: 'FST_ERR_REP_ALREADY_SENT' } }],
    "Fastify's own warning reaches the log although Fastify was given no logger"
  )

  const infoLog = new LogCapture()
  const atInfo = await stubApp(t, { logger: createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'aws' }, infoLog) })
  t.equal((await atInfo.inject({ method: 'GET', url: '/health?probe=1', headers: { 'x-correlation-id': 'loud-1' } })).statusCode, 200)
  t.match(infoLog.lines.filter((line) => line.correlationId === 'loud-1'), [
    { level: 30, msg: 'incoming request', req: { method: 'GET', url: '/health?probe=1' } },
    { level: 30, msg: 'request completed', res: { statusCode: 200 }, responseTime: Number }
  ])
})
