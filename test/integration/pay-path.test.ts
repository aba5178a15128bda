// POST /payments when the payment provider refuses or fails (issue 8, defect 4), and a payment attempt
// whose process died mid-call (defect 5): the order is never stranded and never charged twice.
// Real engines: DynamoDB Local, the real ASL on the local runner, the real Stripe SDK against the
// simulator, whose fault switch (POST /_local/faults) makes PaymentIntents answer 500.
import t, { type Test } from 'tap'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoOrderRepository } from '../../src/adapters/dynamodb/order-repository'
import { DynamoPaymentRepository } from '../../src/adapters/dynamodb/payment-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { createStripeGateway } from '../../src/adapters/stripe/stripe-gateway'
import { documentClient } from '../../src/composition/builders'
import { stripeSettings } from '../../src/config'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')

async function setup(t: Test, env: Record<string, string> = {}) {
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120', ...env } })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 2599, stock: 20 })
  const customer = await shop.customer()
  const newOrder = () => shop.payableOrder(customer.token, product.id)
  const pay = (orderId: string, paymentMethodId: string, key: string) =>
    app.inject({ method: 'POST', url: '/payments', headers: { ...bearer(customer.token), 'idempotency-key': key }, payload: { orderId, paymentMethodId } })
  const payment = async (paymentId: string) => (await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(customer.token) })).json().payment
  const stripeFaults = async (value: 'fail' | 'ok') => {
    const res = await app.inject({ method: 'POST', url: '/_local/faults', payload: { 'stripe.paymentIntents': value } })
    if (res.statusCode !== 200) throw new Error(`faults: ${res.statusCode} ${res.body}`)
  }
  const succeededCharges = (orderId: string) => runtime.stripe.paymentIntents().filter((intent) => intent.metadata.orderId === orderId && intent.status === 'succeeded')
  return { app, runtime, shop, customer, newOrder, pay, payment, stripeFaults, succeededCharges }
}

t.test('unknown payment method → 400, the attempt fails and lets go of the order; pm_card_visa then pays it', async (t) => {
  const { runtime, shop, newOrder, pay, payment, succeededCharges } = await setup(t)
  const orderId = await newOrder()
  const refused = await pay(orderId, 'pm_no_such_method', 'unknown-method')
  t.equal(refused.statusCode, 400, refused.body)
  t.equal(refused.json().error, 'ValidationError')
  t.equal(refused.json().field, 'paymentMethodId')
  t.match(refused.json().message, /pm_no_such_method/)
  t.notMatch(refused.body, /Stripe:|stack/, 'no provider internals')
  t.equal((await payment(refused.json().paymentId)).status, 'failed', 'the attempt is failed, not left processing')
  const order = await shop.settled(orderId)
  t.equal(order.status, 'awaiting_payment', 'the order stays payable')
  t.notOk(order.paymentLock, 'and no attempt holds it')

  const again = await pay(orderId, 'pm_no_such_method', 'unknown-method')
  t.equal(again.statusCode, 400, 'the same key replays the same answer')

  const good = await pay(orderId, 'pm_card_visa', 'good-card')
  t.equal(good.statusCode, 200, good.body)
  t.equal(good.json().status, 'succeeded')
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  t.equal(succeededCharges(orderId).length, 1)
  t.equal(runtime.stripe.refunds().length, 0)
})

t.test('Stripe down → 503 with Retry-After; the attempt keeps the order; the same key then pays it, once', async (t) => {
  const { app, runtime, shop, newOrder, pay, payment, stripeFaults, succeededCharges } = await setup(t)
  const orderId = await newOrder()
  await stripeFaults('fail')
  const down = await pay(orderId, 'pm_card_visa', 'key-a')
  t.equal(down.statusCode, 503, down.body)
  t.equal(down.json().error, 'ServiceUnavailable')
  t.ok(Number(down.headers['retry-after']) > 0, 'Retry-After')
  const paymentId = down.json().paymentId as string
  t.equal((await payment(paymentId)).status, 'processing', 'undecided: Stripe may have charged')
  t.equal((await shop.settled(orderId)).paymentLock, paymentId, 'so the attempt keeps the order')

  // Another key cannot take the order while the first attempt is undecided (it could charge twice).
  const other = await pay(orderId, 'pm_card_visa', 'key-b')
  t.equal(other.statusCode, 503, 'another key while Stripe is still down: the held attempt cannot be settled yet')
  t.equal(runtime.stripe.createdCount, 0)

  await stripeFaults('ok')
  const retried = await pay(orderId, 'pm_card_visa', 'key-a')
  t.equal(retried.statusCode, 200, retried.body)
  t.same(retried.json(), { paymentId, status: 'succeeded' })
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  t.equal(succeededCharges(orderId).length, 1, 'charged once')
  t.equal(runtime.stripe.createdCount, 1)
  const late = await pay(orderId, 'pm_card_visa', 'key-b')
  t.equal(late.statusCode, 409, 'the other key now finds the order paid')
  t.equal((await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(shop.adminToken) })).json().payment.status, 'succeeded')
})

