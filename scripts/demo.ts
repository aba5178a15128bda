// `npm run demo`: plays the whole story against a running `npm start` (local mode) over plain HTTP, as
// a storefront would, and prints each step with the JSON that matters: register, verify from the local
// mailbox, log in, order, pay, 3-D Secure, a decline, cancel and refund, the admin's part (a partial
// refund, shipping with tracking) when the server makes the demo's admin an admin, and a password reset
// with the emailed link. Stops with exit code 1 at the first unexpected answer, naming
// the step and showing the body. Every wait is bounded.
//
// Base URL: DEMO_BASE_URL, else http://127.0.0.1:${PORT:-3000}. Admin steps: DEMO_ADMIN_EMAIL (else the
// first of ADMIN_EMAILS) must be in the server's ADMIN_EMAILS; DEMO_ADMIN_PASSWORD if it already exists.
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

const BASE = (process.env.DEMO_BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`).replace(/\/+$/, '')
const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new horse battery'
const SHIPMENT = { carrier: 'UPS', trackingNumber: '1Z999AA10123456784', trackingUrl: 'https://tracking.example.com/1Z999AA10123456784' }
const ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }
const REQUEST_TIMEOUT_MS = 10_000
/** The saga, the outbox relay and the queues are asynchronous: how long a change may take to show. */
const WAIT_MS = 20_000

// The parts of the API's answers the demo reads (the OpenAPI document at /docs/json has them all).
interface User { id: string; email: string; roles: string[] }
interface Product { id: string; name: string; price: number; currency: string; available: number }
interface Order { id: string; status: string; total: number; currency: string; cancelReason?: string; shipment?: unknown }
interface Payment { id: string; status: string; amount: number; currency: string; amountRefunded: number; refunds: unknown[] }
interface PayResult { paymentId: string; status: string; requiresAction?: boolean }
interface Login { token: string; expiresIn: number; user: User }
interface Mailbox { messages: Array<{ to: string; subject: string; text: string }> }

class DemoFailure extends Error {
  constructor(
    message: string,
    readonly body?: unknown
  ) {
    super(message)
  }
}

let currentStep = ''
let stepNumber = 0
function step(title: string): void {
  currentStep = title
  stepNumber += 1
  console.log(`\n${stepNumber}. ${title}`)
}
function show(label: string, value: unknown): void {
  console.log(`   ${label}: ${JSON.stringify(value)}`)
}
function note(text: string): void {
  console.log(`   ${text}`)
}

interface CallOptions {
  token?: string
  body?: unknown
  idempotent?: boolean
  expect: number[]
}

/** One request; any status not in `expect` ends the demo. T: the answer's shape for the expected statuses. */
async function call<T>(method: string, path: string, options: CallOptions): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> = {}
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.idempotent) headers['idempotency-key'] = randomUUID()
  let response: Response
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    })
  } catch (error) {
    throw new DemoFailure(`${method} ${path} failed: ${(error as Error).message}${causeOf(error)}`)
  }
  const text = await response.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    throw new DemoFailure(`${method} ${path} answered ${response.status} with a body that is not JSON`, text)
  }
  if (!options.expect.includes(response.status)) {
    throw new DemoFailure(`${method} ${path} answered ${response.status}, expected ${options.expect.join(' or ')}`, json)
  }
  return { status: response.status, json: json as T }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause
  return cause?.code ? ` (${cause.code})` : ''
}

/** Reads until `done` holds, at most WAIT_MS; the last value read explains a timeout. */
async function waitFor<T, D extends T>(what: string, read: () => Promise<T>, done: (value: T) => value is D): Promise<D> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new DemoFailure(`gave up after ${WAIT_MS / 1000} s waiting for ${what}`, value)
    await sleep(250)
  }
}

/** Registers `email`, verifies it with the token of the local mailbox; false when it existed already. */
async function registerAndVerify(email: string): Promise<boolean> {
  const registered = await call<{ user: User }>('POST', '/users/register', { body: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' }, expect: [201, 409] })
  if (registered.status === 409) return false
  show('registered', registered.json.user)
  const { token } = await linkInMailbox(email, '/verify-email')
  note(`verification token found in /_local/mailbox (${token.slice(0, 16)}…)`)
  show('verified', (await call('POST', '/users/verify-email', { body: { token }, expect: [200] })).json)
  return true
}

/** The newest email to `email` that satisfies `matches`, waited for (emails are asynchronous). */
async function emailTo(email: string, what: string, matches: (text: string) => boolean): Promise<Mailbox['messages'][number]> {
  return waitFor(
    `${what} to ${email} in /_local/mailbox`,
    async () => (await call<Mailbox>('GET', '/_local/mailbox', { expect: [200] })).json.messages.filter((entry) => entry.to === email && matches(entry.text)).at(-1),
    (message): message is Mailbox['messages'][number] => message !== undefined
  )
}

/** The newest link to `page` (e.g. /verify-email) in an email to `email`, and its token. */
async function linkInMailbox(email: string, page: string): Promise<{ link: string; token: string }> {
  const pattern = new RegExp(`\\S+${page}\\?token=([^\\s&]+)`)
  const message = await emailTo(email, `an email with a ${page} link`, (text) => pattern.test(text))
  const match = pattern.exec(message.text) as RegExpExecArray
  return { link: match[0], token: decodeURIComponent(match[1] as string) }
}

async function logIn(email: string): Promise<{ token: string; roles: string[] }> {
  const { json } = await call<Login>('POST', '/users/login', { body: { email, password: PASSWORD }, expect: [200] })
  show('logged in', { user: json.user, expiresIn: json.expiresIn, token: `${json.token.slice(0, 20)}…` })
  return { token: json.token, roles: json.user.roles }
}

const orderSummary = (order: Order) => ({ id: order.id, status: order.status, total: order.total, currency: order.currency, cancelReason: order.cancelReason })

async function orderIn(token: string, orderId: string, status: string): Promise<Order> {
  return waitFor(
    `order ${orderId} to be ${status}`,
    async () => (await call<{ order: Order }>('GET', `/orders/${orderId}`, { token, expect: [200] })).json.order,
    (order): order is Order => {
      // A cancelled order never changes again: fail now, not after the whole wait.
      if (order.status === 'cancelled' && status !== 'cancelled') throw new DemoFailure(`order ${orderId} is cancelled, expected ${status}`, order)
      return order.status === status
    }
  )
}

async function placeOrder(token: string, productId: string): Promise<string> {
  const placed = await call<{ order: Order }>('POST', '/orders', { token, idempotent: true, body: { items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS }, expect: [201] })
  show('placed', orderSummary(placed.json.order))
  const order = await orderIn(token, placed.json.order.id, 'awaiting_payment')
  show('saga started', orderSummary(order))
  return order.id
}

async function pay(token: string, orderId: string, paymentMethodId: string, expect: number[]): Promise<{ status: number; json: PayResult }> {
  const paid = await call<PayResult>('POST', '/payments', { token, idempotent: true, body: { orderId, paymentMethodId }, expect })
  show(`POST /payments (${paymentMethodId}) → ${paid.status}`, paid.json)
  return paid
}

async function paymentIn(token: string, paymentId: string, statuses: string[]): Promise<Payment> {
  return waitFor(
    `payment ${paymentId} to be ${statuses.join(' or ')}`,
    async () => (await call<{ payment: Payment }>('GET', `/payments/${paymentId}`, { token, expect: [200] })).json.payment,
    (payment): payment is Payment => statuses.includes(payment.status)
  )
}

async function main(): Promise<void> {
  console.log(`Demo against ${BASE}`)
  step('The server is up')
  show('GET /health', (await call<unknown>('GET', '/health', { expect: [200] })).json)

  step('Register a new customer and verify the email from the local mailbox')
  const email = `demo-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`
  await registerAndVerify(email)

  step('Log in')
  const { token } = await logIn(email)

  step('List the products')
  const products = (await call<{ products: Product[] }>('GET', '/products', { expect: [200] })).json.products
  show('first products', products.slice(0, 3).map((p) => ({ id: p.id, name: p.name, price: p.price, currency: p.currency, available: p.available })))
  // The most available one: every run keeps one unit (the 3-D Secure order stays confirmed).
  const product = products.filter((entry) => entry.available >= 3).sort((a, b) => b.available - a.available)[0]
  if (!product) throw new DemoFailure('no product with 3 or more available (the demo places 3 orders)', products)
  const productId = product.id

  step('Order one and pay with pm_card_visa → confirmed')
  const paidOrder = await placeOrder(token, productId)
  const visa = await pay(token, paidOrder, 'pm_card_visa', [200])
  show('order', orderSummary(await orderIn(token, paidOrder, 'confirmed')))

  step('Order another and pay with pm_card_authenticationRequired → 3-D Secure → confirmed')
  const secureOrder = await placeOrder(token, productId)
  const secure = await pay(token, secureOrder, 'pm_card_authenticationRequired', [200])
  if (secure.json.status !== 'requires_action') throw new DemoFailure('expected requires_action', secure.json)
  const securePaymentId = secure.json.paymentId
  note('no browser here: the customer passes the challenge through the local route, by our paymentId')
  show(`POST /_local/payments/${securePaymentId}/authenticate`, (await call<unknown>('POST', `/_local/payments/${securePaymentId}/authenticate`, { body: { outcome: 'succeeded' }, expect: [202] })).json)
  show('order', orderSummary(await orderIn(token, secureOrder, 'confirmed')))
  const securePayment = await paymentIn(token, securePaymentId, ['succeeded'])
  show('payment', { id: securePayment.id, status: securePayment.status, amount: securePayment.amount, currency: securePayment.currency })

  step('Order a third and pay with pm_card_chargeDeclined → 402, the order stays payable; then cancel it')
  const declinedOrder = await placeOrder(token, productId)
  await pay(token, declinedOrder, 'pm_card_chargeDeclined', [402])
  show('order', orderSummary(await orderIn(token, declinedOrder, 'awaiting_payment')))
  show('cancelled (nothing to refund)', orderSummary((await call<{ order: Order }>('POST', `/orders/${declinedOrder}/cancel`, { token, expect: [200] })).json.order))

  step('Cancel the paid order → its payment is refunded')
  show('cancelled', orderSummary((await call<{ order: Order }>('POST', `/orders/${paidOrder}/cancel`, { token, expect: [200] })).json.order))
  const refunded = await paymentIn(token, visa.json.paymentId, ['refunded'])
  show('payment', { id: refunded.id, status: refunded.status, amount: refunded.amount, amountRefunded: refunded.amountRefunded, refunds: refunded.refunds })

  await adminPart(secureOrder, securePaymentId, email)

  step('Forgot the password: a new one through the emailed link, then log in with it')
  show('POST /users/password/forgot → 202', (await call<unknown>('POST', '/users/password/forgot', { body: { email }, expect: [202] })).json)
  const reset = await linkInMailbox(email, '/reset-password')
  note(`reset link found in /_local/mailbox: ${reset.link.slice(0, reset.link.indexOf('?token=') + 23)}…`)
  note('the link opens a page that asks for the new password and sends what the next request sends')
  await call<unknown>('POST', '/users/password/reset', { body: { token: reset.token, password: NEW_PASSWORD }, expect: [204] })
  note('POST /users/password/reset → 204 (the link is used up; every session of the account is signed out)')
  await call<unknown>('POST', '/users/login', { body: { email, password: PASSWORD }, expect: [401] })
  await call<Login>('POST', '/users/login', { body: { email, password: NEW_PASSWORD }, expect: [200] })
  note('old password refused (401), new password accepted')

  console.log('\nDemo finished: every step answered as expected.')
}

/** A partial refund and shipping an order with tracking, as an admin; skipped with a hint when there is none. */
async function adminPart(orderId: string, paymentId: string, customerEmail: string): Promise<void> {
  step('Admin: a partial refund, and shipping with tracking')
  const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? process.env.ADMIN_EMAILS?.split(',')[0]?.trim()
  if (!adminEmail) {
    note('skipped: no admin. Start the server with ADMIN_EMAILS=admin@example.com and run the demo with the same')
    note('ADMIN_EMAILS (or DEMO_ADMIN_EMAIL) to see an admin refund part of a payment and ship an order.')
    return
  }
  const created = await registerAndVerify(adminEmail)
  if (!created) note(`${adminEmail} exists already: logging in with DEMO_ADMIN_PASSWORD or the demo's password`)
  const password = process.env.DEMO_ADMIN_PASSWORD ?? PASSWORD
  const login = await call<Partial<Login>>('POST', '/users/login', { body: { email: adminEmail, password }, expect: [200, 401] })
  if (login.status !== 200 || !login.json.user?.roles.includes('admin')) {
    note(`skipped: ${adminEmail} ${login.status === 200 ? 'is not an admin' : 'cannot log in'}; start the server with ADMIN_EMAILS=${adminEmail}`)
    return
  }
  const token = login.json.token as string
  show('admin logged in', login.json.user)
  const refund = await call<{ refund: unknown }>('POST', `/payments/${paymentId}/refunds`, { token, idempotent: true, body: { amount: 100, reason: 'demo: goodwill' }, expect: [201] })
  show(`POST /payments/${paymentId}/refunds → 201`, refund.json.refund)
  const partial = await paymentIn(token, paymentId, ['partially_refunded'])
  show('payment', { id: partial.id, status: partial.status, amount: partial.amount, amountRefunded: partial.amountRefunded })
  const processing = await call<{ order: Order }>('PUT', `/orders/${orderId}/status`, { token, body: { status: 'processing' }, expect: [200] })
  show(`PUT /orders/${orderId}/status processing`, orderSummary(processing.json.order))
  const shipped = await call<{ order: Order }>('PUT', `/orders/${orderId}/status`, { token, body: { status: 'shipped', shipment: SHIPMENT }, expect: [200] })
  show(`PUT /orders/${orderId}/status shipped`, { ...orderSummary(shipped.json.order), shipment: shipped.json.order.shipment })
  const email = await emailTo(customerEmail, 'the "shipped" email', (text) => text.includes(SHIPMENT.trackingNumber))
  show('the customer was emailed', { subject: email.subject, tracking: SHIPMENT.trackingUrl })
}

main().catch((error: unknown) => {
  if (error instanceof DemoFailure) {
    console.error(`\nFAILED at step ${stepNumber} "${currentStep}": ${error.message}`)
    if (error.body !== undefined) console.error(JSON.stringify(error.body, null, 2))
    if (stepNumber === 1) console.error(`Is \`npm start\` running? The demo talks to ${BASE} (set DEMO_BASE_URL or PORT).`)
  } else {
    console.error(`\nFAILED at step ${stepNumber} "${currentStep}":`, error)
  }
  process.exit(1)
})
