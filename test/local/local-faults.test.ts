// The embedded runtime's fault switches (DESIGN section 4): POST/GET /_local/faults turn a stand-in's
// failure on and off. Each switch is flipped over HTTP and its effect seen where the app meets the
// stand-in: the production Stripe adapter (real SDK) against the simulator, the local SNS bus, the
// API over DynamoDB. `ok` restores each.
import t, { type Test } from 'tap'
import { createStripeGateway } from '../../src/adapters/stripe/stripe-gateway'
import { stripeSettings } from '../../src/config'
import { PaymentGatewayError } from '../../src/ports/payment-gateway'
import { EventType, newEvent } from '../../src/services/events'
import { build } from '../helpers/build'
import { register, uniqueEmail } from '../helpers/users'

const NORMAL = { 'stripe.paymentIntents': 'ok', 'stripe.refunds': 'ok', 'stripe.webhooks': 'ok', 'events.publish': 'ok', dynamodb: 'ok' }

async function setup(t: Test) {
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4' } })
  const faults = async (changes: Record<string, unknown>) => app.inject({ method: 'POST', url: '/_local/faults', payload: changes })
  const switched = async (changes: Record<string, string>) => {
    const res = await faults(changes)
    if (res.statusCode !== 200) throw new Error(`POST /_local/faults: ${res.statusCode} ${res.body}`)
  }
  const gateway = createStripeGateway(stripeSettings(runtime.config))
  return { app, runtime, faults, switched, gateway }
}

const visa = (orderId: string) => ({ amount: 1500, currency: 'usd', paymentMethodId: 'pm_card_visa', idempotencyKey: `pay-${orderId}`, metadata: { orderId, paymentId: `p-${orderId}`, userId: 'u-1' } })

t.test('GET shows every switch; POST changes them all or none, naming what is wrong', async (t) => {
  const { app, faults } = await setup(t)
  const initial = await app.inject({ method: 'GET', url: '/_local/faults' })
  t.equal(initial.statusCode, 200)
  t.same(initial.json(), NORMAL, 'all normal at start')

  const unknown = await faults({ 'stripe.refunds': 'fail', 'stripe.payouts': 'fail' })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { error: 'ValidationError', message: /Unknown fault switch 'stripe\.payouts'.*stripe\.refunds/ })
  const badValue = await faults({ dynamodb: 'fail' })
  t.equal(badValue.statusCode, 400)
  t.match(badValue.json().message, /'dynamodb' takes 'ok' or 'unavailable', not "fail"/)
  t.equal((await faults({ dynamodb: 1 })).statusCode, 400, 'values are strings')
  t.equal((await faults([] as unknown as Record<string, unknown>)).statusCode, 400, 'the body is an object')
  t.same((await app.inject({ method: 'GET', url: '/_local/faults' })).json(), NORMAL, 'a refused request changed nothing, not even its valid part')

  const on = await faults({ 'stripe.refunds': 'fail', 'events.publish': 'fail' })
  t.equal(on.statusCode, 200)
  t.same(on.json(), { ...NORMAL, 'stripe.refunds': 'fail', 'events.publish': 'fail' }, 'answers the new state')
  const off = await faults({ 'stripe.refunds': 'ok' })
  t.same(off.json(), { ...NORMAL, 'events.publish': 'fail' })
  t.same((await app.inject({ method: 'GET', url: '/_local/faults' })).json(), { ...NORMAL, 'events.publish': 'fail' })
})

t.test('stripe.paymentIntents: fail → Stripe answers 500, the adapter reports it unavailable at once; ok restores', async (t) => {
  const { runtime, switched, gateway } = await setup(t)
  const before = await gateway.createPayment(visa('o-1'))
  t.equal(before.status, 'succeeded')

  await switched({ 'stripe.paymentIntents': 'fail' })
  const started = Date.now()
  await t.rejects(gateway.createPayment(visa('o-2')), { name: 'PaymentGatewayError', kind: 'unavailable' })
  await t.rejects(gateway.getPayment(before.id), { name: 'PaymentGatewayError', kind: 'unavailable' }, 'retrieve fails too')
  // The SDK would retry each 500 twice, sleeping at least 0.5 s before each retry, unless told not to.
  t.ok(Date.now() - started < 1500, `failed fast (${Date.now() - started} ms for two calls), without the SDK's own retries`)
  t.equal(runtime.stripe.createdCount, 1, 'nothing was created while failing')

  await switched({ 'stripe.paymentIntents': 'ok' })
  const after = await gateway.createPayment(visa('o-2'))
  t.equal(after.status, 'succeeded', 'the same idempotency key works once restored: the 500 was not saved as its answer')
  t.equal((await gateway.getPayment(before.id)).status, 'succeeded')
})