t.test('Stripe down → 503; after it recovers a different key settles the held attempt first: one charge, never two', async (t) => {
  const { runtime, shop, newOrder, pay, stripeFaults, succeededCharges } = await setup(t)
  const orderId = await newOrder()
  await stripeFaults('fail')
  const down = await pay(orderId, 'pm_card_visa', 'first')
  t.equal(down.statusCode, 503)
  await stripeFaults('ok')
  // The first attempt may have charged (Stripe's 5xx does not say); the second key learns its outcome
  // by replaying it with its own idempotency key, finds it paid, and does not charge again.
  const second = await pay(orderId, 'pm_card_mastercard', 'second')
  t.equal(second.statusCode, 409, second.body)
  t.match(second.json().message, /paid by another payment/)
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'confirmed')
  t.equal(order.paymentId, down.json().paymentId)
  t.equal(succeededCharges(orderId).length, 1, 'one charge')
  t.equal(runtime.stripe.createdCount, 1, 'one PaymentIntent')
  const first = await pay(orderId, 'pm_card_visa', 'first')
  t.same(first.json(), { paymentId: down.json().paymentId, status: 'succeeded' }, 'the first key now gets its outcome')
})

t.test('a declined replay after an outage lets go of the order: another card then pays', async (t) => {
  const { shop, newOrder, pay, stripeFaults, succeededCharges } = await setup(t)
  const orderId = await newOrder()
  await stripeFaults('fail')
  t.equal((await pay(orderId, 'pm_card_chargeDeclined', 'declined-card')).statusCode, 503)
  await stripeFaults('ok')
  const other = await pay(orderId, 'pm_card_visa', 'good-card')
  t.equal(other.statusCode, 200, other.body)
  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  t.equal(succeededCharges(orderId).length, 1)
})

t.test('an attempt whose process died mid-call is settled at the window end by replaying it: paid → confirmed, not refunded', async (t) => {
  const { runtime, shop, customer, newOrder, succeededCharges } = await setup(t, { PAYMENT_WINDOW_SECONDS: '2' })
  // No webhooks: only the end of the payment window can find out.
  runtime.stripe.enabledEvents = []
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  const orders = new DynamoOrderRepository(documents, runtime.config.ORDERS_TABLE, runtime.config.PRODUCTS_TABLE)
  const payments = new DynamoPaymentRepository(documents, runtime.config.PAYMENTS_TABLE)
  const gateway = createStripeGateway(stripeSettings(runtime.config))

  // What POST /payments leaves behind when its process dies: the attempt's record, the order's lock,
  // and (for the first order) the charge made at Stripe whose answer never came back.
  const died = async (charged: boolean) => {
    const orderId = await newOrder()
    const order = await shop.settled(orderId)
    const now = new Date().toISOString()
    const paymentId = `pay_died_${orderId.slice(0, 8)}`
    await payments.create({ id: paymentId, orderId, userId: customer.userId, amount: order.total, currency: order.currency, status: 'processing', paymentMethodId: 'pm_card_visa', createdAt: now, updatedAt: now })
    t.equal(await orders.lockForPayment(orderId, paymentId), 'locked')
    if (charged) {
      const intent = await gateway.createPayment({
        amount: order.total,
        currency: order.currency,
        paymentMethodId: 'pm_card_visa',
        metadata: { orderId, paymentId, userId: customer.userId },
        idempotencyKey: `payment:${paymentId}`
      })
      t.equal(intent.status, 'succeeded')
    }
    return { orderId, paymentId }
  }
  const chargedBeforeDying = await died(true)
  const diedBeforeCalling = await died(false)
  for (const { orderId, paymentId } of [chargedBeforeDying, diedBeforeCalling]) {
    await shop.finished(orderId)
    const order = await shop.settled(orderId)
    t.equal(order.status, 'confirmed', 'the attempt took the order in time: it wins')
    t.equal(order.paymentId, paymentId)
    t.equal(succeededCharges(orderId).length, 1, 'one charge (the replay returned the first one, or made it)')
  }
  t.equal(runtime.stripe.createdCount, 2)
  t.equal(runtime.stripe.refunds().length, 0)
})

t.test('3-D Secure not completed within the window: the window wins; a late completion is refunded', async (t) => {
  const { runtime, shop, newOrder, pay, succeededCharges } = await setup(t, { PAYMENT_WINDOW_SECONDS: '2' })
  const orderId = await newOrder()
  const res = await pay(orderId, 'pm_card_authenticationRequired', 'three-d-secure')
  t.equal(res.json().status, 'requires_action')
  await shop.finished(orderId)
  const order = await shop.settled(orderId)
  t.equal(order.status, 'cancelled')
  t.equal(order.cancelReason, 'payment_timeout')
  runtime.stripe.completeAuthentication(runtime.stripe.paymentIntents()[0]?.id as string, 'succeeded')
  await runtime.idle()
  const [charge] = succeededCharges(orderId)
  t.ok(charge, 'the customer completed 3-D Secure late')
  t.equal(runtime.stripe.refunds().filter((refund) => refund.payment_intent === charge?.id).reduce((sum, refund) => sum + refund.amount, 0), charge?.amount, 'and was refunded')
})
