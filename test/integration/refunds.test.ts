// Durable refunds end to end on the embedded runtime (real Stripe SDK against the local simulator,
// signed webhooks, DynamoDB Local): a refund Stripe cannot make now is kept pending and completed by
// retryPendingRefunds (the recovery sweeper's call), a crash between the cancel and the refund intent
// loses nothing, partial refunds (ours and the dashboard's) are recorded as partial, a refund Stripe
// refuses for good stays visible, and webhooks about objects we do not know are acknowledged.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import Stripe from 'stripe'
import t, { type Test } from 'tap'
import { DynamoOrderRepository } from '../../src/adapters/dynamodb/order-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { LOCAL_STRIPE_SECRET_KEY } from '../../src/local/stripe/simulator'
import { documentClient } from '../../src/composition/builders'
import { REFUND_DUE, type Order } from '../../src/domain/order'
import { recordEvents } from '../helpers/accounts'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' }

async function setup(t: Test) {
  const { app, runtime, logs } = await build(t, { env })
  // Every event the app publishes (the real bus still gets it).
  const published = recordEvents(runtime).all
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 2599, stock: 20 })
  const customer = await shop.customer()
  const orders = new DynamoOrderRepository(
    documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint))),
    runtime.config.ORDERS_TABLE,
    runtime.config.PRODUCTS_TABLE
  )
  /** An order paid with pm_card_visa and confirmed; its payment id and Stripe PaymentIntent id. */
  const paidOrder = async () => {
    const orderId = await shop.payableOrder(customer.token, product.id)
    const paid = await app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...bearer(customer.token), 'idempotency-key': `pay-${orderId}` },
      payload: { orderId, paymentMethodId: 'pm_card_visa' }
    })
    if (paid.statusCode !== 200) throw new Error(`pay: ${paid.statusCode} ${paid.body}`)
    await shop.finished(orderId)
    const paymentId = paid.json().paymentId as string
    const intentId = runtime.stripe.paymentIntents().find((intent) => intent.metadata.paymentId === paymentId)?.id as string
    return { orderId, paymentId, intentId }
  }
  const payment = async (paymentId: string) => {
    const res = await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(shop.adminToken) })
    return res.json().payment
  }
  // Distinct events: the outbox relay is at-least-once, so one event may be delivered twice.
  const refundsPublished = (paymentId: string) => [
    ...new Set(published.filter((event) => event.eventType === 'PAYMENT_REFUNDED' && event.data.paymentId === paymentId).map((event) => event.eventId))
  ]
  const adminRefund = (paymentId: string, body: Record<string, unknown>, key: string, token = shop.adminToken) =>
    app.inject({ method: 'POST', url: `/payments/${paymentId}/refunds`, headers: { ...bearer(token), 'idempotency-key': key }, payload: body })
  const sweep = () => runtime.services.payments.retryPendingRefunds('test-sweep')
  /** The Stripe dashboard: the same SDK, talking to the simulator directly, not through the app. */
  const dashboard = new Stripe(LOCAL_STRIPE_SECRET_KEY, { host: runtime.stripe.host, port: runtime.stripe.port, protocol: 'http' })
  return { app, runtime, logs, shop, customer, orders, paidOrder, payment, refundsPublished, adminRefund, sweep, dashboard }
}

