// The back office (/admin/...) on the embedded runtime: orders of every customer newest first, by
// status, by customer or both, paged with signed cursors (no duplicates, no gaps, a cursor only works
// for the list and filters it came from); accounts by email (never a password hash); the whole
// catalog, inactive products included, with stock bookkeeping; who may call them; and that every
// admin route reads from an index, never with a Scan (the operations the app sends to DynamoDB are
// recorded on the way).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { backfillIndexKeys } from '../../src/adapters/dynamodb/index-key-backfill'
import { documentClient } from '../../src/composition/builders'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { build, sharedDynamoDbLocal } from '../helpers/build'
import { startDynamoDbRecorder, type DynamoDbRecorder } from '../helpers/dynamodb-recorder'
import { openShop, type Shop } from '../helpers/orders'
import { bearer, registerVerifiedUser, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' }

const ORDER_KEYS = ['createdAt', 'currency', 'id', 'items', 'shippingAddress', 'status', 'subtotal', 'total', 'updatedAt', 'userId']
const USER_KEYS = ['createdAt', 'email', 'emailVerified', 'firstName', 'id', 'lastName', 'roles']
const ADMIN_PRODUCT_KEYS = ['active', 'available', 'createdAt', 'currency', 'description', 'id', 'name', 'price', 'reserved', 'stock', 'updatedAt']

interface OrderRow {
  id: string
  userId: string
  status: string
  createdAt: string
}

async function setup(t: Test, recorder?: DynamoDbRecorder) {
  const { app, runtime } = await build(t, { env, ...(recorder ? { dynamodbEndpoint: recorder.endpoint } : {}) })
  const shop = await openShop(app, runtime, adminEmail)
  return { app, runtime, shop, admin: bearer(shop.adminToken) }
}

/** Every page of `path` (with `query`) at `limit` per page, following `lastKey`; at most 50 pages. */
async function allPages(t: Test, app: FastifyInstance, headers: Record<string, string>, path: string, query: Record<string, string>, limit: number) {
  const pages: Array<Array<Record<string, unknown>>> = []
  let lastKey: string | undefined
  for (let page = 0; page < 50; page++) {
    const search = new URLSearchParams({ ...query, limit: String(limit), ...(lastKey ? { lastKey } : {}) })
    const res = await app.inject({ method: 'GET', url: `${path}?${search}`, headers })
    t.equal(res.statusCode, 200, `${path}?${search}`)
    const body = res.json() as { orders?: Array<Record<string, unknown>>; products?: Array<Record<string, unknown>>; count?: number; lastKey?: string }
    const items = body.orders ?? body.products ?? []
    if (body.orders) t.equal(body.count, items.length, 'count is the length of the page')
    t.ok(items.length <= limit, 'no page is longer than the limit')
    pages.push(items)
    if (!body.lastKey) return pages
    lastKey = body.lastKey
  }
  throw new Error(`${path}: more than 50 pages`)
}

/** Places `count` orders for the customer, one after the other (distinct createdAt). */
async function placeOrders(shop: Shop, token: string, productId: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let index = 0; index < count; index++) {
    const placed = await shop.place(token, [{ productId, quantity: 1 }])
    if (placed.statusCode !== 201) throw new Error(`place: ${placed.statusCode} ${JSON.stringify(placed.body)}`)
    ids.push((placed.body.order as { id: string }).id)
  }
  return ids
}

/** Moves the orders into several statuses: awaiting_payment, confirmed, processing, shipped, cancelled. */
async function spreadStatuses(t: Test, app: FastifyInstance, shop: Shop, runtime: Awaited<ReturnType<typeof setup>>['runtime'], ids: string[], owners: Map<string, string>) {
  for (const [index, id] of ids.entries()) {
    await shop.settled(id)
    const step = index % 5
    if (step === 0) continue // awaiting_payment
    if (step === 4) {
      const cancelled = await app.inject({ method: 'POST', url: `/orders/${id}/cancel`, headers: bearer(owners.get(id) as string) })
      t.equal(cancelled.statusCode, 200, 'cancelled')
      continue
    }
    t.equal(await runtime.services.saga.paymentSucceeded(id, `pay_admin_${index}`), true)
    await shop.finished(id)
    const put = (status: string, extra: Record<string, unknown> = {}) =>
      app.inject({ method: 'PUT', url: `/orders/${id}/status`, headers: bearer(shop.adminToken), payload: { status, ...extra } })
    if (step >= 2) t.equal((await put('processing')).statusCode, 200, 'processing')
    if (step === 3) t.equal((await put('shipped', { shipment: { carrier: 'DHL', trackingNumber: `JD${index}` } })).statusCode, 200, 'shipped')
  }
  await runtime.idle()
}

