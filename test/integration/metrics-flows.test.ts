// The business metrics come from the flows that count them, on the embedded runtime (real Stripe SDK
// against the local simulator, signed webhooks, DynamoDB Local), through the same EMF adapter as on
// AWS with a capturing sink: each is counted once per business fact (a payment reported by both the
// API response and its webhooks counts once), declineCode travels as a property, and the scheduled
// workers sample the gauges the alarms read (outbox backlog and age, refunds pending).
import t, { type Test } from 'tap'
import { EmfMetrics, type EmfRecord } from '../../src/adapters/aws/emf-metrics'
import type { MetricName } from '../../src/ports/metrics'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')

async function setup(t: Test) {
  const records: EmfRecord[] = []
  const metrics = new EmfMetrics({ stage: 'local', sink: (record) => records.push(record) })
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' }, metrics })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 1500, stock: 20 })
  const customer = await shop.customer()
  const placeOrder = () => shop.payableOrder(customer.token, product.id)
  const pay = (orderId: string, paymentMethodId: string) =>
    app.inject({ method: 'POST', url: '/payments', headers: { ...bearer(customer.token), 'idempotency-key': `pay-${orderId}-${paymentMethodId}` }, payload: { orderId, paymentMethodId } })
  const of = (name: MetricName) => records.filter((record) => name in record)
  const total = (name: MetricName) => of(name).reduce((sum, record) => sum + Number(record[name]), 0)
  return { app, runtime, shop, records, placeOrder, pay, of, total }
}

t.test('orders placed, payments succeeded and declined (declineCode as a property), webhook duplicates, refunds completed', async (t) => {
  const { app, runtime, shop, records, placeOrder, pay, of, total } = await setup(t)

  const paidOrder = await placeOrder()
  t.equal(total('OrdersPlaced'), 1, 'one order placed, counted once')
  // Every delivery is kept, so one can be delivered again later as Stripe does when it retries.
  const delivered: Array<Parameters<NonNullable<typeof runtime.stripe.deliver>>> = []
  const deliver = runtime.stripe.deliver
  runtime.stripe.deliver = async (...delivery) => {
    delivered.push(delivery)
    return (await deliver?.(...delivery)) ?? { statusCode: 500 }
  }
  runtime.stripe.duplicateWebhooks = 3
  const paid = await pay(paidOrder, 'pm_card_visa')
  t.equal(paid.statusCode, 200)
  await shop.finished(paidOrder)
  await runtime.idle()
  t.equal(total('PaymentsSucceeded'), 1, 'the API response and three concurrent webhooks report it; counted once')
  runtime.stripe.duplicateWebhooks = 1

  const [payload, headers] = delivered[0] ?? []
  const redelivered = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers })
  t.equal(redelivered.json().duplicate, true)
  t.equal(total('WebhookDuplicates'), 1, 'an event delivered again is counted as a duplicate')
  t.type(of('WebhookDuplicates')[0]?.eventType, 'string', 'with the event type as a property')
  t.equal(total('PaymentsSucceeded'), 1)

  const declinedOrder = await placeOrder()
  const declined = await pay(declinedOrder, 'pm_card_chargeDeclinedInsufficientFunds')
  t.equal(declined.statusCode, 402)
  await runtime.idle()
  t.equal(total('PaymentsDeclined'), 1)
  const [decline] = of('PaymentsDeclined')
  t.equal(decline?.declineCode, 'insufficient_funds', 'declineCode is a top-level property')
  t.same(decline?._aws.CloudWatchMetrics[0]?.Dimensions, [['Service', 'Stage']], 'and never a dimension')
  t.equal(total('OrdersPlaced'), 2)

  const paymentId = paid.json().paymentId as string
  const refund = await app.inject({
    method: 'POST',
    url: `/payments/${paymentId}/refunds`,
    headers: { ...bearer(shop.adminToken), 'idempotency-key': 'refund-1' },
    payload: { amount: 500, reason: 'requested_by_customer' }
  })
  t.equal(refund.statusCode, 201, refund.body)
  await runtime.idle()
  // The same refund asked again (same key) is the same refund: not counted twice.
  const again = await app.inject({
    method: 'POST',
    url: `/payments/${paymentId}/refunds`,
    headers: { ...bearer(shop.adminToken), 'idempotency-key': 'refund-1' },
    payload: { amount: 500, reason: 'requested_by_customer' }
  })
  t.equal(again.statusCode, 201)
  t.equal(total('RefundsCompleted'), 1)
  t.equal(of('RefundsCompleted')[0]?.kind, 'manual')

  for (const record of records) {
    t.equal(record.Stage, 'local')
    t.equal(record.Service, 'commerce')
  }
})

t.test('the scheduled workers sample the gauges the alarms read; a failed publish counts an event deferred', async (t) => {
  const { runtime, shop, placeOrder, of, total } = await setup(t)
  const { token } = await shop.customer()
  const product = await shop.createProduct()
  // The bus refuses every publish: the next event stays in the outbox (deferred, not lost).
  runtime.faults.set({ 'events.publish': 'fail' })
  const before = total('EventsDeferred')
  await shop.place(token, [{ productId: product.id, quantity: 1 }])
  await runtime.idle()
  t.ok(total('EventsDeferred') > before, 'the stream relay failed to publish and deferred the event')
  // The scheduled backstop finds it waiting.
  const relay = runtime.workers['outbox-relay'] as (event: unknown) => Promise<unknown>
  const backlogBefore = of('OutboxBacklog').length
  await relay({})
  const backlog = of('OutboxBacklog').slice(backlogBefore)
  t.equal(backlog.length, 1, 'one sample per run')
  t.ok(Number(backlog[0]?.OutboxBacklog) >= 1, 'the deferred event is in the backlog')
  const age = of('OutboxOldestEventAge').at(-1)
  t.type(age?.OutboxOldestEventAge, 'number')
  t.equal(age?._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit, 'Seconds')

  runtime.faults.set({ 'events.publish': 'ok' })
  // A sample is what a run found waiting: this run publishes the backlog, the next one finds none.
  await relay({})
  await runtime.idle()
  await relay({})
  t.equal(of('OutboxBacklog').at(-1)?.OutboxBacklog, 0, 'drained: the next sample is zero, not missing')
  t.equal(of('OutboxOldestEventAge').at(-1)?.OutboxOldestEventAge, 0)
  await placeOrder()

  const sweeper = runtime.workers['recovery-sweeper'] as (event: unknown) => Promise<unknown>
  const pendingBefore = of('RefundsPending').length
  await sweeper({})
  t.equal(of('RefundsPending').length, pendingBefore + 1, 'the sweeper samples refunds pending on every run')
  t.equal(of('RefundsPending').at(-1)?.RefundsPending, 0)
})
