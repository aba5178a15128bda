// Nothing stranded by a DynamoDB outage (issue 8): the local server's DynamoDB Local is frozen
// (SIGSTOP) for 15 s across the end of the payment window of a batch of orders, some paid and some
// not. During the outage the API answers 503 with Retry-After, promptly; afterwards everything recovers
// by itself and DESIGN section 7's invariants hold: nothing pending/awaiting_payment, stock consistent,
// no charge kept for an unconfirmed order.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { httpClient, startServer, waitUntil, type ServerProcess } from '../helpers/server-process'
import { createProduct, runFlow, verifiedSession, type Plan } from '../helpers/shop-driver'
import { invariantViolations, readShopState, unsettledOrders } from '../helpers/shop-invariants'

const WINDOW_SECONDS = 6
const GRACE_SECONDS = 2
const SWEEP_EVERY_MS = 1000
const OUTAGE_MS = 15_000

t.test('a 15 s DynamoDB outage across the end of a payment window strands nothing', async (t) => {
  const adminEmail = `admin-${randomUUID()}@example.com`
  let frozen: number | undefined
  const server: ServerProcess = await startServer({
    PAYMENT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    RECOVERY_GRACE_SECONDS: String(GRACE_SECONDS),
    LOCAL_SCHEDULE_INTERVAL_MS: String(SWEEP_EVERY_MS),
    BCRYPT_COST: '4',
    ADMIN_EMAILS: adminEmail
  })
  t.teardown(async () => {
    if (frozen) process.kill(frozen, 'SIGCONT')
    await server.kill()
  })
  const call = httpClient(() => server.url)
  const admin = await verifiedSession(call, adminEmail)
  const productId = await createProduct(call, admin.token, 30)
  const initialStock = new Map([[productId, 30]])
  const customer = await verifiedSession(call, `customer-${randomUUID()}@example.com`)

  const plans: Plan[] = ['pay', 'nothing', 'pay', 'nothing', 'cancel', 'pay']
  const startedAt = Date.now()
  const records = await Promise.all(plans.map((plan) => runFlow(call, customer.token, productId, 2, plan)))
  t.ok(records.every((record) => record.placed === 201), 'every order placed')
  const late = await runFlow(call, customer.token, productId, 1, 'nothing')
  t.equal(late.placed, 201)

  // Freeze the store shortly before the windows end, for 15 s.
  const windowEnd = startedAt + WINDOW_SECONDS * 1000
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEnd - 2000 - Date.now())))
  frozen = server.dynamodbPid()
  process.kill(frozen, 'SIGSTOP')
  const outageStarted = Date.now()

  // While it is down: a prompt 503 with Retry-After, not a hang and not a 500.
  const askedAt = Date.now()
  const during = await call('GET', `/orders/${late.orderId}`, { token: customer.token, timeoutMs: 28_000 })
  const tookMs = Date.now() - askedAt
  t.equal(during.status, 503, 'the store being down answers 503')
  t.equal(during.body.error, 'ServiceUnavailable')
  t.ok(tookMs < 12_000, `answered in ${tookMs} ms, well under API Gateway's 29 s`)
  const paidDuring = await call('POST', '/payments', {
    token: customer.token,
    body: { orderId: late.orderId, paymentMethodId: 'pm_card_visa' },
    headers: { 'idempotency-key': randomUUID() },
    timeoutMs: 28_000
  })
  t.equal(paidDuring.status, 503, 'a payment during the outage is refused as unavailable (retry later)')

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + OUTAGE_MS - Date.now())))
  process.kill(frozen, 'SIGCONT')
  frozen = undefined

  const recovered = await waitUntil(async () => (await call('GET', '/health/ready')).status === 200, 30_000)
  t.ok(recovered, 'ready again once the store is back')
  let state = await readShopState(server.dynamodbPort, call)
  const bound = (WINDOW_SECONDS + GRACE_SECONDS) * 1000 + SWEEP_EVERY_MS + 60_000
  const settled = await waitUntil(async () => {
    state = await readShopState(server.dynamodbPort, call)
    return unsettledOrders(state).length === 0 && invariantViolations(state, initialStock).length === 0
  }, bound, 500)
  t.ok(settled, 'every order settled after the outage')
  t.same(invariantViolations(state, initialStock), [], 'every invariant holds')
  for (const record of records) {
    const order = state.orders.find((entry) => entry.id === record.orderId)
    const paid = record.payments.some((payment) => payment.status === 200 && payment.paymentStatus === 'succeeded')
    t.equal(order?.status, paid ? 'confirmed' : 'cancelled', `order with plan ${record.plan} ends ${paid ? 'confirmed' : 'cancelled'}`)
  }
})
