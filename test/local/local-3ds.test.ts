// 3-D Secure on the embedded runtime by our paymentId: POST /payments answers with `paymentId` (Stripe's
// PaymentIntent id is only inside `clientSecret`), and /_local/payments/{paymentId}/authenticate plays
// the customer's part at the Stripe simulator, found through the intent's metadata.paymentId.
import t, { type Test } from 'tap'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')

async function setup(t: Test) {
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' } })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 1500, stock: 5 })
  const customer = await shop.customer()
  const newOrder = () => shop.payableOrder(customer.token, product.id)
  const pay = (orderId: string, paymentMethodId: string) =>
    app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...bearer(customer.token), 'idempotency-key': `3ds-${orderId}-${paymentMethodId}` },
      payload: { orderId, paymentMethodId }
    })
  const authenticate = (paymentId: string, outcome: string) =>
    app.inject({ method: 'POST', url: `/_local/payments/${encodeURIComponent(paymentId)}/authenticate`, payload: { outcome } })
  return { app, runtime, shop, customer, newOrder, pay, authenticate }
}

t.test('requires_action → authenticate by paymentId → payment succeeded, order confirmed', async (t) => {
  const { app, runtime, shop, customer, newOrder, pay, authenticate } = await setup(t)
  const orderId = await newOrder()
  const paid = await pay(orderId, 'pm_card_authenticationRequired')
  t.equal(paid.statusCode, 200)
  t.equal(paid.json().status, 'requires_action')
  const { paymentId } = paid.json() as { paymentId: string }
  await runtime.idle()
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment', 'waiting for the customer')

  const res = await authenticate(paymentId, 'succeeded')
  t.equal(res.statusCode, 202)
  const intentId = runtime.stripe.paymentIntents()[0]?.id
  t.same(res.json(), { paymentId, paymentIntentId: intentId, outcome: 'succeeded' })
  t.match(paid.json().clientSecret, new RegExp(`^${intentId}_secret_`), 'the same intent the client secret names')

  await shop.finished(orderId)
  t.equal((await shop.settled(orderId)).status, 'confirmed')
  const payment = await app.inject({ method: 'GET', url: `/payments/${paymentId}`, headers: bearer(customer.token) })
  t.equal(payment.json().payment.status, 'succeeded')

  const again = await authenticate(paymentId, 'succeeded')
  t.equal(again.statusCode, 409, 'no longer requires_action')
  t.equal(again.json().error, 'Conflict')
})

t.test('a failed challenge leaves the order payable; unknown paymentId → 404; bad outcome → 400', async (t) => {
  const { runtime, shop, newOrder, pay, authenticate } = await setup(t)
  const orderId = await newOrder()
  const paid = await pay(orderId, 'pm_card_authenticationRequired')
  const { paymentId } = paid.json() as { paymentId: string }
  const failed = await authenticate(paymentId, 'failed')
  t.equal(failed.statusCode, 202)
  await runtime.idle()
  t.equal(runtime.stripe.paymentIntents()[0]?.status, 'requires_payment_method')
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment', 'still payable')

  const unknown = await authenticate('no-such-payment', 'succeeded')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().error, 'NotFound')
  const bad = await authenticate(paymentId, 'maybe')
  t.equal(bad.statusCode, 400)
})