t.test('cancel while Stripe refunds fail → 200 and refund_pending; once Stripe is back the sweep refunds it once', async (t) => {
  const { app, runtime, shop, customer, paidOrder, payment, refundsPublished, sweep } = await setup(t)
  const { orderId, paymentId } = await paidOrder()
  runtime.faults.set({ 'stripe.refunds': 'fail' })

  const cancelled = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancelled.statusCode, 200, 'the order is cancelled; the refund is pending')
  t.equal(cancelled.json().order.status, 'cancelled')
  await runtime.idle()
  const pending = await payment(paymentId)
  t.match(pending, { status: 'refund_pending', amountRefunded: 0, refunds: [{ amount: 2599, reason: 'order_cancelled', status: 'pending' }] })
  t.equal(runtime.stripe.refunds().length, 0)
  t.notOk('refundDueAt' in (await shop.settled(orderId)), 'the intent is written: the order no longer needs the crash marker')

  runtime.faults.set({ 'stripe.refunds': 'ok' })
  t.same(await sweep(), { completed: 1, pending: 0, failed: 0 })
  await runtime.idle()
  const refunded = await payment(paymentId)
  t.match(refunded, { status: 'refunded', amountRefunded: 2599, refunds: [{ amount: 2599, status: 'succeeded' }] })
  t.equal(runtime.stripe.refunds().length, 1, 'one refund at Stripe')
  const made = runtime.stripe.events().find((event) => event.type === 'refund.created')
  t.equal(made?.request.idempotency_key, `refund:${refunded.refunds[0].id}`, 'the refund\'s own idempotency key, the same on every try')
  t.equal(refundsPublished(paymentId).length, 1, 'PAYMENT_REFUNDED once (our answer and the charge.refunded webhook report one movement)')
  t.same(await sweep(), { completed: 0, pending: 0, failed: 0 }, 'nothing left to do')
  t.equal(runtime.stripe.refunds().length, 1)
})

t.test('a transient failure is retried at the next sweep, then with backoff', async (t) => {
  const { app, runtime, customer, paidOrder, payment, sweep } = await setup(t)
  const { orderId, paymentId } = await paidOrder()
  runtime.faults.set({ 'stripe.refunds': 'fail' })
  t.equal((await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })).statusCode, 200)
  t.same(await sweep(), { completed: 0, pending: 1, failed: 0 }, 'the first retry comes with the next sweep, and fails')
  t.same(await sweep(), { completed: 0, pending: 1, failed: 0 }, 'the next one waits for its backoff')
  const refund = (await payment(paymentId)).refunds[0]
  t.equal(refund.status, 'pending')
  t.equal(runtime.stripe.refunds().length, 0)
})

t.test('a crash between the cancel write and the refund intent: the sweep finds the order and refunds it', async (t) => {
  const { runtime, shop, orders, paidOrder, payment, refundsPublished, sweep } = await setup(t)
  const { orderId, paymentId } = await paidOrder()
  // What the cancel's conditional write leaves when the process dies right after it.
  const order = (await orders.get(orderId)) as Order
  const crashed = await orders.transition(order, {
    to: 'cancelled',
    reservationTo: 'released',
    set: { cancelReason: 'customer', refundDueAt: new Date().toISOString(), refundDue: REFUND_DUE }
  })
  t.ok(crashed)
  t.equal((await payment(paymentId)).status, 'succeeded', 'no refund intent was written')

  t.same(await sweep(), { completed: 1, pending: 0, failed: 0 })
  await runtime.idle()
  t.match(await payment(paymentId), { status: 'refunded', amountRefunded: 2599 })
  t.equal(runtime.stripe.refunds().length, 1)
  t.equal(refundsPublished(paymentId).length, 1)
  t.notOk('refundDueAt' in (await shop.settled(orderId)))
  t.same(await sweep(), { completed: 0, pending: 0, failed: 0 })
})