t.test('admin orders: every filter pages newest first across pages with no duplicates or gaps; cursors are tamper-proof and per filter', async (t) => {
  const { app, runtime, shop, admin } = await setup(t)
  const product = await shop.createProduct({ stock: 100 })
  const alice = await shop.customer()
  const bob = await shop.customer()
  const aliceIds = await placeOrders(shop, alice.token, product.id, 9)
  const bobIds = await placeOrders(shop, bob.token, product.id, 8)
  const owners = new Map([...aliceIds.map((id) => [id, alice.token] as const), ...bobIds.map((id) => [id, bob.token] as const)])
  await spreadStatuses(t, app, shop, runtime, [...aliceIds, ...bobIds], owners)

  const truth: OrderRow[] = await Promise.all([...aliceIds, ...bobIds].map(async (id) => {
    const order = await shop.settled(id)
    return { id, userId: order.userId, status: order.status, createdAt: order.createdAt }
  }))
  const statuses = [...new Set(truth.map((row) => row.status))].sort()
  t.same(statuses, ['awaiting_payment', 'cancelled', 'confirmed', 'processing', 'shipped'], 'several statuses')

  const check = async (query: Record<string, string>, limit: number, expected: OrderRow[]) => {
    const pages = await allPages(t, app, admin, '/admin/orders', query, limit)
    const orders = pages.flat()
    const ids = orders.map((order) => order.id as string)
    const name = JSON.stringify(query)
    t.equal(new Set(ids).size, ids.length, `${name}: no duplicates`)
    t.same([...ids].sort(), expected.map((row) => row.id).sort(), `${name}: every matching order, no gaps, nothing else`)
    const times = orders.map((order) => order.createdAt as string)
    t.same(times, [...times].sort().reverse(), `${name}: newest first`)
    t.ok(orders.every((order) => Object.keys(order).every((key) => [...ORDER_KEYS, 'cancelReason', 'paymentId', 'shipment', 'shippedAt', 'deliveredAt'].includes(key))), `${name}: no internals`)
    if (expected.length > limit) t.ok(pages.length >= Math.ceil(expected.length / limit), `${name}: several pages`)
    return pages
  }

  const all = await check({}, 5, truth)
  t.equal(all.length, 4, '17 orders at 5 a page: 4 pages')
  t.same(Object.keys(all[0]?.[0] ?? {}).filter((key) => ORDER_KEYS.includes(key)).sort(), ORDER_KEYS, 'the order shape of GET /orders')
  for (const status of statuses) await check({ status }, 2, truth.filter((row) => row.status === status))
  await check({ userId: alice.userId }, 4, truth.filter((row) => row.userId === alice.userId))
  // Status and customer together: a filter on the customer's orders; pages still come full.
  for (const status of ['cancelled', 'awaiting_payment']) {
    const expected = truth.filter((row) => row.userId === bob.userId && row.status === status)
    const pages = await check({ userId: bob.userId, status }, 1, expected)
    t.ok(pages.slice(0, -1).every((page) => page.length === 1), `bob + ${status}: full pages until the last`)
  }
  await check({ userId: 'nobody' }, 5, [])
  await check({ status: 'delivered' }, 5, [])

  // Cursors: signed, and only for the list and filters they came from.
  const first = (await app.inject({ method: 'GET', url: '/admin/orders?limit=2', headers: admin })).json() as { lastKey: string }
  const byStatus = (await app.inject({ method: 'GET', url: '/admin/orders?limit=1&status=cancelled', headers: admin })).json() as { lastKey: string }
  const tampered = first.lastKey.slice(0, -2) + (first.lastKey.endsWith('A') ? 'BB' : 'AA')
  const refused = async (url: string, why: string) => {
    const res = await app.inject({ method: 'GET', url, headers: admin })
    t.equal(res.statusCode, 400, why)
    t.equal(res.json().error, 'ValidationError', why)
    t.type(res.json().requestId, 'string')
  }
  await refused(`/admin/orders?lastKey=${encodeURIComponent(tampered)}`, 'a tampered cursor')
  await refused(`/admin/orders?status=confirmed&lastKey=${encodeURIComponent(first.lastKey)}`, 'a cursor of the unfiltered list with a status')
  await refused(`/admin/orders?lastKey=${encodeURIComponent(byStatus.lastKey)}`, 'a cursor of another status list without it')
  await refused(`/admin/orders?status=cancelled&userId=${bob.userId}&lastKey=${encodeURIComponent(byStatus.lastKey)}`, 'a cursor with another customer filter')
  const customerPage = (await app.inject({ method: 'GET', url: '/orders?limit=1', headers: bearer(alice.token) })).json() as { lastKey: string }
  await refused(`/admin/orders?userId=${alice.userId}&lastKey=${encodeURIComponent(customerPage.lastKey)}`, "a customer's own /orders cursor")
  await refused('/admin/orders?status=teleported', 'an unknown status')
  await refused('/admin/orders?limit=0', 'limit below 1')
  await refused('/admin/orders?limit=101', 'limit above 100')
  await refused(`/admin/orders?userId=${'x'.repeat(65)}`, 'an over-long user id')

  const anonymous = await app.inject({ method: 'GET', url: '/admin/orders' })
  t.equal(anonymous.statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/admin/orders', headers: bearer(alice.token) })).statusCode, 403, 'customers cannot')
})

t.test('admin users: one account by email (normalised), never a password hash; unknown → empty list', async (t) => {
  const { app, runtime, admin } = await setup(t)
  const email = uniqueEmail('findme')
  const { user, session } = await registerVerifiedUser(app, runtime, email)

  const found = await app.inject({ method: 'GET', url: `/admin/users?email=${encodeURIComponent(`  ${email.toUpperCase()} `)}`, headers: admin })
  t.equal(found.statusCode, 200)
  const users = found.json().users as Array<Record<string, unknown>>
  t.equal(users.length, 1)
  t.same(Object.keys(users[0] ?? {}).sort(), USER_KEYS, 'exactly the public user fields')
  t.match(users[0], { id: user.id, email, firstName: 'Ada', lastName: 'Lovelace', roles: ['customer'], emailVerified: true })
  t.notOk(/passwordHash|\$2[aby]\$/.test(found.body), 'no password hash anywhere in the body')

  const unknown = await app.inject({ method: 'GET', url: `/admin/users?email=${encodeURIComponent(uniqueEmail('nobody'))}`, headers: admin })
  t.equal(unknown.statusCode, 200)
  t.same(unknown.json(), { users: [] })

  for (const url of ['/admin/users', '/admin/users?email=', `/admin/users?email=${encodeURIComponent('   ')}`, `/admin/users?email=${'a'.repeat(255)}`]) {
    const res = await app.inject({ method: 'GET', url, headers: admin })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().error, 'ValidationError', url)
  }
  t.equal((await app.inject({ method: 'GET', url: `/admin/users?email=${encodeURIComponent(email)}` })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: `/admin/users?email=${encodeURIComponent(email)}`, headers: bearer(session.token) })).statusCode, 403)
})

