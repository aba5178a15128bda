#!/usr/bin/env node
// Smoke test of a running shop, for an owner after a deploy (README "Deploy"), or against `npm start`:
//   node scripts/smoke.mjs <ApiUrl> [--email E] [--password P] [--verify-token T] [--product ID]
//                                   [--card pm_card_visa] [--timeout 60]
// health → an account (registered and verified, or an existing one) → log in → a product → an order →
// pay with a Stripe test card → the order is confirmed within --timeout seconds (the payment event
// went through the outbox, SNS and the order-events queue, and resumed the saga) → cancel it → its
// payment is refunded within --timeout seconds. The test card succeeds at once, so the API records
// the outcome from Stripe's answer: the run does not show that Stripe's webhooks arrive (their
// deliveries for this payment are in the Stripe Dashboard). Every request and every wait is bounded; the first unexpected answer ends the
// run with exit code 1, naming the step and showing the body.
//
// The verification email: against `npm start` the script reads it from GET /_local/mailbox. On AWS
// it goes out through SES to a real inbox, so either give an account that is verified already
// (`--email` and `--password`, e.g. an address of the stack's AdminEmails that you registered and
// verified once), or register a new one with `--email` set to an address you can read (in the SES
// sandbox: a verified identity): the script then asks for the link from that email on the terminal,
// or, without a terminal, stops and tells you to run it again with `--password` and `--verify-token`.
// On a fresh stack the catalog is empty: an admin account (AdminEmails) lets the script create a
// product "Smoke test item" (kept afterwards); otherwise pass `--product` with an available one.
// Only run it against a stack with Stripe TEST keys: it pays with a test card.
import { randomBytes, randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

const REQUEST_TIMEOUT_MS = 15_000
const POLL_MS = 500
/** How long a person may take to paste the verification link. */
const PASTE_TIMEOUT_MS = 10 * 60_000
const ADDRESS = { street: '1 Smoke Test Lane', city: 'Springfield', postalCode: '12345', country: 'US' }
const USAGE = 'usage: node scripts/smoke.mjs <ApiUrl> [--email E] [--password P] [--verify-token T] [--product ID] [--card pm_card_visa] [--timeout 60]'

class SmokeFailure extends Error {
  /** @param {string} message @param {unknown} [body] */
  constructor(message, body) {
    super(message)
    this.body = body
  }
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    'verify-token': { type: 'string' },
    product: { type: 'string' },
    card: { type: 'string', default: 'pm_card_visa' },
    timeout: { type: 'string', default: '60' },
    help: { type: 'boolean', short: 'h' }
  }
})
if (options.help) {
  console.log(USAGE)
  process.exit(0)
}
if (positionals.length !== 1 || !/^https?:\/\//.test(positionals[0])) {
  console.error(USAGE)
  process.exit(2)
}
const BASE = positionals[0].replace(/\/+$/, '')
const WAIT_MS = Number(options.timeout) * 1000
if (!Number.isInteger(WAIT_MS) || WAIT_MS < 1000 || WAIT_MS > 3_600_000) {
  console.error('--timeout: whole seconds from 1 to 3600')
  process.exit(2)
}

let currentStep = ''
let stepNumber = 0
/** @param {string} title */
function step(title) {
  currentStep = title
  stepNumber += 1
  console.log(`\n${stepNumber}. ${title}`)
}
/** @param {string} text */
const note = (text) => console.log(`   ${text}`)

/**
 * One request; a status not in `expect` ends the run.
 * @param {string} method @param {string} path
 * @param {{ token?: string, body?: unknown, idempotent?: boolean, expect: number[] }} request
 * @returns {Promise<{ status: number, json: any }>}
 */
