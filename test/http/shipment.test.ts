// Shipping and delivery (PUT /orders/{id}/status): `shipped` requires a shipment (carrier, tracking
// number, an https tracking link if any), stored on the order with shippedAt and carried by the
// ORDER_STATUS_UPDATED event; `delivered` stores deliveredAt; a shipment with any other status, a
// link that is not https, or unknown fields are refused (400) and change nothing. The rule itself
// (statusDetails) is checked directly too.
import t, { type Test } from 'tap'
import { statusDetails } from '../../src/domain/order'
import { ValidationError } from '../../src/domain/errors'
import { recordEvents } from '../helpers/accounts'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' }
const NOW = '2026-12-01T10:00:00.000Z'

t.test('statusDetails: the rule for each status', async (t) => {
  const shipment = { carrier: 'UPS', trackingNumber: '1Z999', trackingUrl: 'https://track.example/1Z999' }
  t.same(statusDetails('shipped', shipment, NOW), { shipment, shippedAt: NOW })
  t.same(statusDetails('shipped', { carrier: 'UPS', trackingNumber: '1Z999' }, NOW), { shipment: { carrier: 'UPS', trackingNumber: '1Z999' }, shippedAt: NOW }, 'the link is optional')
  t.same(statusDetails('delivered', undefined, NOW), { deliveredAt: NOW })
  t.same(statusDetails('processing', undefined, NOW), {})
  t.same(statusDetails('cancelled', undefined, NOW), {})
  t.throws(() => statusDetails('shipped', undefined, NOW), ValidationError, 'shipped without a shipment')
  t.throws(() => statusDetails('delivered', shipment, NOW), ValidationError, 'a shipment with another status')
  for (const trackingUrl of ['http://track.example/1', 'javascript:alert(1)', 'https://', 'https://user:pw@track.example/1', 'track.example/1', 'ftp://track.example/1']) {
    t.throws(() => statusDetails('shipped', { ...shipment, trackingUrl }, NOW), ValidationError, `trackingUrl ${trackingUrl}`)
  }
  const stored = statusDetails('shipped', { ...shipment, note: 'x' } as typeof shipment, NOW)
  t.same(Object.keys(stored.shipment ?? {}).sort(), ['carrier', 'trackingNumber', 'trackingUrl'], 'only the shipment fields are kept')
})

async function processingOrder(t: Test) {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ stock: 5 })
  const customer = await shop.customer()
  const orderId = ((await shop.place(customer.token, [{ productId: product.id, quantity: 1 }])).body.order as { id: string }).id
  await shop.settled(orderId)
  t.equal(await runtime.services.saga.paymentSucceeded(orderId, 'pay_ship'), true)
  await shop.finished(orderId)
  const put = (payload: Record<string, unknown>, token = shop.adminToken) =>
    app.inject({ method: 'PUT', url: `/orders/${orderId}/status`, headers: bearer(token), payload })
  t.equal((await put({ status: 'processing' })).statusCode, 200)
  // Every event the app publishes, as it reaches the bus.
  const published = recordEvents(runtime).all
  return { app, runtime, shop, customer, orderId, put, published }
}

t.test('shipped requires a shipment: 400 without one (or with a bad one), nothing changes', async (t) => {
  const { shop, orderId, put, customer } = await processingOrder(t)
  const refusals: Array<{ payload: Record<string, unknown>; field: RegExp }> = [
    { payload: { status: 'shipped' }, field: /shipment/ },
    { payload: { status: 'shipped', shipment: { carrier: 'UPS' } }, field: /trackingNumber/ },
    { payload: { status: 'shipped', shipment: { carrier: ' ', trackingNumber: '1Z' } }, field: /carrier/ },
    { payload: { status: 'shipped', shipment: { carrier: 'UPS', trackingNumber: '1Z', trackingUrl: 'http://track.example/1Z' } }, field: /trackingUrl/ },
    { payload: { status: 'shipped', shipment: { carrier: 'UPS', trackingNumber: '1Z', trackingUrl: 'javascript:alert(1)' } }, field: /trackingUrl/ },
    { payload: { status: 'shipped', shipment: { carrier: 'UPS', trackingNumber: '1Z', weight: 3 } }, field: /weight/ },
    { payload: { status: 'cancelled', shipment: { carrier: 'UPS', trackingNumber: '1Z' } }, field: /shipment/ },
    { payload: { status: 'shipped', shipment: 'UPS 1Z' }, field: /shipment/ }
  ]
  for (const { payload, field } of refusals) {
    const res = await put(payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error, 'ValidationError')
    t.match(`${res.json().message} ${res.json().field ?? ''}`, field)
    t.type(res.json().requestId, 'string')
  }
  const order = await shop.settled(orderId)
  t.equal(order.status, 'processing', 'still processing')
  t.notOk(order.shipment ?? order.shippedAt, 'nothing stored')
  t.equal((await put({ status: 'shipped', shipment: { carrier: 'UPS', trackingNumber: '1Z' } }, customer.token)).statusCode, 403, 'customers cannot ship')
})

t.test('shipped stores the shipment and shippedAt, the event carries it; delivered stores deliveredAt', async (t) => {
  const { app, runtime, shop, orderId, put, customer, published } = await processingOrder(t)
  const shipment = { carrier: 'UPS', trackingNumber: '1Z999AA10123456784', trackingUrl: 'https://track.example/1Z999AA10123456784' }
  const before = Date.now()
  const shipped = await put({ status: 'shipped', shipment })
  t.equal(shipped.statusCode, 200)
  const view = shipped.json().order
  t.equal(view.status, 'shipped')
  t.same(view.shipment, shipment)
  t.ok(Date.parse(view.shippedAt) >= before - 1000 && Date.parse(view.shippedAt) <= Date.now(), 'shippedAt is now')
  t.notOk('deliveredAt' in view)

  const own = await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers: bearer(customer.token) })
  t.same(own.json().order.shipment, shipment, 'the customer sees the shipment')
  t.equal(own.json().order.shippedAt, view.shippedAt)
  t.same((await shop.settled(orderId)).shipment, shipment, 'stored on the order')

  await runtime.idle()
  const event = published.find((entry) => entry.eventType === 'ORDER_STATUS_UPDATED' && entry.data.orderId === orderId && entry.data.status === 'shipped')
  t.ok(event, 'ORDER_STATUS_UPDATED for shipped')
  t.match(event?.data, { previousStatus: 'processing', status: 'shipped', shipment, shippedAt: view.shippedAt })

  t.equal((await put({ status: 'shipped', shipment })).statusCode, 409, 'shipping twice is not a transition')
  const delivered = await put({ status: 'delivered' })
  t.equal(delivered.statusCode, 200)
  t.equal(delivered.json().order.status, 'delivered')
  t.ok(Date.parse(delivered.json().order.deliveredAt) >= Date.parse(view.shippedAt), 'deliveredAt after shippedAt')
  t.same(delivered.json().order.shipment, shipment, 'the shipment stays')
  await runtime.idle()
  t.match(published.find((entry) => entry.eventType === 'ORDER_STATUS_UPDATED' && entry.data.orderId === orderId && entry.data.status === 'delivered')?.data, {
    previousStatus: 'shipped',
    deliveredAt: delivered.json().order.deliveredAt
  })
  const stored = await shop.settled(orderId)
  t.equal(stored.deliveredAt, delivered.json().order.deliveredAt)

  const unknown = await app.inject({ method: 'PUT', url: '/orders/00000000-0000-4000-8000-000000000000/status', headers: bearer(shop.adminToken), payload: { status: 'shipped', shipment } })
  t.equal(unknown.statusCode, 404)
})