t.test('admin refunds: partial then the rest; over-refund 409; not refundable 409; unknown 404; customer 403; key required', async (t) => {
  const { app, runtime, shop, customer, paidOrder, payment, refundsPublished, adminRefund } = await setup(t)
  const { paymentId } = await paidOrder()

  const partial = await adminRefund(paymentId, { amount: 1000, reason: 'damaged box' }, 'refund-a')
  t.equal(partial.statusCode, 201)
  t.match(partial.json(), { refund: { id: /^rf_/, amount: 1000, reason: 'damaged box', status: 'succeeded' } })
  const replay = await adminRefund(paymentId, { amount: 1000, reason: 'damaged box' }, 'refund-a')
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), partial.json(), 'the same key and body: the first response')
  t.equal((await adminRefund(paymentId, { amount: 999, reason: 'damaged box' }, 'refund-a')).statusCode, 422, 'the key with another body')
  await runtime.idle()
  t.match(await payment(paymentId), { status: 'partially_refunded', amountRefunded: 1000 })
  t.equal(refundsPublished(paymentId).length, 1)

  const over = await adminRefund(paymentId, { amount: 1600, reason: 'too much' }, 'refund-b')
  t.equal(over.statusCode, 409, 'more than what is left (1599)')
  t.equal(over.json().refundable, 1599)
  t.equal(runtime.stripe.refunds().length, 1, 'Stripe was not asked')

  t.equal((await adminRefund(paymentId, { amount: 100, reason: 'x' }, 'refund-c', customer.token)).statusCode, 403, 'admins only')
  t.equal((await adminRefund('pay_unknown', { amount: 100, reason: 'x' }, 'refund-d')).statusCode, 404)
  const noKey = await app.inject({ method: 'POST', url: `/payments/${paymentId}/refunds`, headers: bearer(shop.adminToken), payload: { amount: 100, reason: 'x' } })
  t.equal(noKey.statusCode, 400)
  t.equal((await adminRefund(paymentId, { amount: 0, reason: 'x' }, 'refund-e')).statusCode, 400)
  t.equal((await adminRefund(paymentId, { amount: 100 }, 'refund-f')).statusCode, 400, 'a reason is required')

  const rest = await adminRefund(paymentId, { amount: 1599, reason: 'customer unhappy' }, 'refund-g')
  t.equal(rest.statusCode, 201)
  t.equal(rest.json().refund.status, 'succeeded')
  await runtime.idle()
  const done = await payment(paymentId)
  t.match(done, { status: 'refunded', amountRefunded: 2599 })
  t.same(done.refunds.map((refund: { amount: number }) => refund.amount), [1000, 1599])
  t.equal(refundsPublished(paymentId).length, 2, 'one event per refund')
  const after = await adminRefund(paymentId, { amount: 1, reason: 'again' }, 'refund-h')
  t.equal(after.statusCode, 409, 'a refunded payment is not refundable')
  t.equal(after.json().currentStatus, 'refunded')

  // A payment that has not succeeded (3-D Secure still open) cannot be refunded.
  const placed = await shop.place(customer.token, [{ productId: (await shop.createProduct()).id, quantity: 1 }])
  const otherOrder = (placed.body.order as { id: string }).id
  await shop.settled(otherOrder)
  const open = await app.inject({
    method: 'POST',
    url: '/payments',
    headers: { ...bearer(customer.token), 'idempotency-key': 'pay-3ds' },
    payload: { orderId: otherOrder, paymentMethodId: 'pm_card_authenticationRequired' }
  })
  t.equal(open.json().status, 'requires_action')
  const notYet = await adminRefund(open.json().paymentId, { amount: 100, reason: 'x' }, 'refund-i')
  t.equal(notYet.statusCode, 409)
  t.equal(notYet.json().currentStatus, 'requires_action')
})

t.test('an admin refund while Stripe fails → 201 pending; the sweep completes it', async (t) => {
  const { runtime, paidOrder, payment, refundsPublished, adminRefund, sweep } = await setup(t)
  const { paymentId } = await paidOrder()
  runtime.faults.set({ 'stripe.refunds': 'fail' })
  const asked = await adminRefund(paymentId, { amount: 600, reason: 'late delivery' }, 'late-1')
  t.equal(asked.statusCode, 201)
  t.equal(asked.json().refund.status, 'pending')
  t.match(await payment(paymentId), { status: 'refund_pending', amountRefunded: 0 })
  t.equal((await adminRefund(paymentId, { amount: 100, reason: 'more' }, 'late-2')).statusCode, 409, 'one refund at a time')
  runtime.faults.set({ 'stripe.refunds': 'ok' })
  t.same(await sweep(), { completed: 1, pending: 0, failed: 0 })
  await runtime.idle()
  t.match(await payment(paymentId), { status: 'partially_refunded', amountRefunded: 600, refunds: [{ amount: 600, status: 'succeeded' }] })
  t.same(runtime.stripe.refunds().map((refund) => refund.amount), [600])
  t.equal(refundsPublished(paymentId).length, 1)
})

