// The production Stripe adapter (the real `stripe` SDK) against the local Stripe simulator: test cards,
// declines, 3-D Secure, idempotency, refunds, and signed webhooks with retries and duplicates.
import { createServer } from 'node:http'
import Stripe from 'stripe'
import t, { type Test } from 'tap'
import { createStripeGateway, type StripeGateway } from '../../src/adapters/stripe/stripe-gateway'
import { stripeGateway } from '../../src/composition/stripe'
import { ConfigError } from '../../src/config'
import { startStripeSimulator, type StripeSimulator, type StripeSimulatorOptions } from '../../src/local/stripe/simulator'
import { PaymentGatewayError, WebhookSignatureError, type CreatePaymentInput, type GatewayWebhookEvent } from '../../src/ports/payment-gateway'

interface Delivered {
  payload: string
  headers: Record<string, string>
}

interface Setup {
  simulator: StripeSimulator
  gateway: StripeGateway
  /** Every delivery attempt, in order. */
  delivered: Delivered[]
  /** The accepted deliveries, verified and parsed by the gateway. */
  events: () => GatewayWebhookEvent[]
}

async function setup(t: Test, options: StripeSimulatorOptions & { answer?: (attempt: number) => number } = {}): Promise<Setup> {
  const delivered: Delivered[] = []
  const simulator = await startStripeSimulator({
    webhookRetryDelayMs: 1,
    deliver: async (payload, headers) => {
      delivered.push({ payload, headers })
      return { statusCode: options.answer?.(delivered.length) ?? 200 }
    },
    ...options
  })
  t.teardown(() => simulator.close())
  const gateway = createStripeGateway({
    secretKey: 'sk_test_gateway',
    webhookSecret: simulator.webhookSecret,
    host: simulator.host,
    port: simulator.port,
    protocol: simulator.protocol
  })
  const events = () => delivered.map(({ payload, headers }) => gateway.parseWebhook(Buffer.from(payload), headers['stripe-signature']))
  return { simulator, gateway, delivered, events }
}

let keys = 0
function payment(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  keys++
  return {
    amount: 2599,
    currency: 'usd',
    paymentMethodId: 'pm_card_visa',
    // Characters that need form encoding must survive the round trip.
    metadata: { orderId: `order 1&x=${keys}`, paymentId: `pay_${keys}`, userId: 'user[1]' },
    idempotencyKey: `key-${keys}`,
    ...overrides
  }
}

t.test('pm_card_visa succeeds, with a signed payment_intent.succeeded webhook', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const input = payment()
  const result = await gateway.createPayment(input)
  t.match(result, { id: /^pi_\w+$/, status: 'succeeded', amount: 2599, currency: 'usd', metadata: input.metadata })
  t.notOk(result.clientSecret, 'no client secret unless an action is required')
  const [stored] = simulator.paymentIntents()
  t.match(stored, { id: result.id, status: 'succeeded', amount_received: 2599, latest_charge: /^ch_/, metadata: input.metadata })

  await simulator.idle()
  const received = events()
  t.same(
    received.map((event) => event.type),
    ['payment_intent.succeeded']
  )
  t.match(received[0], { id: /^evt_/, payment: { id: result.id, status: 'succeeded', metadata: input.metadata } })
  t.same(await gateway.getPayment(result.id), result)
})

t.test('declines are results with the decline code, not errors', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const declined = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_chargeDeclined' }))
  t.match(declined, { id: /^pi_/, status: 'failed', declineCode: 'generic_decline', failureMessage: 'Your card was declined.' })
  const poor = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' }))
  t.match(poor, { status: 'failed', declineCode: 'insufficient_funds', failureMessage: 'Your card has insufficient funds.' })

  t.same(
    simulator.paymentIntents().map((intent) => [intent.id, intent.status, intent.last_payment_error?.decline_code]),
    [
      [declined.id, 'requires_payment_method', 'generic_decline'],
      [poor.id, 'requires_payment_method', 'insufficient_funds']
    ]
  )
  await simulator.idle()
  t.match(events(), [
    { type: 'payment_intent.payment_failed', payment: { id: declined.id, status: 'failed', declineCode: 'generic_decline' } },
    { type: 'payment_intent.payment_failed', payment: { id: poor.id, status: 'failed', declineCode: 'insufficient_funds' } }
  ])
  t.same(await gateway.getPayment(declined.id), declined)
})