t.test('admin products: inactive ones too, with stock bookkeeping; filter by active; pages across both kinds', async (t) => {
  const { app, runtime, shop, admin } = await setup(t)
  const active = [await shop.createProduct({ stock: 7 }), await shop.createProduct(), await shop.createProduct()]
  const hidden = await shop.createProduct({ active: false })
  const retired = await shop.createProduct()
  t.equal((await app.inject({ method: 'PATCH', url: `/products/${retired.id}`, headers: admin, payload: { active: false } })).statusCode, 200)
  const revived = await shop.createProduct({ active: false })
  t.equal((await app.inject({ method: 'PATCH', url: `/products/${revived.id}`, headers: admin, payload: { active: true } })).statusCode, 200)
  const activeIds = [...active.map((product) => product.id), revived.id]
  const inactiveIds = [hidden.id, retired.id]
  // Units held by an open order show in the bookkeeping.
  const customer = await shop.customer()
  t.equal((await shop.place(customer.token, [{ productId: active[0]?.id as string, quantity: 3 }])).statusCode, 201)
  await runtime.idle()

  const ids = (pages: Array<Array<Record<string, unknown>>>) => pages.flat().map((product) => product.id as string)
  const onlyActive = await allPages(t, app, admin, '/admin/products', { active: 'true' }, 2)
  t.same(ids(onlyActive).sort(), [...activeIds].sort(), 'active=true: the active ones (one re-activated)')
  const onlyInactive = await allPages(t, app, admin, '/admin/products', { active: 'false' }, 1)
  t.same(ids(onlyInactive).sort(), [...inactiveIds].sort(), 'active=false: the inactive ones (one deactivated)')
  for (const size of [1, 2, 3, 4, 10]) {
    const everything = ids(await allPages(t, app, admin, '/admin/products', {}, size))
    t.equal(new Set(everything).size, everything.length, `all at ${size} a page: no duplicates`)
    t.same(everything.slice(0, activeIds.length).sort(), [...activeIds].sort(), `all at ${size} a page: active ones first`)
    t.same(everything.slice(activeIds.length).sort(), [...inactiveIds].sort(), `all at ${size} a page: then the inactive ones`)
  }
  const listed = onlyActive.flat().find((product) => product.id === active[0]?.id) as Record<string, unknown>
  t.same(Object.keys(listed).sort(), ADMIN_PRODUCT_KEYS, 'the admin product shape')
  t.match(listed, { stock: 7, reserved: 3, available: 4, active: true })

  const one = await app.inject({ method: 'GET', url: `/admin/products/${hidden.id}`, headers: admin })
  t.equal(one.statusCode, 200)
  t.same(Object.keys(one.json().product).sort(), ADMIN_PRODUCT_KEYS)
  t.match(one.json().product, { id: hidden.id, active: false, stock: 10, reserved: 0, available: 10 })
  t.equal((await app.inject({ method: 'GET', url: `/products/${hidden.id}` })).statusCode, 404, 'the public never sees it')
  const missing = await app.inject({ method: 'GET', url: '/admin/products/00000000-0000-4000-8000-000000000000', headers: admin })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error, 'NotFound')

  const firstPage = (await app.inject({ method: 'GET', url: '/admin/products?limit=1&active=true', headers: admin })).json() as { lastKey: string }
  for (const url of [
    `/admin/products?active=false&lastKey=${encodeURIComponent(firstPage.lastKey)}`,
    `/admin/products?lastKey=${encodeURIComponent(firstPage.lastKey.slice(0, -2))}`,
    `/products?lastKey=${encodeURIComponent(firstPage.lastKey)}`,
    '/admin/products?active=maybe',
    '/admin/products?limit=0',
    `/admin/products/${'x'.repeat(65)}`
  ]) {
    const res = await app.inject({ method: 'GET', url, headers: admin })
    t.equal(res.statusCode, 400, url)
  }
  const customerHeaders = bearer(customer.token)
  for (const url of ['/admin/products', `/admin/products/${hidden.id}`]) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 401, `${url} without a token`)
    t.equal((await app.inject({ method: 'GET', url, headers: customerHeaders })).statusCode, 403, `${url} as a customer`)
  }
})

