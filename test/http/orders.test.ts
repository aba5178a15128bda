// Orders and the order-processing saga on the embedded runtime (DynamoDB Local + the real ASL run by
// aws-local-stepfunctions): pricing, the saga's paths, cancellation, admin transitions, isolation
// between users, pagination, and the stock invariants under concurrency.
import t from 'tap'
import { build } from '../helpers/build'
import { ADDRESS, openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '60' }

t.test('happy path: priced from the catalog, reserved, paid, confirmed, stock committed, email sent', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const mug = await shop.createProduct({ name: 'Mug', price: 1250, stock: 5 })
  const tee = await shop.createProduct({ name: 'Tee', price: 2000, stock: 5 })
  const customer = await shop.customer()

  // Prices, totals and currencies are not the client's to send: refused (400), never stored.
  const priced = await shop.place(customer.token, [{ productId: mug.id, quantity: 1, price: 1 } as { productId: string; quantity: number }])
  t.equal(priced.statusCode, 400)
  t.equal((await shop.place(customer.token, [{ productId: mug.id, quantity: 1 }], { total: 1, currency: 'eur' })).statusCode, 400)
  const placed = await shop.place(customer.token, [
    { productId: mug.id, quantity: 1 },
    { productId: tee.id, quantity: 2 },
    { productId: mug.id, quantity: 1 }
  ])
  t.equal(placed.statusCode, 201)
  const order = placed.body.order as Record<string, unknown>
  t.equal(order.status, 'pending')
  t.equal(order.currency, 'usd')
  t.same(order.items, [
    { productId: mug.id, name: 'Mug', unitPrice: 1250, quantity: 2, lineTotal: 2500 },
    { productId: tee.id, name: 'Tee', unitPrice: 2000, quantity: 2, lineTotal: 4000 }
  ], 'duplicate lines merged, priced from the catalog')
  t.equal(order.total, 6500)
  t.notOk('paymentTaskToken' in order || 'reservation' in order, 'saga internals stay inside')

  const awaiting = await shop.settled(order.id as string)
  t.equal(awaiting.status, 'awaiting_payment')
  t.ok(awaiting.paymentTaskToken, 'the callback token is stored on the order')
  t.match(await shop.product(mug.id), { stock: 5, reserved: 2, available: 3 })

  t.equal(await runtime.services.saga.paymentSucceeded(order.id as string, 'pay_test_1'), true)
  await shop.finished(order.id as string)
  const confirmed = await shop.settled(order.id as string)
  t.equal(confirmed.status, 'confirmed')
  t.equal(confirmed.paymentId, 'pay_test_1')
  t.notOk(confirmed.paymentTaskToken, 'the token is cleared once used')
  t.match(await shop.product(mug.id), { stock: 3, reserved: 0, available: 3 })
  t.match(await shop.product(tee.id), { stock: 3, reserved: 0, available: 3 })
  const mail = runtime.mailbox.messages().find((entry) => entry.subject === `Order ${order.id} confirmed`)
  t.ok(mail, 'confirmation email')
  t.match(mail?.text, /\$65\.00/)

  const view = await app.inject({ method: 'GET', url: `/orders/${order.id}`, headers: bearer(customer.token) })
  t.equal(view.statusCode, 200)
  t.equal(view.json().order.status, 'confirmed')
  const execution = runtime.workflow.executions().find((entry) => entry.name === order.id)
  t.equal(execution?.status, 'SUCCEEDED')
})

t.test('out of stock at reservation: cancelled with reason, nothing reserved, customer told', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const rare = await shop.createProduct({ stock: 1 })
  const customer = await shop.customer()
  const placed = await shop.place(customer.token, [{ productId: rare.id, quantity: 2 }])
  t.equal(placed.statusCode, 201)
  const orderId = (placed.body.order as { id: string }).id
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'cancelled')
  t.equal(order.cancelReason, 'out_of_stock')
  t.match(await shop.product(rare.id), { stock: 1, reserved: 0, available: 1 })
  t.ok(runtime.mailbox.messages().some((entry) => entry.subject === `Order ${orderId} cancelled` && /out of stock/.test(entry.text)))
})

t.test('payment timeout releases the stock and cancels', async (t) => {
  const { app, runtime } = await build(t, { env: { ...env, PAYMENT_WINDOW_SECONDS: '1' } })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 3 })
  const customer = await shop.customer()
  const orderId = ((await shop.place(customer.token, [{ productId: item.id, quantity: 2 }])).body.order as { id: string }).id
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment')
  t.match(await shop.product(item.id), { reserved: 2, available: 1 })
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'cancelled')
  t.equal(order.cancelReason, 'payment_timeout')
  t.match(await shop.product(item.id), { stock: 3, reserved: 0, available: 3 })
})