async function call(method, path, { token, body, idempotent, expect }) {
  /** @type {Record<string, string>} */
  const headers = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  if (idempotent) headers['idempotency-key'] = randomUUID()
  let response
  try {
    response = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  } catch (error) {
    const code = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code
    throw new SmokeFailure(`${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}${code ? ` (${code})` : ''}`)
  }
  const text = await response.text()
  let json
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    throw new SmokeFailure(`${method} ${path} answered ${response.status} with a body that is not JSON`, text.slice(0, 500))
  }
  if (!expect.includes(response.status)) throw new SmokeFailure(`${method} ${path} answered ${response.status}, expected ${expect.join(' or ')}`, json)
  return { status: response.status, json }
}

/**
 * Reads until `done(value)`, at most `ms`; the last value read explains a timeout.
 * @template T @param {string} what @param {() => Promise<T>} read @param {(value: T) => boolean} done
 * @returns {Promise<{ value: T, ms: number }>}
 */
async function waitFor(what, read, done, ms = WAIT_MS) {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (done(value)) return { value, ms: Date.now() - started }
    if (Date.now() - started > ms) throw new SmokeFailure(`gave up after ${Math.round(ms / 1000)} s waiting for ${what}`, value)
    await sleep(POLL_MS)
  }
}

/** @param {string} linkOrToken */
function tokenOf(linkOrToken) {
  const text = linkOrToken.trim()
  const match = /[?&]token=([^\s&]+)/.exec(text)
  return match ? decodeURIComponent(/** @type {string} */ (match[1])) : text
}

/** The verification token of `email`: from the local mailbox, --verify-token, or pasted on the terminal. */
async function verificationToken(email, local) {
  if (options['verify-token']) return tokenOf(options['verify-token'])
  if (local) {
    const { value } = await waitFor(
      `the verification email to ${email} in /_local/mailbox`,
      async () => (await call('GET', '/_local/mailbox', { expect: [200] })).json.messages.filter((message) => message.to === email && /verify-email\?token=/.test(message.text)).at(-1),
      (message) => message !== undefined
    )
    note('verification link found in /_local/mailbox')
    return tokenOf(value.text)
  }
  if (!process.stdin.isTTY) {
    throw new SmokeFailure(`${email} was registered; a verification email is on its way. Run again with --email ${email} --password <the same password> --verify-token <the token, or the whole link, from that email>`)
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout })
  try {
    const answer = await prompt.question(`   Paste the verification link (or its token) from the email sent to ${email}: `, { signal: AbortSignal.timeout(PASTE_TIMEOUT_MS) })
    return tokenOf(answer)
  } catch {
    throw new SmokeFailure(`no verification link within ${PASTE_TIMEOUT_MS / 60_000} minutes`)
  } finally {
    prompt.close()
  }
}