t.test('an unknown payment method is an invalid request and creates nothing', async (t) => {
  const { simulator, gateway } = await setup(t)
  const error = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_nonsense' })).catch((caught: unknown) => caught)
  t.type(error, PaymentGatewayError)
  t.match(error, { kind: 'invalid_request', code: 'resource_missing', message: /No such PaymentMethod: 'pm_card_nonsense'/ })
  t.type((error as Error).cause, Stripe.errors.StripeInvalidRequestError)
  t.equal(simulator.createdCount, 0)
})

t.test('3-D Secure: requires_action with a client secret, then the webhook completes it', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const pending = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_authenticationRequired' }))
  t.equal(pending.status, 'requires_action')
  t.match(pending.clientSecret, new RegExp(`^${pending.id}_secret_\\w+$`))
  await simulator.idle()
  t.match(events(), [{ type: 'payment_intent.requires_action', payment: { id: pending.id, status: 'requires_action', clientSecret: pending.clientSecret } }])

  simulator.completeAuthentication(pending.id, 'succeeded')
  await simulator.idle()
  const [, succeeded] = events()
  t.match(succeeded, { type: 'payment_intent.succeeded', payment: { id: pending.id, status: 'succeeded' } })
  t.notOk(succeeded?.payment?.clientSecret)
  t.equal((await gateway.getPayment(pending.id)).status, 'succeeded')
  t.throws(() => simulator.completeAuthentication(pending.id, 'succeeded'), /not requires_action/)
})

t.test('3-D Secure that fails ends in payment_failed', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const pending = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_authenticationRequired' }))
  simulator.completeAuthentication(pending.id, 'failed')
  await simulator.idle()
  t.match(events()[1], { type: 'payment_intent.payment_failed', payment: { id: pending.id, status: 'failed', declineCode: 'payment_intent_authentication_failure' } })
  t.match(await gateway.getPayment(pending.id), { status: 'failed', declineCode: 'payment_intent_authentication_failure' })
})

t.test('the same idempotency key creates one PaymentIntent and replays its result', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const input = payment()
  const first = await gateway.createPayment(input)
  const again = await gateway.createPayment(input)
  t.same(again, first)
  t.equal(simulator.createdCount, 1)

  const declineInput = payment({ paymentMethodId: 'pm_card_chargeDeclined' })
  const declined = await gateway.createPayment(declineInput)
  t.same(await gateway.createPayment(declineInput), declined, 'a decline (402) is replayed too')
  t.equal(simulator.createdCount, 2)
  await simulator.idle()
  t.equal(events().length, 2, 'replays send no events')
})

t.test('the same key with other parameters is an idempotency error', async (t) => {
  const { simulator, gateway } = await setup(t)
  const input = payment()
  await gateway.createPayment(input)
  const error = await gateway.createPayment({ ...input, amount: input.amount + 1 }).catch((caught: unknown) => caught)
  t.type(error, PaymentGatewayError)
  t.match(error, { kind: 'idempotency', message: /same parameters/ })
  t.type((error as Error).cause, Stripe.errors.StripeIdempotencyError)

  const otherEndpoint = await gateway.refund({ paymentIntentId: 'pi_whatever', idempotencyKey: input.idempotencyKey }).catch((caught: unknown) => caught)
  t.match(otherEndpoint, { kind: 'idempotency', message: /same endpoint/ })
  t.equal(simulator.createdCount, 1)
})

t.test('20 concurrent requests with one key create one PaymentIntent', async (t) => {
  const { simulator, gateway, events } = await setup(t)
  const input = payment()
  const results = await Promise.all(Array.from({ length: 20 }, () => gateway.createPayment(input)))
  t.equal(simulator.createdCount, 1)
  t.equal(new Set(results.map((result) => result.id)).size, 1)
  t.ok(results.every((result) => result.status === 'succeeded'))
  await simulator.idle()
  t.equal(events().length, 1)
})

