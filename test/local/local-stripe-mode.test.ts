// Local mode with Stripe's real test mode (issue 12, item 11). Nothing here reaches the internet:
// the choice between simulator and test mode is a pure function of the environment, and the app built
// in test mode is driven only through its webhook endpoint, with events signed by the SDK's own test
// header helper. Every HTTPS request of this process is intercepted and refused (the SDK sends
// through node:https), so a path that would call Stripe's API shows up as a recorded attempt.
import t, { type Test } from 'tap'
import https from 'node:https'
import { randomBytes } from 'node:crypto'
import Stripe from 'stripe'
import { buildApp } from '../../src/app'
import { ConfigError } from '../../src/config'
import { createLogger } from '../../src/logger'
import { startEmbeddedRuntime } from '../../src/local/runtime'
import { chooseStripe, stripeLine, type StripeChoice } from '../../src/local/stripe/choice'
import { build, projectRoot, sharedDynamoDbLocal } from '../helpers/build'
import { LogCapture } from '../helpers/log-capture'

const TEST_KEY = 'sk_test_51NotARealKeyForLocalTests'
const SIGNING_SECRET = `whsec_${randomBytes(16).toString('hex')}`

// Every outgoing HTTPS request: recorded and refused before anything leaves the machine.
const httpsAttempts: string[] = []
const realRequest = https.request
https.request = ((first: string | URL | https.RequestOptions) => {
  httpsAttempts.push(typeof first === 'string' ? new URL(first).host : first instanceof URL ? first.host : String(first.host ?? first.hostname))
  throw new Error('no HTTPS from tests')
}) as typeof https.request
t.teardown(() => {
  https.request = realRequest
})

t.test('chooseStripe: test mode only with a test key and a signing secret, else the simulator', async (t) => {
  t.same(chooseStripe({ STRIPE_SECRET_KEY: TEST_KEY, STRIPE_WEBHOOK_SECRET: SIGNING_SECRET }), { kind: 'test-mode', secretKey: TEST_KEY, webhookSecret: SIGNING_SECRET })
  t.same(chooseStripe({}), { kind: 'simulator', reason: 'no STRIPE_SECRET_KEY/STRIPE_WEBHOOK_SECRET set' })
  t.same(chooseStripe({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }), { kind: 'simulator', reason: 'no STRIPE_SECRET_KEY/STRIPE_WEBHOOK_SECRET set' }, 'empty is unset')
  t.same(chooseStripe({ STRIPE_SECRET_KEY: TEST_KEY }), {
    kind: 'simulator',
    reason: 'STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not; set both for Stripe test mode'
  })
  t.same(chooseStripe({ STRIPE_WEBHOOK_SECRET: SIGNING_SECRET }), {
    kind: 'simulator',
    reason: 'STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not; set both for Stripe test mode'
  })
})

t.test('chooseStripe refuses a live key and values of the wrong form, naming the variable and never echoing it', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ STRIPE_SECRET_KEY: 'sk_live_51Secret', STRIPE_WEBHOOK_SECRET: SIGNING_SECRET }, 'STRIPE_SECRET_KEY', /live key .*test key \(sk_test_…\)/],
    [{ STRIPE_SECRET_KEY: 'sk_live_51Secret' }, 'STRIPE_SECRET_KEY', /live key/],
    [{ STRIPE_SECRET_KEY: 'pk_test_51Secret', STRIPE_WEBHOOK_SECRET: SIGNING_SECRET }, 'STRIPE_SECRET_KEY', /must be a test key/],
    [{ STRIPE_SECRET_KEY: TEST_KEY, STRIPE_WEBHOOK_SECRET: 'we_51Secret' }, 'STRIPE_WEBHOOK_SECRET', /whsec_/]
  ]
  for (const [env, variable, message] of cases) {
    const error = t.throws(() => chooseStripe(env), JSON.stringify(Object.keys(env))) as ConfigError
    t.type(error, ConfigError)
    t.equal(error.variable, variable)
    t.match(error.message, message)
    t.notMatch(error.message, /51Secret/, 'the value is not echoed')
  }
})

