// The catalog through HTTP on the embedded runtime: public shapes (no stock bookkeeping leaks),
// signed pagination, admin create/update with strict validation, who may write, stock never below
// what open orders hold (with `available = stock - reserved` kept under concurrency), the
// repository's batch read, and idempotent seeding of the demo catalog.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { DynamoProductRepository } from '../../src/adapters/dynamodb/product-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import type { EmbeddedRuntime } from '../../src/local/runtime'
import { seedDemoCatalog } from '../../src/local/dynamodb/seed-catalog'
import { documentClient } from '../../src/composition/builders'
import type { Product } from '../../src/domain/product'
import { build, projectRoot } from '../helpers/build'
import { bearer, registerVerifiedUser, uniqueEmail } from '../helpers/users'

const demoCatalogFile = join(projectRoot, 'data', 'demo-catalog.json')
const PUBLIC_KEYS = ['available', 'currency', 'description', 'id', 'name', 'price']
const ADMIN_KEYS = [...PUBLIC_KEYS, 'active', 'createdAt', 'reserved', 'stock', 'updatedAt'].sort()

interface Shop {
  app: FastifyInstance
  runtime: EmbeddedRuntime
  admin: Record<string, string>
  customer: Record<string, string>
  documents: DynamoDBDocumentClient
  repository: DynamoProductRepository
  create(fields?: Record<string, unknown>): Promise<Product>
  patch(id: string, payload: Record<string, unknown>, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  stored(id: string): Promise<Product | undefined>
}

/** A fresh app with an admin and a customer session, and direct access to the products table. */
async function shop(t: Test, options: { seedDemoCatalog?: boolean } = {}): Promise<Shop> {
  const adminEmail = uniqueEmail('admin')
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail }, seedDemoCatalog: options.seedDemoCatalog })
  const [admin, customer] = await Promise.all([registerVerifiedUser(app, runtime, adminEmail), registerVerifiedUser(app, runtime)])
  t.same(admin.session.user.roles.sort(), ['admin', 'customer'], 'the admin is an admin')
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint))
  t.teardown(() => client.destroy())
  const documents = documentClient(client)
  const table = runtime.config.PRODUCTS_TABLE
  const adminHeaders = bearer(admin.session.token)
  return {
    app,
    runtime,
    admin: adminHeaders,
    customer: bearer(customer.session.token),
    documents,
    repository: new DynamoProductRepository(documents, table),
    async create(fields = {}) {
      const payload = { name: 'Pour-over kettle', description: 'Gooseneck, 1 l.', price: 4900, currency: 'usd', stock: 10, ...fields }
      const res = await app.inject({ method: 'POST', url: '/products', headers: adminHeaders, payload })
      if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
      return res.json().product as Product
    },
    patch: (id, payload, headers = adminHeaders) => app.inject({ method: 'PATCH', url: `/products/${id}`, headers, payload }),
    async stored(id) {
      return (await documents.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }))).Item as Product | undefined
    }
  }
}

/** What an order's reservation does to a product item (the orders code's own write). */
function reserve(s: Shop, id: string, quantity: number) {
  return s.documents.send(
    new UpdateCommand({
      TableName: s.runtime.config.PRODUCTS_TABLE,
      Key: { id },
      UpdateExpression: 'SET available = available - :q, reserved = reserved + :q',
      ConditionExpression: 'available >= :q AND active = :true',
      ExpressionAttributeValues: { ':q': quantity, ':true': true }
    })
  )
}