t.test('refund: the whole amount once, announced by charge.refunded', async (t) => {
  const { simulator, gateway, events } = await setup(t, { enabledEvents: ['charge.refunded', 'refund.created'] })
  const paid = await gateway.createPayment(payment())
  const refund = await gateway.refund({ paymentIntentId: paid.id, idempotencyKey: 'refund-1' })
  t.match(refund, { id: /^re_/, paymentIntentId: paid.id, status: 'succeeded', amount: 2599, chargeAmountRefunded: 2599 })
  t.same(await gateway.refund({ paymentIntentId: paid.id, idempotencyKey: 'refund-1' }), refund, 'the same key replays the refund')

  const again = await gateway.refund({ paymentIntentId: paid.id, idempotencyKey: 'refund-2' }).catch((caught: unknown) => caught)
  t.match(again, { kind: 'invalid_request', code: 'charge_already_refunded' })
  t.equal(simulator.refunds().length, 1)

  await simulator.idle()
  t.match(events(), [
    { type: 'refund.created', refund: { id: refund.id, paymentIntentId: paid.id, status: 'succeeded', amount: 2599 } },
    { type: 'charge.refunded', paymentIntentId: paid.id, amountRefunded: 2599, fullyRefunded: true }
  ])
})

t.test('partial refunds: an amount, then what is left; the charge total comes with each; too much is refused', async (t) => {
  const { simulator, gateway, events } = await setup(t, { enabledEvents: ['charge.refunded'] })
  const paid = await gateway.createPayment(payment())
  const first = await gateway.refund({ paymentIntentId: paid.id, amount: 1000, idempotencyKey: 'partial-1', metadata: { refundId: 'rf_1' } })
  t.match(first, { status: 'succeeded', amount: 1000, chargeAmountRefunded: 1000 })
  const tooMuch = await gateway.refund({ paymentIntentId: paid.id, amount: 1600, idempotencyKey: 'partial-2' }).catch((caught: unknown) => caught)
  t.match(tooMuch, { kind: 'invalid_request', code: 'amount_too_large' })
  const rest = await gateway.refund({ paymentIntentId: paid.id, idempotencyKey: 'partial-3' })
  t.match(rest, { status: 'succeeded', amount: 1599, chargeAmountRefunded: 2599 }, 'no amount: all that is left')
  t.same(simulator.refunds().map((refund) => refund.amount), [1000, 1599])
  t.same(simulator.refunds()[0]?.metadata, { refundId: 'rf_1' })
  await simulator.idle()
  t.match(events(), [
    { type: 'charge.refunded', paymentIntentId: paid.id, amountRefunded: 1000, fullyRefunded: false },
    { type: 'charge.refunded', paymentIntentId: paid.id, amountRefunded: 2599, fullyRefunded: true }
  ])
})

t.test('a payment that did not succeed cannot be refunded; an unknown one is not found', async (t) => {
  const { gateway } = await setup(t)
  const declined = await gateway.createPayment(payment({ paymentMethodId: 'pm_card_chargeDeclined' }))
  t.match(await gateway.refund({ paymentIntentId: declined.id, idempotencyKey: 'r1' }).catch((caught: unknown) => caught), { kind: 'invalid_request', message: /does not have a successful charge/ })
  t.match(await gateway.getPayment('pi_missing').catch((caught: unknown) => caught), { kind: 'not_found', code: 'resource_missing' })
})

t.test('parseWebhook refuses a bad signature, a tampered body, an old signature and no signature', async (t) => {
  const { simulator, gateway, delivered } = await setup(t)
  await gateway.createPayment(payment())
  await simulator.idle()
  const [{ payload, headers }] = delivered as [Delivered]
  const secret = simulator.webhookSecret
  t.equal(gateway.parseWebhook(payload, headers['stripe-signature']).type, 'payment_intent.succeeded')

  const now = Math.floor(Date.now() / 1000)
  const refused: Array<[string, string, string | undefined]> = [
    ['signed with another secret', payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' })],
    ['tampered body', payload.replace('"amount": 2599', '"amount": 1'), headers['stripe-signature']],
    ['older than 300 s', payload, Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - 301 })],
    ['no signature', payload, undefined]
  ]
  for (const [name, body, signature] of refused) {
    t.throws(() => gateway.parseWebhook(body, signature), WebhookSignatureError, name)
  }
  t.ok(payload.includes('"amount": 2599'), 'the tampering changed the body')
  // Within the tolerance it is accepted.
  const recent = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - 120 })
  t.equal(gateway.parseWebhook(payload, recent).type, 'payment_intent.succeeded')
})