t.test('the start line says which Stripe is in use', async (t) => {
  t.equal(stripeLine({ kind: 'simulator', reason: 'no STRIPE_SECRET_KEY/STRIPE_WEBHOOK_SECRET set' }, 'http://127.0.0.1:3000/webhooks/stripe', 'http://127.0.0.1:4242'), 'Stripe: simulator at http://127.0.0.1:4242 (no STRIPE_SECRET_KEY/STRIPE_WEBHOOK_SECRET set)')
  const line = stripeLine({ kind: 'test-mode', secretKey: TEST_KEY, webhookSecret: SIGNING_SECRET }, 'http://127.0.0.1:3000/webhooks/stripe')
  t.match(line, /^Stripe: test mode .*stripe listen --forward-to http:\/\/127\.0\.0\.1:3000\/webhooks\/stripe$/)
  t.notMatch(line, TEST_KEY, 'no secret in the output')
  t.notMatch(line, SIGNING_SECRET)
})

t.test('the runtime uses the simulator unless told otherwise: exported keys never send a test to the real API', async (t) => {
  const { runtime } = await build(t, { env: { STRIPE_SECRET_KEY: TEST_KEY, STRIPE_WEBHOOK_SECRET: SIGNING_SECRET } })
  t.equal(runtime.stripeChoice.kind, 'simulator')
  t.ok(runtime.stripe, 'the simulator runs')
  t.equal(runtime.config.STRIPE_API_HOST, runtime.stripe.host, 'the SDK is pointed at it')
  t.equal(runtime.config.STRIPE_SECRET_KEY, runtime.stripe.environment().STRIPE_SECRET_KEY)
})

/** The app on the embedded runtime in Stripe test mode (as `npm start` builds it), over this process's DynamoDB Local. */
async function buildInTestMode(t: Test, env: Record<string, string> = {}) {
  const choice: StripeChoice = chooseStripe({ STRIPE_SECRET_KEY: TEST_KEY, STRIPE_WEBHOOK_SECRET: SIGNING_SECRET })
  const runtime = await startEmbeddedRuntime({
    projectRoot,
    env: { ...process.env, ...env },
    logger: createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'local' }, new LogCapture()),
    stackName: `t${randomBytes(5).toString('hex')}`,
    dynamodbEndpoint: (await sharedDynamoDbLocal()).endpoint,
    messaging: { redeliveryDelayMs: 20 },
    seedDemoCatalog: false,
    stripe: choice
  })
  const app = await buildApp({ config: runtime.config, services: runtime.services, authenticate: runtime.authenticate, logger: runtime.logger, localRoutes: runtime.localRoutes })
  t.teardown(async () => {
    await app.close()
    await runtime.close()
  })
  return { app, runtime }
}

/** A Stripe event as `stripe listen` relays it, signed with `secret` by the SDK's test helper. */
function signedEvent(secret: string, type: string, object: Record<string, unknown>): { payload: string; headers: Record<string, string> } {
  const event = {
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object }
  }
  const payload = JSON.stringify(event)
  const signature = new Stripe('sk_test_signing_only').webhooks.generateTestHeaderString({ payload, secret })
  return { payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }
}

const intent = { id: 'pi_3NotOurs', object: 'payment_intent', amount: 1000, currency: 'eur', status: 'succeeded', metadata: {} }