async function main() {
  console.log(`Smoke test of ${BASE}`)
  step('The API answers')
  note(`GET /health → ${JSON.stringify((await call('GET', '/health', { expect: [200] })).json)}`)
  const local = (await call('GET', '/_local/mailbox', { expect: [200, 401, 403, 404] })).status === 200
  note(local ? 'local mode (`npm start`): emails are read from /_local/mailbox' : 'no local mailbox: a deployed stack')

  step('An account, verified')
  if (!local && !options.email) throw new SmokeFailure('on AWS give --email: an address you can read, or a verified account with --password (see the top of this script)')
  const email = options.email ?? `smoke-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`
  const password = options.password ?? `smoke ${randomBytes(12).toString('hex')}`
  const registered = await call('POST', '/users/register', { body: { email, password, firstName: 'Smoke', lastName: 'Test' }, expect: [201, 409, 429] })
  if (registered.status === 429) throw new SmokeFailure('registration is rate limited for this address or email; wait, or use an existing account (--email, --password)', registered.json)
  if (registered.status === 409 && !options.password) throw new SmokeFailure(`${email} exists already: give its --password (or another --email)`)
  note(registered.status === 201 ? `registered ${email}` : `${email} exists: using it`)
  if (registered.status === 201 || options['verify-token']) {
    const token = await verificationToken(email, local)
    await call('POST', '/users/verify-email', { body: { token }, expect: [200] })
    note('email verified')
  }

  step('Log in')
  const login = (await call('POST', '/users/login', { body: { email, password }, expect: [200] })).json
  const token = login.token
  note(`logged in as ${login.user.email} (roles: ${login.user.roles.join(', ')}; email verified: ${login.user.emailVerified})`)

  step('A product to order')
  let productId = options.product
  if (!productId) {
    const products = (await call('GET', '/products?limit=100', { expect: [200] })).json.products
    productId = products.find((product) => product.available >= 1)?.id
    if (!productId && login.user.roles.includes('admin')) {
      const created = await call('POST', '/products', { token, body: { name: 'Smoke test item', description: 'Created by scripts/smoke.mjs', price: 500, currency: 'usd', stock: 100 }, expect: [201] })
      productId = created.json.product.id
      note(`the catalog had nothing available: created ${productId} "Smoke test item" (it stays; deactivate it with PATCH /products/${productId} {"active":false})`)
    }
    if (!productId) throw new SmokeFailure('no product is available: pass --product <id>, or log in as an admin (AdminEmails) so the script can create one')
  }
  const product = (await call('GET', `/products/${productId}`, { expect: [200] })).json.product
  note(`${product.id} "${product.name}": ${product.price} ${product.currency} (minor units), ${product.available} available`)

  step('Place an order; its saga starts')
  const placed = (await call('POST', '/orders', { token, idempotent: true, body: { items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS }, expect: [201] })).json.order
  note(`order ${placed.id}: ${placed.status}, total ${placed.total} ${placed.currency}`)
  const orderNow = async () => (await call('GET', `/orders/${placed.id}`, { token, expect: [200] })).json.order
  const notCancelled = (order) => {
    if (order.status === 'cancelled') throw new SmokeFailure(`order ${order.id} was cancelled (${order.cancelReason})`, order)
  }
  const awaiting = await waitFor('the order to await payment', orderNow, (order) => (notCancelled(order), order.status === 'awaiting_payment'))
  note(`awaiting_payment after ${awaiting.ms} ms`)

  step(`Pay with ${options.card}; the order is confirmed within ${WAIT_MS / 1000} s`)
  const paid = (await call('POST', '/payments', { token, idempotent: true, body: { orderId: placed.id, paymentMethodId: options.card }, expect: [200] })).json
  note(`POST /payments → ${paid.status} (payment ${paid.paymentId})`)
  if (paid.status === 'requires_action') throw new SmokeFailure(`${options.card} asks for 3-D Secure; use a card that does not (pm_card_visa)`, paid)
  const confirmed = await waitFor('the order to be confirmed (the outbox relay, SNS, the order-events queue and the saga)', orderNow, (order) => (notCancelled(order), order.status === 'confirmed'))
  note(`confirmed ${confirmed.ms} ms after the payment`)

  step(`Cancel it; its payment is refunded within ${WAIT_MS / 1000} s`)
  const cancelled = (await call('POST', `/orders/${placed.id}/cancel`, { token, expect: [200] })).json.order
  note(`order ${cancelled.id}: ${cancelled.status} (${cancelled.cancelReason})`)
  const refunded = await waitFor(
    'the payment to be refunded',
    async () => (await call('GET', `/payments/${paid.paymentId}`, { token, expect: [200] })).json.payment,
    (payment) => payment.status === 'refunded'
  )
  note(`payment ${refunded.value.id}: refunded ${refunded.value.amountRefunded} of ${refunded.value.amount} ${refunded.value.currency}, ${refunded.ms} ms after the cancel`)

  console.log(`\nSMOKE PASSED: ${BASE} took an order, a payment and a refund.`)
}

main().catch((error) => {
  console.error(`\nSMOKE FAILED at step ${stepNumber} "${currentStep}": ${error instanceof Error ? error.message : String(error)}`)
  if (error instanceof SmokeFailure && error.body !== undefined) console.error(JSON.stringify(error.body, null, 2))
  else if (!(error instanceof SmokeFailure)) console.error(error)
  process.exit(1)
})