t.test('stripe.refunds: fail → refund creation answers 500; ok restores', async (t) => {
  const { runtime, switched, gateway } = await setup(t)
  const payment = await gateway.createPayment(visa('o-3'))
  await switched({ 'stripe.refunds': 'fail' })
  const error = await gateway.refund({ paymentIntentId: payment.id, idempotencyKey: 'refund-o-3' }).catch((caught: unknown) => caught)
  t.ok(error instanceof PaymentGatewayError && error.kind === 'unavailable', `unavailable (${String(error)})`)
  t.equal(runtime.stripe.refunds().length, 0)
  t.equal((await gateway.getPayment(payment.id)).status, 'succeeded', 'PaymentIntents still work')

  await switched({ 'stripe.refunds': 'ok' })
  const refund = await gateway.refund({ paymentIntentId: payment.id, idempotencyKey: 'refund-o-3' })
  t.equal(refund.status, 'succeeded')
  t.equal(runtime.stripe.refunds().length, 1)
})

t.test('stripe.webhooks: drop → deliveries due are lost (never sent, not retried); ok restores', async (t) => {
  const { runtime, switched, gateway } = await setup(t)
  runtime.stripe.webhookAttempts = 1
  await switched({ 'stripe.webhooks': 'drop' })
  const dropped = await gateway.createPayment(visa('o-4'))
  await runtime.stripe.idle()
  const lost = runtime.stripe.webhookDeliveries().filter((delivery) => eventOf(runtime, delivery.eventId) === dropped.id)
  t.ok(lost.length > 0, 'the payment made events')
  t.ok(lost.every((delivery) => delivery.statusCode === undefined && /dropped/.test(delivery.error ?? '')), 'each was dropped, none reached the app')

  await switched({ 'stripe.webhooks': 'ok' })
  const delivered = await gateway.createPayment(visa('o-5'))
  await runtime.stripe.idle()
  const sent = runtime.stripe.webhookDeliveries().filter((delivery) => eventOf(runtime, delivery.eventId) === delivered.id)
  t.ok(sent.length > 0 && sent.every((delivery) => typeof delivery.statusCode === 'number'), 'delivered to the app again')
  t.equal(runtime.stripe.webhookDeliveries().filter((delivery) => eventOf(runtime, delivery.eventId) === dropped.id).length, lost.length, 'the dropped ones stay lost')
})

t.test('events.publish: fail → the local SNS Publish throws; events written meanwhile reach their consumers once ok', async (t) => {
  const { app, runtime, switched } = await setup(t)
  const event = newEvent(EventType.USER_CREATED, { userId: 'u-1' }, 'corr-1')
  await switched({ 'events.publish': 'fail' })
  await t.rejects(runtime.messaging.bus.publish(runtime.config.USER_EVENTS_TOPIC_ARN, event), { name: 'InternalErrorException' })
  const email = uniqueEmail('fault')
  await register(app, email)
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(runtime.mailbox.messages().filter((message) => message.to === email).length, 0, 'registered (201), but no email while publishing fails')

  await switched({ 'events.publish': 'ok' })
  await runtime.messaging.bus.publish(runtime.config.USER_EVENTS_TOPIC_ARN, event)
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline && !runtime.mailbox.messages().some((message) => message.to === email)) await new Promise((resolve) => setTimeout(resolve, 100))
  t.ok(runtime.mailbox.messages().some((message) => message.to === email), 'the deferred event was published after all: the verification email came')
})

t.test('dynamodb: unavailable → the API answers 503 at once and /_local/faults still works; ok restores', async (t) => {
  const { app, switched } = await setup(t)
  t.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200)
  await switched({ dynamodb: 'unavailable' })
  const started = Date.now()
  const down = await app.inject({ method: 'GET', url: '/products' })
  t.equal(down.statusCode, 503, down.body)
  t.equal(down.json().error, 'ServiceUnavailable')
  t.ok(Date.now() - started < 1000, `fast (${Date.now() - started} ms), not after the SDK's timeouts and retries`)
  const state = await app.inject({ method: 'GET', url: '/_local/faults' })
  t.equal(state.statusCode, 200, 'the switches answer without DynamoDB')
  t.equal(state.json().dynamodb, 'unavailable')

  await switched({ dynamodb: 'ok' })
  t.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200)
})

/** The PaymentIntent an event is about (its own id, or the charge's payment_intent). */
function eventOf(runtime: { stripe: { events(): Array<{ id: string; data: { object: { id: string; object: string; payment_intent?: string } } }> } }, eventId: string) {
  const object = runtime.stripe.events().find((event) => event.id === eventId)?.data.object
  return object?.object === 'payment_intent' ? object.id : object?.payment_intent
}