// Found by test/http/fuzz.test.ts: before, each of these answered 500 (a TypeError, or DynamoDB refusing the id as a key).
t.test('parseWebhook refuses a correctly signed body that is not a readable event', async (t) => {
  const secret = 'whsec_malformed'
  const gateway = createStripeGateway({ secretKey: 'sk_test_gateway', webhookSecret: secret })
  const intent = { id: 'pi_1', object: 'payment_intent', status: 'succeeded', amount: 1, currency: 'usd', metadata: { paymentId: 'pay_1' } }
  const malformed: Array<[string, unknown]> = [
    ['null', null],
    ['no data', { id: 'evt_1', type: 'payment_intent.succeeded' }],
    ['data.object null', { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: null } }],
    ['an id of 5,000 characters', { id: 'e'.repeat(5_000), type: 'payment_intent.succeeded', data: { object: intent } }],
    ['an empty id', { id: '', type: 'payment_intent.succeeded', data: { object: intent } }],
    ['a numeric id', { id: 1, type: 'payment_intent.succeeded', data: { object: intent } }],
    ['no type', { id: 'evt_1', data: { object: intent } }],
    ['metadata not an object', { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { ...intent, metadata: 'x' } } }]
  ]
  for (const [name, event] of malformed) {
    const payload = JSON.stringify(event)
    t.throws(() => gateway.parseWebhook(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })), WebhookSignatureError, name)
  }
  const payload = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { ...intent, metadata: { paymentId: { S: 'x' }, orderId: 'o_1' } } } })
  const event = gateway.parseWebhook(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret }))
  t.same(event.payment?.metadata, { orderId: 'o_1' }, 'metadata values that are not strings are dropped')
})

t.test('duplicateWebhooks delivers each event n times, with the same event id', async (t) => {
  const { simulator, gateway, events } = await setup(t, { duplicateWebhooks: 3 })
  await gateway.createPayment(payment())
  await simulator.idle()
  const received = events()
  t.equal(received.length, 3)
  t.equal(new Set(received.map((event) => event.id)).size, 1)
  t.same(
    simulator.webhookDeliveries().map((delivery) => [delivery.copy, delivery.attempt, delivery.statusCode]),
    [
      [1, 1, 200],
      [2, 1, 200],
      [3, 1, 200]
    ]
  )
})

t.test('a failed delivery is retried, signed afresh, until the endpoint answers 2xx', async (t) => {
  const { simulator, gateway, delivered } = await setup(t, { answer: (attempt) => (attempt < 3 ? 500 : 204) })
  await gateway.createPayment(payment())
  await simulator.idle()
  t.same(
    simulator.webhookDeliveries().map((delivery) => [delivery.attempt, delivery.statusCode]),
    [
      [1, 500],
      [2, 500],
      [3, 204]
    ]
  )
  t.equal(new Set(delivered.map(({ payload }) => payload)).size, 1, 'the same event each time')
  for (const { payload, headers } of delivered) t.equal(gateway.parseWebhook(payload, headers['stripe-signature']).type, 'payment_intent.succeeded')
})

t.test('delivery gives up after webhookAttempts', async (t) => {
  const { simulator, gateway, delivered } = await setup(t, { webhookAttempts: 2, answer: () => 503 })
  await gateway.createPayment(payment())
  await simulator.idle()
  t.equal(delivered.length, 2)
})

t.test('webhooks over HTTP to a URL set after start', async (t) => {
  const received: Delivered[] = []
  const endpoint = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      received.push({ payload: body, headers: { 'stripe-signature': String(request.headers['stripe-signature']) } })
      response.writeHead(received.length === 1 ? 500 : 200).end()
    })
  })
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => endpoint.close(() => resolve())))
  const { simulator, gateway } = await setup(t, { deliver: undefined })
  const address = endpoint.address() as { port: number }
  simulator.webhookUrl = `http://127.0.0.1:${address.port}/webhooks/stripe`

  const paid = await gateway.createPayment(payment())
  await simulator.idle()
  t.equal(received.length, 2, 'retried after the 500')
  for (const { payload, headers } of received) t.match(gateway.parseWebhook(payload, headers['stripe-signature']), { payment: { id: paid.id } })
})

