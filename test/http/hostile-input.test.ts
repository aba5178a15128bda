// Hostile input through the whole app (issue 13, item 1 and the first points of item 7): each input
// below used to answer 500 (or store what it should not); each must now be the exact 4xx in the house
// shape `{ error, message, requestId }`, and nothing may be stored.
import t, { type Test } from 'tap'
import { requestFingerprint } from '../../src/services/idempotency'
import { build } from '../helpers/build'
import { ADDRESS, openShop } from '../helpers/orders'
import { bearer, login, register, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail }
const json = { 'content-type': 'application/json' }

/** `{"x":{"x":…{}…}}` nested `depth` levels, as text (JSON.stringify of it would itself recurse). */
function nestedText(depth: number): string {
  return '{"x":'.repeat(depth) + '{}' + '}'.repeat(depth)
}

function assertHouseShape(t: Test, res: { statusCode: number; json: () => Record<string, unknown> }, status: number, error: string, message: RegExp): void {
  t.equal(res.statusCode, status, `status ${status}`)
  const body = res.json()
  t.equal(body.error, error)
  t.match(body.message, message)
  t.type(body.requestId, 'string')
  t.ok((body.requestId as string).length > 0, 'requestId')
}

t.test('emails of only whitespace: 400 on login and register, never 500', async (t) => {
  const { app } = await build(t, { env })
  for (const blank of [' ', '\t', '\u00a0', '\u3000', ' \u00a0\t\u3000 ']) {
    const name = JSON.stringify(blank)
    const loginRes = await app.inject({ method: 'POST', url: '/users/login', payload: { email: blank, password: 'whatever password' } })
    assertHouseShape(t, loginRes, 400, 'ValidationError', /email/i)
    t.equal(loginRes.json().field, 'email', `login ${name}`)
    const registerRes = await app.inject({
      method: 'POST',
      url: '/users/register',
      payload: { email: blank, password: 'correct horse battery', firstName: 'Ada', lastName: 'Lovelace' }
    })
    assertHouseShape(t, registerRes, 400, 'ValidationError', /email/i)
  }
  // The login limits still work for a real address afterwards (blank emails touched no counter).
  const email = uniqueEmail()
  await register(app, email)
  t.ok((await login(app, email)).token)
})

t.test('unknown fields: 400 naming the field, nothing stored', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ name: 'Mug', price: 1250, stock: 5 })
  const customer = await shop.customer()
  const headers = { ...bearer(customer.token), ...json }
  const items = [{ productId: product.id, quantity: 1 }]
  const orderWith = (shippingAddressText: string) => `{"items":${JSON.stringify(items)},"shippingAddress":${shippingAddressText}}`
  const address = JSON.stringify(ADDRESS).slice(0, -1)
  const longKey = 'k'.repeat(70 * 1024)

  const cases: Array<[string, string, RegExp]> = [
    ['a harmless unknown field', orderWith(`${address},"note":"leave at the door"}`), /body\.shippingAddress must not have the unknown property "note"/],
    ['an empty key', orderWith(`${address},"":1}`), /body\.shippingAddress must not have the unknown property ""/],
    ['25 levels of nesting', orderWith(`${address},"deep":${nestedText(25)}}`), /body\.shippingAddress must not have the unknown property "deep"/],
    ['a 70 KB key', orderWith(`${address},"${longKey}":1}`), /unknown property "k{40}…"$/],
    ['a price on a line', `{"items":[{"productId":"${product.id}","quantity":1,"price":1}],"shippingAddress":${JSON.stringify(ADDRESS)}}`, /body\.items\.0 must not have the unknown property "price"/],
    ['an unknown top-level field', orderWith(`${JSON.stringify(ADDRESS)}`).slice(0, -1) + ',"total":1}', /body must not have the unknown property "total"/]
  ]
  const fortyLevels = await app.inject({ method: 'POST', url: '/orders', headers, payload: orderWith(`${address},"deep":${nestedText(40)}}`) })
  t.test('40 levels of nesting', async (t) => assertHouseShape(t, fortyLevels, 400, 'BadRequest', /^Body must not be nested more than 32 levels deep$/))
  for (const [name, payload, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/orders', headers, payload })
    t.test(name, async (t) => {
      assertHouseShape(t, res, 400, 'ValidationError', message)
      t.ok(res.body.length < 1024, 'the answer does not echo the input')
    })
  }
  // The 70 KB key must not be echoed.
  const longRes = await app.inject({ method: 'POST', url: '/orders', headers, payload: orderWith(`${address},"${longKey}":1}`) })
  t.ok(longRes.body.length < 1024)

  const list = await app.inject({ method: 'GET', url: '/orders', headers: bearer(customer.token) })
  t.equal(list.statusCode, 200)
  t.equal(list.json().count, 0, 'no order was created')

  // Every other stored or used body refuses unknown properties too.
  const admin = { ...bearer(shop.adminToken), ...json }
  const others: Array<{ method: 'POST' | 'PATCH' | 'PUT'; url: string; headers?: Record<string, string>; payload: Record<string, unknown>; field: string }> = [
    { method: 'POST', url: '/users/register', payload: { email: uniqueEmail(), password: 'correct horse battery', firstName: 'A', lastName: 'B', roles: ['admin'] }, field: 'roles' },
    { method: 'POST', url: '/users/login', payload: { email: adminEmail, password: 'x', mfa: true }, field: 'mfa' },
    { method: 'POST', url: '/users/token/refresh', payload: { refreshToken: 'x', extra: 1 }, field: 'extra' },
    { method: 'POST', url: '/users/verify-email', payload: { token: 'x', extra: 1 }, field: 'extra' },
    { method: 'POST', url: '/users/logout', headers: bearer(customer.token), payload: { everywhere: true }, field: 'everywhere' },
    { method: 'POST', url: '/products', headers: admin, payload: { name: 'N', description: '', price: 1, currency: 'usd', stock: 1, reserved: 0 }, field: 'reserved' },
    { method: 'PATCH', url: `/products/${product.id}`, headers: admin, payload: { price: 2, reserved: 0 }, field: 'reserved' },
    { method: 'PUT', url: `/orders/${product.id}/status`, headers: admin, payload: { status: 'shipped', by: 'me' }, field: 'by' },
    { method: 'POST', url: '/payments', headers: { ...headers, 'idempotency-key': 'k1' }, payload: { orderId: 'o', paymentMethodId: 'pm_card_visa', note: 1 }, field: 'note' },
    { method: 'POST', url: '/payments/p1/refunds', headers: { ...admin, 'idempotency-key': 'k2' }, payload: { amount: 1, reason: 'r', note: 1 }, field: 'note' }
  ]
  for (const request of others) {
    const res = await app.inject(request)
    t.test(`${request.method} ${request.url}`, async (t) => assertHouseShape(t, res, 400, 'ValidationError', new RegExp(`unknown property "${request.field}"`)))
  }
  t.equal((await app.inject({ method: 'GET', url: `/products/${product.id}` })).json().product.price, 1250, 'the product is unchanged')
})