async function listAll(app: FastifyInstance, limit: number) {
  const pages: Array<Array<Record<string, unknown>>> = []
  let lastKey: string | undefined
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(lastKey ? { lastKey } : {}) })
    const res = await app.inject({ method: 'GET', url: `/products?${query}` })
    if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`)
    const body = res.json()
    pages.push(body.products)
    lastKey = body.lastKey
    if (pages.length > 50) throw new Error('pagination does not end')
  } while (lastKey)
  return pages
}

t.test('admin create → 201 admin shape; public get and list show only the public fields', async (t) => {
  const s = await shop(t)
  // reserved/available are the server's: a client cannot set them (unknown fields are refused).
  const forged = await s.app.inject({
    method: 'POST',
    url: '/products',
    headers: s.admin,
    payload: { name: 'Burr grinder', description: 'Conical burrs.', price: 12900, currency: 'usd', stock: 35, reserved: 30, available: 999 }
  })
  t.equal(forged.statusCode, 400)
  t.match(forged.json().message, /unknown property "reserved"/)
  const res = await s.app.inject({
    method: 'POST',
    url: '/products',
    headers: s.admin,
    payload: { name: '  Burr grinder ', description: 'Conical burrs.', price: 12900, currency: 'usd', stock: 35 }
  })
  t.equal(res.statusCode, 201)
  const { product } = res.json()
  t.same(Object.keys(product).sort(), ADMIN_KEYS)
  t.match(product, { name: 'Burr grinder', description: 'Conical burrs.', price: 12900, currency: 'usd', stock: 35, reserved: 0, available: 35, active: true })
  t.match(product.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(product.createdAt, product.updatedAt)
  t.match(await s.stored(product.id), { stock: 35, reserved: 0, available: 35, active: true }, 'stored as returned')

  const one = await s.app.inject({ method: 'GET', url: `/products/${product.id}` })
  t.equal(one.statusCode, 200)
  t.same(one.json(), { product: { id: product.id, name: 'Burr grinder', description: 'Conical burrs.', price: 12900, currency: 'usd', available: 35 } })

  const list = await s.app.inject({ method: 'GET', url: '/products' })
  t.equal(list.statusCode, 200)
  t.same(list.json(), { products: [one.json().product] }, 'one page, no lastKey')
  t.notMatch(list.body + one.body, /stock|reserved|active|createdAt/, 'no bookkeeping in public responses')
})

t.test('who may write: anonymous → 401, customer → 403, and nothing changes', async (t) => {
  const s = await shop(t)
  const product = await s.create()
  const body = { name: 'X', description: '', price: 1, currency: 'usd', stock: 1 }
  const anonymousCreate = await s.app.inject({ method: 'POST', url: '/products', payload: body })
  const customerCreate = await s.app.inject({ method: 'POST', url: '/products', headers: s.customer, payload: body })
  t.equal(anonymousCreate.statusCode, 401)
  t.equal(anonymousCreate.json().error, 'Unauthorized')
  t.equal(customerCreate.statusCode, 403)
  t.equal(customerCreate.json().error, 'Forbidden')
  t.equal((await s.patch(product.id, { price: 1 }, {})).statusCode, 401)
  t.equal((await s.patch(product.id, { price: 1 }, s.customer)).statusCode, 403)
  t.equal((await s.stored(product.id))?.price, 4900, 'price unchanged')
  t.equal((await listAll(s.app, 100)).flat().length, 1, 'nothing created')
})

t.test('bad input → 400 naming the field, and nothing is stored', async (t) => {
  const s = await shop(t)
  const valid = { name: 'Mug', description: 'Glass.', price: 1000, currency: 'usd', stock: 5 }
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...valid, price: -1 }, 'price'],
    [{ ...valid, price: 10.5 }, 'price'],
    [{ ...valid, price: '10' }, 'price'],
    [{ ...valid, price: 100_000_001 }, 'price'],
    [{ ...valid, currency: 'USD' }, 'currency'],
    [{ ...valid, currency: 'us' }, 'currency'],
    [{ ...valid, currency: 'usdx' }, 'currency'],
    [{ ...valid, stock: -1 }, 'stock'],
    [{ ...valid, stock: 1.5 }, 'stock'],
    [{ ...valid, stock: 1_000_001 }, 'stock'],
    [{ ...valid, name: '' }, 'name'],
    [{ ...valid, name: '   ' }, 'name'],
    [{ ...valid, name: 'n'.repeat(201) }, 'name'],
    [{ ...valid, description: 'd'.repeat(2001) }, 'description'],
    [{ ...valid, active: 'yes' }, 'active'],
    [{ name: 'Mug', description: 'Glass.', price: 1000, stock: 5 }, 'currency']
  ]
  for (const [payload, field] of cases) {
    const res = await s.app.inject({ method: 'POST', url: '/products', headers: s.admin, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80))
    t.same({ error: res.json().error, field: res.json().field }, { error: 'ValidationError', field }, field)
  }
  t.equal((await listAll(s.app, 100)).flat().length, 0, 'nothing created')

  // The limits are inclusive.
  const edge = await s.create({ name: 'n'.repeat(200), description: '', price: 100_000_000, stock: 1_000_000 })
  t.match(edge, { price: 100_000_000, stock: 1_000_000, available: 1_000_000, description: '' })

  const before = await s.stored(edge.id)
  for (const [payload, field] of [
    [{ price: -5 }, 'price'],
    [{ price: 1, currency: 'EUR' }, 'currency'],
    [{ stock: '3' }, 'stock'],
    [{}, 'body'],
    [{ reserved: 0 }, 'body']
  ] as Array<[Record<string, unknown>, string]>) {
    const res = await s.patch(edge.id, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().field, field, JSON.stringify(payload))
  }
  t.same(await s.stored(edge.id), before, 'a rejected PATCH changes nothing (not even updatedAt)')
})

t.test('unknown and inactive products are 404 to the public; admins can reactivate', async (t) => {
  const s = await shop(t)
  t.equal((await s.app.inject({ method: 'GET', url: '/products/9d3a2c1b-0000-4000-8000-000000000000' })).statusCode, 404)
  t.equal((await s.app.inject({ method: 'GET', url: '/products/not-a-uuid' })).json().error, 'NotFound')
  const unknownPatch = await s.patch('9d3a2c1b-0000-4000-8000-000000000000', { price: 1 })
  t.equal(unknownPatch.statusCode, 404)
  t.equal(await s.stored('9d3a2c1b-0000-4000-8000-000000000000'), undefined, 'a PATCH never creates')

  const product = await s.create({ active: false })
  t.equal(product.active, false)
  t.equal((await s.app.inject({ method: 'GET', url: `/products/${product.id}` })).statusCode, 404)
  t.same((await s.app.inject({ method: 'GET', url: '/products' })).json().products, [], 'not listed')

  const activated = await s.patch(product.id, { active: true })
  t.equal(activated.statusCode, 200)
  t.equal(activated.json().product.active, true)
  t.equal((await s.app.inject({ method: 'GET', url: `/products/${product.id}` })).statusCode, 200)
})

t.test('PATCH changes only the given fields and keeps available = stock - reserved', async (t) => {
  const s = await shop(t)
  const product = await s.create({ stock: 10 })
  await reserve(s, product.id, 4)

  const priced = await s.patch(product.id, { price: 5100, name: 'Kettle v2' })
  t.equal(priced.statusCode, 200)
  const updated = priced.json().product
  t.same(Object.keys(updated).sort(), ADMIN_KEYS)
  t.match(updated, { price: 5100, name: 'Kettle v2', description: product.description, currency: 'usd', stock: 10, reserved: 4, available: 6, createdAt: product.createdAt })
  t.ok(updated.updatedAt >= product.updatedAt)

  const below = await s.patch(product.id, { stock: 3 })
  t.equal(below.statusCode, 409)
  t.equal(below.json().error, 'Conflict')
  t.equal(below.json().message, 'stock cannot go below the 4 units reserved by open orders')
  t.match(await s.stored(product.id), { stock: 10, reserved: 4, available: 6, price: 5100 }, 'a refused stock change changes nothing')

  const exact = await s.patch(product.id, { stock: 4 })
  t.match(exact.json().product, { stock: 4, reserved: 4, available: 0 })
  const raised = await s.patch(product.id, { stock: 20, currency: 'eur' })
  t.match(raised.json().product, { stock: 20, reserved: 4, available: 16, currency: 'eur' })
  t.same((await s.app.inject({ method: 'GET', url: `/products/${product.id}` })).json().product.available, 16)
})

t.test('stock updates racing reservations never break available = stock - reserved', async (t) => {
  const s = await shop(t)
  const product = await s.create({ stock: 20 })
  const results = await Promise.all([
    ...Array.from({ length: 20 }, () => reserve(s, product.id, 1).then(() => 'reserved')),
    ...Array.from({ length: 10 }, (_, i) => s.patch(product.id, { stock: 20 + i }).then((res) => res.statusCode))
  ])
  t.equal(results.filter((result) => result === 'reserved').length, 20, 'every reservation fit')
  t.same(results.filter((result) => result !== 'reserved'), Array(10).fill(200), 'every stock update succeeded')
  const stored = (await s.stored(product.id)) as Product
  t.equal(stored.reserved, 20)
  t.ok(stored.stock >= 20 && stored.stock <= 29)
  t.equal(stored.available, stored.stock - stored.reserved)
})

t.test('pagination: full pages of active products, each exactly once, across pages', async (t) => {
  const s = await shop(t)
  const active = new Set<string>()
  for (let i = 0; i < 9; i++) {
    const product = await s.create({ name: `Product ${i}`, active: i % 4 !== 1 })
    if (product.active) active.add(product.id)
  }
  t.equal(active.size, 7)
  const pages = await listAll(s.app, 3)
  const ids = pages.flat().map((product) => String(product.id))
  t.same(new Set(ids), active, 'every active product, no inactive one')
  t.equal(ids.length, active.size, 'none twice')
  t.ok(pages.slice(0, -1).every((page) => page.length === 3), 'every page but the last is full')
  t.ok(pages.length >= 3, `${pages.length} pages`)
  for (const product of pages.flat()) t.same(Object.keys(product).sort(), PUBLIC_KEYS)

  const all = await s.app.inject({ method: 'GET', url: '/products' })
  t.equal(all.json().products.length, 7, 'the default limit (20) takes them all')
  t.notOk('lastKey' in all.json())
})

t.test('lastKey is opaque and signed; limit is 1–100', async (t) => {
  const s = await shop(t)
  for (let i = 0; i < 3; i++) await s.create({ name: `P${i}` })
  const first = (await s.app.inject({ method: 'GET', url: '/products?limit=1' })).json()
  t.equal(first.products.length, 1)
  t.type(first.lastKey, 'string')
  t.notMatch(first.lastKey, new RegExp(first.products[0].id), 'the key is not in plain sight')
  const next = await s.app.inject({ method: 'GET', url: `/products?limit=1&lastKey=${encodeURIComponent(first.lastKey)}` })
  t.equal(next.statusCode, 200)
  t.not(next.json().products[0].id, first.products[0].id)

  const [payload, signature] = first.lastKey.split('.')
  t.same(JSON.parse(Buffer.from(payload, 'base64url').toString()), { id: first.products[0].id }, 'the payload is the scan position')
  const forged = Buffer.from(JSON.stringify({ id: next.json().products[0].id })).toString('base64url')
  const bad = [
    `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
    `${forged}.${signature}`,
    s.runtime.services.cursors.encode({ id: first.products[0].id }, 'orders:someone'),
    'abc',
    'x'.repeat(3000)
  ]
  for (const lastKey of bad) {
    const res = await s.app.inject({ method: 'GET', url: `/products?lastKey=${encodeURIComponent(lastKey)}` })
    t.equal(res.statusCode, 400, lastKey.slice(0, 40))
    t.same({ error: res.json().error, field: res.json().field }, { error: 'ValidationError', field: 'lastKey' })
  }
  for (const limit of ['101', '0', '-1', '2.5', 'ten']) {
    const res = await s.app.inject({ method: 'GET', url: `/products?limit=${limit}` })
    t.equal(res.statusCode, 400, `limit=${limit}`)
    t.equal(res.json().field, 'limit')
  }
  t.equal((await s.app.inject({ method: 'GET', url: '/products?limit=100' })).statusCode, 200)
})