t.test('customer cancel while awaiting payment: stock released at once, saga ends without waiting', async (t) => {
  const { app, runtime } = await build(t, { env: { ...env, PAYMENT_WINDOW_SECONDS: '3600' } })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 4 })
  const customer = await shop.customer()
  const orderId = ((await shop.place(customer.token, [{ productId: item.id, quantity: 3 }])).body.order as { id: string }).id
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment')

  const cancelled = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancelled.statusCode, 200)
  t.equal(cancelled.json().order.status, 'cancelled')
  t.equal(cancelled.json().order.cancelReason, 'customer')
  t.match(await shop.product(item.id), { stock: 4, reserved: 0, available: 4 })
  await shop.finished(orderId) // would hang for an hour if the saga were not resumed
  t.match(await shop.product(item.id), { stock: 4, reserved: 0, available: 4 }, 'the saga does not release twice')

  const again = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(again.statusCode, 409)
  t.equal(again.json().currentStatus, 'cancelled')
})

t.test('bad orders: 400 naming the problem, nothing stored', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct()
  const hidden = await shop.createProduct({ active: false })
  const customer = await shop.customer()
  const cases: Array<[unknown, RegExp]> = [
    [[{ productId: 'no-such-product', quantity: 1 }], /unknown product no-such-product/],
    [[{ productId: hidden.id, quantity: 1 }], new RegExp(`unknown product ${hidden.id}`)],
    [[], /items/],
    [[{ productId: item.id, quantity: 0 }], /quantity/],
    [[{ productId: item.id, quantity: 1.5 }], /quantity/],
    [[{ productId: item.id, quantity: '1' }], /quantity/],
    [[{ productId: item.id, quantity: 60 }, { productId: item.id, quantity: 60 }], /exceeds 100/],
    [Array.from({ length: 51 }, () => ({ productId: item.id, quantity: 1 })), /items/]
  ]
  for (const [items, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/orders', headers: bearer(customer.token), payload: { items, shippingAddress: ADDRESS } })
    t.equal(res.statusCode, 400, JSON.stringify(items).slice(0, 80))
    t.match(res.json().message, message)
  }
  const noAddress = await app.inject({ method: 'POST', url: '/orders', headers: bearer(customer.token), payload: { items: [{ productId: item.id, quantity: 1 }] } })
  t.equal(noAddress.statusCode, 400)
  const list = await app.inject({ method: 'GET', url: '/orders', headers: bearer(customer.token) })
  t.equal(list.json().count, 0, 'no order was stored')
  t.equal((await app.inject({ method: 'POST', url: '/orders', payload: { items: [], shippingAddress: ADDRESS } })).statusCode, 401)
})