t.test('a deeply nested body: 400 before any recursive code, with or without an Idempotency-Key', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const customer = await shop.customer()
  const headers = { ...bearer(customer.token), ...json }
  const deep = nestedText(10_000)
  for (const [name, url, extraHeaders] of [
    ['order with a key', '/orders', { 'idempotency-key': 'deep-1' }],
    ['order without a key', '/orders', {}],
    ['payment', '/payments', { 'idempotency-key': 'deep-2' }],
    ['login', '/users/login', {}]
  ] as const) {
    const payload = url === '/users/login' ? `{"email":"a@b.co","password":"p","extra":${deep}}` : `{"items":[],"shippingAddress":{},"extra":${deep}}`
    const res = await app.inject({ method: 'POST', url, headers: { ...headers, ...extraHeaders }, payload })
    t.test(name, async (t) => assertHouseShape(t, res, 400, 'BadRequest', /nested more than 32 levels/))
  }
  const list = await app.inject({ method: 'GET', url: '/orders', headers: bearer(customer.token) })
  t.equal(list.json().count, 0, 'no order was created')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'still serving')
})

t.test('the request fingerprint refuses over-deep input instead of overflowing the stack', async (t) => {
  let deep: unknown = {}
  for (let level = 0; level < 10_000; level += 1) deep = { x: deep }
  t.throws(() => requestFingerprint(deep), { name: 'ValidationError', message: /nested more than 32 levels/ })
  t.equal(requestFingerprint({ b: 1, a: [1, { d: 2, c: 3 }] }), requestFingerprint({ a: [1, { c: 3, d: 2 }], b: 1 }), 'key order still does not matter')
})

t.test('__proto__ and constructor keys: 400 saying which key, at any depth', async (t) => {
  const { app } = await build(t, { env })
  const cases: Array<[string, string]> = [
    ['{"__proto__":{"isAdmin":true},"email":"a@b.co","password":"p"}', '__proto__'],
    ['{"email":"a@b.co","password":"p","x":[{"constructor":{"prototype":{"isAdmin":true}}}]}', 'constructor']
  ]
  for (const [payload, key] of cases) {
    const res = await app.inject({ method: 'POST', url: '/users/login', headers: json, payload })
    t.test(key, async (t) => assertHouseShape(t, res, 400, 'BadRequest', new RegExp(`^Body must not contain the key ${key}$`)))
  }
  const invalid = await app.inject({ method: 'POST', url: '/users/login', headers: json, payload: '{"email": ' })
  assertHouseShape(t, invalid, 400, 'BadRequest', /not valid JSON/)
  t.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype was touched')
})

t.test('POST /users/logout without a body revokes every session; a missing body elsewhere is "required"', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail()
  await register(app, email)
  const refresh = (refreshToken: string) => app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refreshToken } })

  const first = await login(app, email)
  const none = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(first.token) })
  t.equal(none.statusCode, 204, 'no body, no content type')
  t.equal((await refresh(first.refreshToken)).statusCode, 401, 'the session is revoked')

  const second = await login(app, email)
  const empty = await app.inject({ method: 'POST', url: '/users/logout', headers: { ...bearer(second.token), ...json }, payload: '' })
  t.equal(empty.statusCode, 204, 'an empty JSON body')
  t.equal((await refresh(second.refreshToken)).statusCode, 401)

  const anonymous = await app.inject({ method: 'POST', url: '/users/logout' })
  assertHouseShape(t, anonymous, 401, 'Unauthorized', /./)

  const noBody = await app.inject({ method: 'POST', url: '/users/login', headers: json, payload: '' })
  assertHouseShape(t, noBody, 400, 'ValidationError', /^body is required$/)
})