t.test('a dashboard refund (charge.refunded, amount_refunded < amount) is recorded as partial', async (t) => {
  const { runtime, paidOrder, payment, refundsPublished, adminRefund, dashboard } = await setup(t)
  const { paymentId, intentId } = await paidOrder()
  await dashboard.refunds.create({ payment_intent: intentId, amount: 500 })
  await runtime.idle()
  const delivery = runtime.stripe.webhookDeliveries().find((entry) => entry.type === 'charge.refunded')
  t.equal(delivery?.statusCode, 200)
  t.match(await payment(paymentId), { status: 'partially_refunded', amountRefunded: 500, refunds: [] })
  t.equal(refundsPublished(paymentId).length, 1)

  const over = await adminRefund(paymentId, { amount: 2100, reason: 'all of it' }, 'r1')
  t.equal(over.statusCode, 409, 'the dashboard refund counts: 2099 left')
  const rest = await adminRefund(paymentId, { amount: 2099, reason: 'the rest' }, 'r2')
  t.equal(rest.statusCode, 201)
  await runtime.idle()
  t.match(await payment(paymentId), { status: 'refunded', amountRefunded: 2599 })
  t.equal(refundsPublished(paymentId).length, 2)
})

t.test('a refund Stripe refuses for good stays visible and is not retried; Stripe saying "already refunded" counts as refunded', async (t) => {
  const { app, runtime, customer, paidOrder, payment, sweep, dashboard } = await setup(t)
  const { orderId, paymentId, intentId } = await paidOrder()
  // Refunded in full from the dashboard, and its webhook never arrives.
  runtime.stripe.enabledEvents = []
  await dashboard.refunds.create({ payment_intent: intentId })
  const cancelled = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancelled.statusCode, 200)
  const record = await payment(paymentId)
  t.match(record, { status: 'refunded', amountRefunded: 2599, refunds: [{ status: 'failed', failureCode: 'charge_already_refunded', reason: 'order_cancelled' }] })
  t.same(await sweep(), { completed: 0, pending: 0, failed: 0 }, 'not retried')
  t.equal(runtime.stripe.refunds().length, 1, 'only the dashboard refund')
})

t.test('webhooks about objects we do not know → 2xx, ignored and logged', async (t) => {
  const { app, runtime, logs } = await setup(t)
  const secret = runtime.stripe.webhookSecret
  const send = (event: Record<string, unknown>) => {
    const payload = JSON.stringify({ object: 'event', api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), livemode: false, ...event })
    return app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
      payload
    })
  }
  const unknownToStripe = await send({
    id: 'evt_unknown_charge',
    type: 'charge.refunded',
    data: { object: { id: 'ch_unknown', object: 'charge', amount: 1000, amount_refunded: 1000, refunded: true, payment_intent: 'pi_unknown_to_stripe' } }
  })
  t.equal(unknownToStripe.statusCode, 200, 'a payment intent Stripe does not know')
  const notOurs = await send({
    id: 'evt_not_ours',
    type: 'payment_intent.succeeded',
    data: { object: { id: 'pi_not_ours', object: 'payment_intent', amount: 1000, currency: 'usd', status: 'succeeded', metadata: { paymentId: 'pay_not_ours' } } }
  })
  t.equal(notOurs.statusCode, 200, 'a payment we do not have')
  const unhandled = await send({ id: 'evt_customer', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } })
  t.equal(unhandled.statusCode, 200, 'a type we do not handle')
  const ignored = logs.lines.filter((line) => line.msg === 'stripe webhook ignored')
  t.same(ignored.map((line) => line.eventId), ['evt_unknown_charge', 'evt_not_ours', 'evt_customer'], 'each one logged')
  t.match(String(ignored[0]?.reason), /pi_unknown_to_stripe/)
})