t.test("another user's order is a 404; admins see it; lists are per user, newest first, with signed cursors", async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 100 })
  const alice = await shop.customer()
  const bob = await shop.customer()
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push(((await shop.place(alice.token, [{ productId: item.id, quantity: 1 }])).body.order as { id: string }).id)
  await shop.place(bob.token, [{ productId: item.id, quantity: 1 }])

  t.equal((await app.inject({ method: 'GET', url: `/orders/${ids[0]}`, headers: bearer(bob.token) })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: `/orders/${ids[0]}/cancel`, headers: bearer(bob.token) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/orders/${ids[0]}`, headers: bearer(shop.adminToken) })).statusCode, 200)

  const page1 = await app.inject({ method: 'GET', url: '/orders?limit=2', headers: bearer(alice.token) })
  t.equal(page1.statusCode, 200)
  t.equal(page1.json().count, 2)
  const lastKey = page1.json().lastKey as string
  t.ok(lastKey)
  const page2 = await app.inject({ method: 'GET', url: `/orders?limit=2&lastKey=${encodeURIComponent(lastKey)}`, headers: bearer(alice.token) })
  const page3 = await app.inject({ method: 'GET', url: `/orders?limit=2&lastKey=${encodeURIComponent(page2.json().lastKey)}`, headers: bearer(alice.token) })
  const seen = [...page1.json().orders, ...page2.json().orders, ...page3.json().orders].map((order: { id: string }) => order.id)
  t.same(seen, [...ids].reverse(), 'all of alice’s orders, newest first, no duplicates')

  const tampered = lastKey.slice(0, -2) + (lastKey.endsWith('A') ? 'BB' : 'AA')
  t.equal((await app.inject({ method: 'GET', url: `/orders?lastKey=${encodeURIComponent(tampered)}`, headers: bearer(alice.token) })).statusCode, 400)
  const foreign = await app.inject({ method: 'GET', url: `/orders?lastKey=${encodeURIComponent(lastKey)}`, headers: bearer(bob.token) })
  t.equal(foreign.statusCode, 400, "another user's cursor is refused")
  t.equal((await app.inject({ method: 'GET', url: '/orders?limit=101', headers: bearer(alice.token) })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/orders?limit=0', headers: bearer(alice.token) })).statusCode, 400)
})

t.test('admin status changes follow the allowed transitions only', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 5 })
  const customer = await shop.customer()
  const orderId = ((await shop.place(customer.token, [{ productId: item.id, quantity: 1 }])).body.order as { id: string }).id
  await shop.settled(orderId)
  // `shipped` needs a shipment (test/http/shipment.test.ts); it is given here so only the transition is judged.
  const shipment = { carrier: 'UPS', trackingNumber: '1Z999' }
  const put = (status: string, token = shop.adminToken) =>
    app.inject({ method: 'PUT', url: `/orders/${orderId}/status`, headers: bearer(token), payload: { status, ...(status === 'shipped' ? { shipment } : {}) } })

  t.equal((await put('processing', customer.token)).statusCode, 403, 'customers cannot')
  const skip = await put('shipped')
  t.equal(skip.statusCode, 409)
  t.equal(skip.json().currentStatus, 'awaiting_payment')
  t.equal((await put('confirmed')).statusCode, 409, 'confirmation belongs to the payment path')
  t.equal((await put('teleported')).statusCode, 400)

  await runtime.services.saga.paymentSucceeded(orderId, 'pay_admin')
  await shop.finished(orderId)
  for (const status of ['processing', 'shipped', 'delivered']) {
    const res = await put(status)
    t.equal(res.statusCode, 200, status)
    t.equal(res.json().order.status, status)
  }
  t.equal((await put('cancelled')).statusCode, 409, 'a delivered order cannot be cancelled')
  const cancel = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancel.statusCode, 409)
  t.equal(cancel.json().currentStatus, 'delivered')
  t.match(await shop.product(item.id), { stock: 4, reserved: 0, available: 4 })
})

t.test('invariant: 50 concurrent orders of 1 against stock 10 → exactly 10 reserved, 40 out of stock, never negative', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 10 })
  const customer = await shop.customer()
  const placed = await Promise.all(Array.from({ length: 50 }, () => shop.place(customer.token, [{ productId: item.id, quantity: 1 }])))
  t.same([...new Set(placed.map((res) => res.statusCode))], [201])
  const ids = placed.map((res) => (res.body.order as { id: string }).id)
  const orders = await Promise.all(ids.map((id) => shop.settled(id)))
  const byStatus = (status: string) => orders.filter((order) => order.status === status)
  t.equal(byStatus('awaiting_payment').length, 10)
  t.equal(byStatus('cancelled').length, 40)
  t.ok(byStatus('cancelled').every((order) => order.cancelReason === 'out_of_stock'))
  t.match(await shop.product(item.id), { stock: 10, reserved: 10, available: 0 })
})

t.test('invariant: a redelivered reservation or release changes nothing', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 5 })
  const customer = await shop.customer()
  const orderId = ((await shop.place(customer.token, [{ productId: item.id, quantity: 2 }])).body.order as { id: string }).id
  await shop.settled(orderId)
  const task = runtime.workers['order-saga']
  t.ok(task)
  t.same(await task?.({ task: 'reserveInventory', orderId, correlationId: 'dup' }), { outcome: 'reserved' })
  t.same(await task?.({ task: 'reserveInventory', orderId, correlationId: 'dup' }), { outcome: 'reserved' })
  t.match(await shop.product(item.id), { stock: 5, reserved: 2, available: 3 }, 'reserved once')
  await task?.({ task: 'releaseInventory', orderId, correlationId: 'dup' })
  await task?.({ task: 'releaseInventory', orderId, correlationId: 'dup' })
  t.match(await shop.product(item.id), { stock: 5, reserved: 0, available: 5 }, 'released once')
  await t.rejects(task?.({ task: 'confirmOrder', orderId, correlationId: 'dup' }) as Promise<unknown>, { name: 'OrderNotConfirmable' }, 'released stock cannot be confirmed')
  await t.rejects(task?.({ task: 'teleport', orderId }) as Promise<unknown>, { name: 'InvalidTaskInput' })
})

t.test('invariant: cancel racing a payment confirmation leaves one consistent outcome', async (t) => {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const item = await shop.createProduct({ stock: 5 })
  for (let round = 0; round < 3; round++) {
    const customer = await shop.customer()
    const orderId = ((await shop.place(customer.token, [{ productId: item.id, quantity: 1 }])).body.order as { id: string }).id
    await shop.settled(orderId)
    const [cancel] = await Promise.all([
      app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) }),
      runtime.services.saga.paymentSucceeded(orderId, `pay_race_${round}`).catch(() => false)
    ])
    await shop.finished(orderId)
    const order = await shop.settled(orderId)
    const product = await shop.product(item.id)
    t.equal(product.reserved, 0, 'nothing left reserved')
    t.equal(product.available, product.stock, 'available matches stock')
    if (order.status === 'cancelled') {
      t.equal(cancel.statusCode, 200)
      t.equal(product.stock, 5, 'a cancelled order gives its stock back')
    } else {
      t.equal(order.status, 'confirmed')
      t.equal(cancel.statusCode, 409)
    }
  }
})