t.test('repository getMany: existing products by id, in batches over 100, unknown ids absent', async (t) => {
  const s = await shop(t)
  const now = new Date().toISOString()
  const ids = Array.from({ length: 130 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
  await Promise.all(
    ids.map((id, i) =>
      s.repository.create({ id, name: `P${i}`, description: '', price: i, currency: 'usd', active: true, stock: 1, reserved: 0, available: 1, createdAt: now, updatedAt: now })
    )
  )
  const unknown = 'ffffffff-0000-4000-8000-000000000000'
  const found = await s.repository.getMany([...ids, ids[0] as string, unknown])
  t.equal(found.size, 130)
  t.notOk(found.has(unknown))
  t.equal(found.get(ids[129] as string)?.price, 129)
  t.same(await s.repository.getMany([]), new Map())
  await t.rejects(s.repository.create({ ...(found.get(ids[0] as string) as Product), name: 'again' }), { name: 'ConflictError' }, 'create never overwrites')
})

t.test('demo catalog: seeded on start, and seeding again stores nothing', async (t) => {
  const expected = (JSON.parse(await readFile(demoCatalogFile, 'utf8')) as { products: Array<{ id: string; price: number }> }).products
  t.ok(expected.length >= 10, `${expected.length} demo products`)
  t.ok(expected.every((product) => Number.isInteger(product.price) && product.price > 0))

  const s = await shop(t, { seedDemoCatalog: true })
  const listed = (await listAll(s.app, 100)).flat()
  t.same(listed.map((product) => product.id).sort(), expected.map((product) => product.id).sort())

  const bought = expected[0]?.id as string
  await reserve(s, bought, 2)
  t.equal(await seedDemoCatalog(s.repository, demoCatalogFile), 0, 'a second seeding stores nothing')
  t.equal((await listAll(s.app, 100)).flat().length, expected.length, 'count unchanged')
  t.match(await s.stored(bought), { reserved: 2 }, 'and overwrites nothing')
})

t.test('demo catalog: concurrent seedings of an empty table store each product once', async (t) => {
  const s = await shop(t)
  const counts = await Promise.all([seedDemoCatalog(s.repository, demoCatalogFile), seedDemoCatalog(s.repository, demoCatalogFile)])
  const listed = (await listAll(s.app, 100)).flat()
  t.equal((counts[0] ?? 0) + (counts[1] ?? 0), listed.length, 'each product stored by exactly one of them')
  t.ok(listed.length >= 10)
})

t.test('demo catalog: a table that already has products is left alone', async (t) => {
  const s = await shop(t)
  await s.create()
  t.equal(await seedDemoCatalog(s.repository, demoCatalogFile), 0)
  t.equal((await listAll(s.app, 100)).flat().length, 1)
})