t.test('no admin route scans a table: each reads its index (operations recorded on the way to DynamoDB)', async (t) => {
  const recorder = await startDynamoDbRecorder((await sharedDynamoDbLocal()).endpoint)
  t.teardown(() => recorder.close())
  const { app, runtime, shop, admin } = await setup(t, recorder)
  const product = await shop.createProduct({ stock: 20 })
  await shop.createProduct({ active: false })
  const customer = await shop.customer()
  const placed = await placeOrders(shop, customer.token, product.id, 3)
  await Promise.all(placed.map((id) => shop.settled(id)))
  await runtime.idle()
  const { ORDERS_TABLE, PRODUCTS_TABLE, USERS_TABLE } = runtime.config
  const adminTables = [ORDERS_TABLE, PRODUCTS_TABLE, USERS_TABLE]

  const requests: Array<{ url: string; reads: Array<{ operation: string; table: string; index?: string }> }> = [
    { url: '/admin/orders?limit=2', reads: [{ operation: 'Query', table: ORDERS_TABLE, index: 'byCreatedAt' }, { operation: 'BatchGetItem', table: ORDERS_TABLE }] },
    { url: '/admin/orders?status=awaiting_payment', reads: [{ operation: 'Query', table: ORDERS_TABLE, index: 'byStatus' }] },
    { url: `/admin/orders?userId=${customer.userId}`, reads: [{ operation: 'Query', table: ORDERS_TABLE, index: 'byUser' }] },
    { url: `/admin/orders?userId=${customer.userId}&status=cancelled`, reads: [{ operation: 'Query', table: ORDERS_TABLE, index: 'byUser' }] },
    { url: `/admin/users?email=${encodeURIComponent(adminEmail)}`, reads: [{ operation: 'GetItem', table: USERS_TABLE }] },
    { url: '/admin/products', reads: [{ operation: 'Query', table: PRODUCTS_TABLE, index: 'byListing' }, { operation: 'BatchGetItem', table: PRODUCTS_TABLE }] },
    { url: '/admin/products?active=false', reads: [{ operation: 'Query', table: PRODUCTS_TABLE, index: 'byListing' }] },
    { url: `/admin/products/${product.id}`, reads: [{ operation: 'GetItem', table: PRODUCTS_TABLE }] }
  ]
  for (const request of requests) {
    const from = recorder.operations.length
    const res = await app.inject({ method: 'GET', url: request.url, headers: admin })
    t.equal(res.statusCode, 200, request.url)
    const seen = recorder.operations.slice(from).filter((operation) => operation.tables.some((table) => adminTables.includes(table)))
    t.same(seen.filter((operation) => operation.operation === 'Scan'), [], `${request.url}: no Scan`)
    for (const read of request.reads) {
      t.ok(
        seen.some((operation) => operation.operation === read.operation && operation.tables.includes(read.table) && operation.indexName === read.index),
        `${request.url}: ${read.operation} on ${read.table}${read.index ? ` index ${read.index}` : ''}`
      )
    }
  }
  // The recorder sees what the app sends: the public catalog list still scans, and it shows.
  const from = recorder.operations.length
  t.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200)
  t.ok(recorder.operations.slice(from).some((operation) => operation.operation === 'Scan' && operation.tables.includes(PRODUCTS_TABLE)), 'a Scan would be seen')
})