t.test('without an endpoint events are kept, not delivered; a long delay is dropped on close', async (t) => {
  const { simulator, gateway } = await setup(t, { deliver: undefined })
  await gateway.createPayment(payment())
  await simulator.idle()
  t.same(
    simulator.events().map((event) => event.type),
    ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']
  )
  t.same(simulator.webhookDeliveries(), [])

  const delayed = await setup(t, { webhookDelayMs: 600_000 })
  await delayed.gateway.createPayment(payment())
  const idle = delayed.simulator.idle()
  t.same(delayed.delivered, [], 'nothing delivered before the delay')
  await delayed.simulator.close()
  await idle
  t.same(delayed.delivered, [])
})

t.test('the API: secret keys, unknown parameters, return_url rule, unknown routes', async (t) => {
  const { simulator } = await setup(t)
  const live = createStripeGateway({ secretKey: 'sk_live_abcdefghijklmnop', webhookSecret: simulator.webhookSecret, host: simulator.host, port: simulator.port, protocol: 'http' })
  t.match(await live.getPayment('pi_x').catch((caught: unknown) => caught), { kind: 'authentication' })

  const anonymous = await fetch(`${simulator.url}/v1/payment_intents/pi_x`)
  t.equal(anonymous.status, 401)
  t.match(await anonymous.json(), { error: { type: 'invalid_request_error', message: /did not provide an API key/ } })

  const stripe = new Stripe('sk_test_direct', { host: simulator.host, port: simulator.port, protocol: 'http', maxNetworkRetries: 0 })
  // Confirming with redirect-capable automatic payment methods needs a return_url, as on Stripe.
  const redirect = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }).catch((caught: unknown) => caught)
  t.type(redirect, Stripe.errors.StripeInvalidRequestError)
  t.match(redirect, { message: /return_url/ })
  const withReturnUrl = await stripe.paymentIntents.create({ amount: 100, currency: 'USD', payment_method: 'pm_card_visa', confirm: true, return_url: 'https://shop.example/done' })
  t.match(withReturnUrl, { status: 'succeeded', currency: 'usd' })

  const unknown = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', capture_method: 'manual' }).catch((caught: unknown) => caught)
  t.match(unknown, { code: 'parameter_unknown', param: 'capture_method' })
  const missing = await stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams).catch((caught: unknown) => caught)
  t.match(missing, { code: 'parameter_missing', param: 'amount' })

  const replay = async () =>
    fetch(`${simulator.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_direct', 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'raw-1' },
      body: 'amount=500&currency=eur&metadata[a]=1'
    })
  const first = await replay()
  const second = await replay()
  t.equal(first.headers.get('idempotent-replayed'), null)
  t.equal(second.headers.get('idempotent-replayed'), 'true')
  t.equal(second.headers.get('original-request'), first.headers.get('request-id'))
  t.same(await second.json(), await first.json())

  const route = await fetch(`${simulator.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_direct' } })
  t.equal(route.status, 404)
  t.match(await route.json(), { error: { type: 'invalid_request_error', message: /Unrecognized request URL/ } })
})

t.test("the Lambdas' gateway (composition/stripe.ts) loads the SDK on its first call: the same payments, webhooks checked as a promise", async (t) => {
  const { simulator, delivered } = await setup(t)
  const settings = { STRIPE_API_HOST: simulator.host, STRIPE_API_PORT: simulator.port, STRIPE_API_PROTOCOL: simulator.protocol as 'http' | 'https' }
  t.throws(() => stripeGateway({ ...settings, STRIPE_WEBHOOK_SECRET: simulator.webhookSecret }), ConfigError, 'a missing key fails at construction, not at the first payment')
  const gateway = stripeGateway({ ...settings, STRIPE_SECRET_KEY: 'sk_test_lazy', STRIPE_WEBHOOK_SECRET: simulator.webhookSecret })
  const paid = await gateway.createPayment(payment())
  t.equal(paid.status, 'succeeded')
  t.match(await gateway.getPayment(paid.id), { id: paid.id, status: 'succeeded' })
  await simulator.idle()
  const [{ payload, headers }] = delivered as [Delivered]
  t.match(await gateway.parseWebhook(payload, headers['stripe-signature']), { type: 'payment_intent.succeeded', payment: { id: paid.id } })
  await t.rejects(async () => gateway.parseWebhook(payload, undefined), WebhookSignatureError, 'no signature')
})
