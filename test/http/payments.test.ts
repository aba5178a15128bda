// Payments end to end on the embedded runtime: the production Stripe adapter (real SDK) against the
// local Stripe simulator, signed webhooks into the app, payment events through the bus resuming the
// order saga. Covers the invariants "nobody pays twice" and "a paid order is never cancelled
// without a refund".
import t, { type Test } from 'tap'
import { createHmac } from 'node:crypto'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' }

async function setup(t: Test, extraEnv: Record<string, string> = {}) {
  const { app, runtime } = await build(t, { env: { ...env, ...extraEnv } })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 2599, stock: 20 })
  const customer = await shop.customer()
  const newOrder = (quantity = 1) => shop.payableOrder(customer.token, product.id, quantity)
  let keyCounter = 0
  const pay = (orderId: string, paymentMethodId: string, options: { key?: string; token?: string; extra?: Record<string, unknown> } = {}) =>
    app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...bearer(options.token ?? customer.token), 'idempotency-key': options.key ?? `key-${++keyCounter}-${Date.now()}` },
      payload: { orderId, paymentMethodId, ...options.extra }
    })
  return { app, runtime, shop, product, customer, newOrder, pay }
}

t.test('pay with pm_card_visa → order confirmed (once), confirmation email, payment record', async (t) => {
  const { app, runtime, shop, customer, newOrder, pay } = await setup(t)
  const orderId = await newOrder(2)
  const res = await pay(orderId, 'pm_card_visa')
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'succeeded')
  const { paymentId } = res.json()
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'confirmed')
  t.equal(order.paymentId, paymentId)
  t.equal(runtime.stripe.createdCount, 1)
  t.equal(runtime.stripe.paymentIntents()[0]?.amount, 5198, 'the amount charged is the order total from the catalog')
  t.equal(runtime.stripe.paymentIntents()[0]?.metadata.orderId, orderId)
  t.ok(runtime.mailbox.messages().some((entry) => entry.subject === `Order ${orderId} confirmed`))
  // The API response and the webhook both reported success: the order moved once, the event was applied once.
  const statusEvents = runtime.workflow.executions().filter((execution) => execution.name === orderId)
  t.equal(statusEvents.length, 1)
  const payment = await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(customer.token) })
  t.equal(payment.statusCode, 200)
  t.match(payment.json().payment, { id: paymentId, orderId, amount: 5198, currency: 'usd', status: 'succeeded' })
  t.notOk('gatewayPaymentId' in payment.json().payment)
})

t.test('decline → 402 with the decline code, the order stays payable; a good card then succeeds', async (t) => {
  const { runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const declined = await pay(orderId, 'pm_card_chargeDeclined')
  t.equal(declined.statusCode, 402)
  t.equal(declined.json().error, 'PaymentDeclined')
  t.equal(declined.json().declineCode, 'generic_decline')
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment')
  const poor = await pay(orderId, 'pm_card_chargeDeclinedInsufficientFunds')
  t.equal(poor.statusCode, 402)
  t.equal(poor.json().declineCode, 'insufficient_funds')
  const good = await pay(orderId, 'pm_card_visa')
  t.equal(good.statusCode, 200)
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  t.equal(runtime.stripe.paymentIntents().filter((intent) => intent.status === 'succeeded').length, 1)
})

t.test('3-D Secure: requires_action with a client secret; the webhook completes it', async (t) => {
  const { runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const res = await pay(orderId, 'pm_card_authenticationRequired')
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'requires_action')
  t.equal(res.json().requiresAction, true)
  t.match(res.json().clientSecret, /^pi_.+_secret_/)
  await runtime.idle()
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment')
  const intent = runtime.stripe.paymentIntents()[0]
  runtime.stripe.completeAuthentication(intent?.id as string, 'succeeded')
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
})

t.test('webhooks: bad signature → 400 and nothing changes; the same event 5 times → one state change', async (t) => {
  const { app, runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const bad = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=deadbeef' },
    payload: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded', data: { object: { id: 'pi_x', metadata: { orderId } } } })
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error, 'ValidationError')
  const unsigned = await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload: '{}' })
  t.equal(unsigned.statusCode, 400)
  // A correctly signed but stale event (older than the 300 s tolerance) is refused too.
  const payload = JSON.stringify({ id: 'evt_old', object: 'event', type: 'payment_intent.succeeded', created: 1, data: { object: {} } })
  const timestamp = Math.floor(Date.now() / 1000) - 600
  const signature = createHmac('sha256', runtime.stripe.webhookSecret).update(`${timestamp}.${payload}`).digest('hex')
  const stale = await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': `t=${timestamp},v1=${signature}` }, payload })
  t.equal(stale.statusCode, 400)
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment', 'nothing changed')

  runtime.stripe.duplicateWebhooks = 5
  const res = await pay(orderId, 'pm_card_authenticationRequired')
  t.equal(res.statusCode, 200)
  runtime.stripe.completeAuthentication(runtime.stripe.paymentIntents()[0]?.id as string, 'succeeded')
  await shop.finished(orderId)
  await runtime.idle()
  const deliveries = runtime.stripe.webhookDeliveries().filter((delivery) => delivery.type === 'payment_intent.succeeded')
  t.equal(deliveries.length, 5, 'delivered five times')
  t.ok(deliveries.every((delivery) => delivery.statusCode === 200), 'every delivery acknowledged')
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  const confirmations = runtime.mailbox.messages().filter((entry) => entry.subject === `Order ${orderId} confirmed`)
  t.equal(confirmations.length, 1, 'one state change, one email')
})