t.test('items stored before the back-office indexes: listed once the backfill gives them their index keys', async (t) => {
  const { app, runtime, shop, admin } = await setup(t)
  const kept = await shop.createProduct()
  const old = await shop.createProduct()
  const oldInactive = await shop.createProduct({ active: false })
  const customer = await shop.customer()
  const [keptOrder, oldOrder] = await placeOrders(shop, customer.token, kept.id, 2)
  await runtime.idle()
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint))
  t.teardown(() => client.destroy())
  const documents = documentClient(client)
  const { ORDERS_TABLE, PRODUCTS_TABLE } = runtime.config
  // As items written before the indexes existed: without the keys the repositories now write.
  await documents.send(new UpdateCommand({ TableName: ORDERS_TABLE, Key: { id: oldOrder }, UpdateExpression: 'REMOVE kind' }))
  for (const id of [old.id, oldInactive.id]) await documents.send(new UpdateCommand({ TableName: PRODUCTS_TABLE, Key: { id }, UpdateExpression: 'REMOVE listing' }))
  const listed = async () => ({
    orders: ((await app.inject({ method: 'GET', url: '/admin/orders', headers: admin })).json().orders as Array<{ id: string }>).map((order) => order.id).sort(),
    products: ((await app.inject({ method: 'GET', url: '/admin/products', headers: admin })).json().products as Array<{ id: string }>).map((product) => product.id).sort()
  })
  t.same(await listed(), { orders: [keptOrder], products: [kept.id] }, 'before: the old items are not in the indexes')

  t.same(await backfillIndexKeys(documents, { ordersTable: ORDERS_TABLE, productsTable: PRODUCTS_TABLE }), { orders: 1, products: 2 })
  t.same(await listed(), { orders: [keptOrder, oldOrder].sort(), products: [kept.id, old.id, oldInactive.id].sort() }, 'after: every item')
  const inactive = (await app.inject({ method: 'GET', url: '/admin/products?active=false', headers: admin })).json().products as Array<{ id: string }>
  t.same(inactive.map((product) => product.id), [oldInactive.id], 'listed by its own active flag')
  t.same(await backfillIndexKeys(documents, { ordersTable: ORDERS_TABLE, productsTable: PRODUCTS_TABLE }), { orders: 0, products: 0 }, 'a second run changes nothing')
})