t.test('in test mode: no simulator, the keys as given, Stripe’s own API host; webhooks signed with STRIPE_WEBHOOK_SECRET are accepted', async (t) => {
  // An exported STRIPE_API_HOST must not redirect the SDK in test mode.
  const { app, runtime } = await buildInTestMode(t, { STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: '4242', STRIPE_API_PROTOCOL: 'http' })
  t.equal(runtime.stripe, undefined, 'no simulator started')
  t.equal(runtime.stripeChoice.kind, 'test-mode')
  t.equal(runtime.config.STRIPE_SECRET_KEY, TEST_KEY)
  t.equal(runtime.config.STRIPE_WEBHOOK_SECRET, SIGNING_SECRET)
  t.same([runtime.config.STRIPE_API_HOST, runtime.config.STRIPE_API_PORT, runtime.config.STRIPE_API_PROTOCOL], [undefined, undefined, undefined])

  const relayed = signedEvent(SIGNING_SECRET, 'payment_intent.succeeded', intent)
  const accepted = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: relayed.payload, headers: relayed.headers })
  t.equal(accepted.statusCode, 200, accepted.body)
  t.same(accepted.json(), { received: true, duplicate: false })
  const again = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: relayed.payload, headers: relayed.headers })
  t.same(again.json(), { received: true, duplicate: true }, 'recorded once, as any webhook')

  const forged = signedEvent(`whsec_${randomBytes(16).toString('hex')}`, 'payment_intent.succeeded', intent)
  const refused = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: forged.payload, headers: forged.headers })
  t.equal(refused.statusCode, 400, 'signed with another secret: refused')
  t.equal(refused.json().error, 'ValidationError')
  t.same(httpsAttempts, [], 'nothing asked of the Stripe API')
})

t.test('in test mode the SDK addresses Stripe itself (stopped here before anything leaves)', async (t) => {
  const { app } = await buildInTestMode(t)
  httpsAttempts.length = 0
  // A charge event names its intent only by id: the app asks the gateway for it.
  const relayed = signedEvent(SIGNING_SECRET, 'charge.refunded', { id: 'ch_3NotOurs', object: 'charge', payment_intent: 'pi_3NotOurs', amount: 1000, amount_refunded: 1000, refunded: true })
  const response = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: relayed.payload, headers: relayed.headers })
  t.ok(httpsAttempts.length > 0, 'the gateway tried HTTPS')
  t.ok(
    httpsAttempts.every((host) => host === 'api.stripe.com'),
    `to Stripe's API, not a local host: ${httpsAttempts.join(', ')}`
  )
  t.ok(response.statusCode >= 500, `the refused call is a failure Stripe would retry (${response.statusCode})`)
})

t.test('in test mode the /_local routes that need the simulator say so (404/409) instead of failing', async (t) => {
  const { app, runtime } = await buildInTestMode(t)
  const shown = await app.inject({ method: 'GET', url: '/_local/stripe' })
  t.equal(shown.statusCode, 404)
  t.match(shown.json().message, /Stripe simulator is not in use/)
  const authenticated = await app.inject({ method: 'POST', url: '/_local/stripe/payment-intents/pi_3NotOurs/authenticate', payload: { outcome: 'succeeded' } })
  t.equal(authenticated.statusCode, 409)
  t.match(authenticated.json().message, /Stripe simulator is not in use/)
  const byPayment = await app.inject({ method: 'POST', url: '/_local/payments/pay_1/authenticate', payload: { outcome: 'succeeded' } })
  t.equal(byPayment.statusCode, 404)
  t.match(byPayment.json().message, /Stripe simulator is not in use/)

  const stripeSwitch = await app.inject({ method: 'POST', url: '/_local/faults', payload: { 'stripe.refunds': 'fail' } })
  t.equal(stripeSwitch.statusCode, 409)
  t.match(stripeSwitch.json().message, /'stripe\.refunds'.*Stripe simulator is not in use/)
  t.equal(runtime.faults.get('stripe.refunds'), 'ok', 'nothing switched')
  const other = await app.inject({ method: 'POST', url: '/_local/faults', payload: { 'events.publish': 'fail' } })
  t.equal(other.statusCode, 200, 'switches of other stand-ins still work')
  t.equal(other.json()['events.publish'], 'fail')
  await app.inject({ method: 'POST', url: '/_local/faults', payload: { 'events.publish': 'ok' } })
  t.equal((await app.inject({ method: 'GET', url: '/_local/faults' })).statusCode, 200)
})