t.test('20 concurrent POST /payments with one key → one charge, identical responses', async (t) => {
  const { runtime, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const responses = await Promise.all(Array.from({ length: 20 }, () => pay(orderId, 'pm_card_visa', { key: 'same-key' })))
  t.same([...new Set(responses.map((res) => res.statusCode))], [200])
  t.equal(new Set(responses.map((res) => res.body)).size, 1, 'identical bodies')
  t.equal(runtime.stripe.createdCount, 1, 'one PaymentIntent at the simulator')
  const reused = await pay(orderId, 'pm_card_chargeDeclined', { key: 'same-key' })
  t.equal(reused.statusCode, 422, 'the key with another body is refused')
})

t.test('two keys at once for one order → at most one charge', async (t) => {
  const { runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const [a, b] = await Promise.all([pay(orderId, 'pm_card_visa', { key: 'key-a' }), pay(orderId, 'pm_card_visa', { key: 'key-b' })])
  const codes = [a.statusCode, b.statusCode].sort()
  t.same(codes, [200, 409])
  await shop.finished(orderId)
  t.equal(runtime.stripe.paymentIntents().filter((intent) => intent.status === 'succeeded').length, 1)
  const again = await pay(orderId, 'pm_card_visa', { key: 'key-c' })
  t.equal(again.statusCode, 409, 'a confirmed order is not payable')
  t.equal(again.json().currentStatus, 'confirmed')
})

t.test('bad payment requests: amount tampering, missing key, wrong state, another user', async (t) => {
  const { app, runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  const tampered = await pay(orderId, 'pm_card_visa', { extra: { amount: 1 } })
  t.equal(tampered.statusCode, 400)
  t.equal(tampered.json().field, 'amount')
  t.equal((await pay(orderId, 'pm_card_visa', { extra: { currency: 'eur' } })).statusCode, 400)
  t.equal((await pay(orderId, 'pm_card_visa', { extra: { amount: '2599' } })).statusCode, 400, 'amount must be an integer')
  t.equal(runtime.stripe.createdCount, 0, 'nothing charged')
  const noKey = await app.inject({ method: 'POST', url: '/payments', headers: bearer((await shop.customer()).token), payload: { orderId, paymentMethodId: 'pm_card_visa' } })
  t.equal(noKey.statusCode, 400)
  const stranger = await shop.customer()
  t.equal((await pay(orderId, 'pm_card_visa', { token: stranger.token })).statusCode, 404, "another user's order is a 404")
  const ok = await pay(orderId, 'pm_card_visa', { extra: { amount: 2599, currency: 'usd' } })
  t.equal(ok.statusCode, 200, 'a matching amount is fine')
  const paymentId = ok.json().paymentId
  t.equal((await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(stranger.token) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(shop.adminToken) })).statusCode, 200)
  await shop.finished(orderId)
})

t.test('cancelling a paid order refunds it; the refund is recorded', async (t) => {
  const { app, runtime, shop, customer, newOrder, pay, product } = await setup(t)
  const orderId = await newOrder(3)
  const res = await pay(orderId, 'pm_card_visa')
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  const cancelled = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancelled.statusCode, 200)
  await runtime.idle()
  t.equal(runtime.stripe.refunds().length, 1)
  t.equal(runtime.stripe.refunds()[0]?.amount, 7797)
  const payment = await app.inject({ method: 'GET', url: `/payments/${res.json().paymentId}`, headers: bearer(customer.token) })
  t.match(payment.json().payment, { status: 'refunded', amountRefunded: 7797, refunds: [{ amount: 7797, reason: 'order_cancelled', status: 'succeeded' }] })
  t.match(await shop.product(product.id), { stock: 20, reserved: 0, available: 20 }, 'stock back')
})

t.test('payment timeout reconciles with the gateway: paid late → confirmed, not cancelled', async (t) => {
  const { runtime, shop, newOrder, pay } = await setup(t, { PAYMENT_WINDOW_SECONDS: '2' })
  const orderId = await newOrder()
  // 3-D Secure completed at Stripe, but its webhook is lost: only reconciliation can notice.
  runtime.stripe.enabledEvents = []
  const res = await pay(orderId, 'pm_card_authenticationRequired')
  t.equal(res.json().status, 'requires_action')
  runtime.stripe.completeAuthentication(runtime.stripe.paymentIntents()[0]?.id as string, 'succeeded')
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'confirmed', 'the timeout path asked Stripe and found the payment')
  t.equal(runtime.stripe.refunds().length, 0)
})

t.test('local mode: 3-D Secure can be completed through /_local (no browser on the embedded runtime)', async (t) => {
  const { app, runtime, shop, newOrder, pay } = await setup(t)
  const orderId = await newOrder()
  await pay(orderId, 'pm_card_authenticationRequired')
  const intentId = runtime.stripe.paymentIntents()[0]?.id as string
  const res = await app.inject({ method: 'POST', url: `/_local/stripe/payment-intents/${intentId}/authenticate`, payload: { outcome: 'succeeded' } })
  t.equal(res.statusCode, 202)
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  const again = await app.inject({ method: 'POST', url: `/_local/stripe/payment-intents/${intentId}/authenticate`, payload: { outcome: 'succeeded' } })
  t.equal(again.statusCode, 409, 'not requires_action any more')
  const unknown = await app.inject({ method: 'POST', url: '/_local/stripe/payment-intents/pi_nope/authenticate', payload: { outcome: 'failed' } })
  t.equal(unknown.statusCode, 409)
})
