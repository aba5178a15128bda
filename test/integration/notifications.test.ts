// The customer's emails on the embedded runtime (DynamoDB Local, the template's SNS → SQS wiring, the
// real saga): one email per change that matters (confirmed, shipped, delivered, cancelled, refunded)
// from the notification worker, none from the saga, and never two for one event, whether a record is
// delivered twice, two copies arrive at once, the bus publishes an event twice, or a failed send is
// redelivered. Also the DynamoDB claims that make that so.
import { randomUUID } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import t, { type Test } from 'tap'
import { DynamoEventClaims } from '../../src/adapters/dynamodb/event-claims'
import { DynamoProcessedEvents } from '../../src/adapters/dynamodb/processed-events'
import { documentClient } from '../../src/composition/builders'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import type { EventEnvelope } from '../../src/ports/event-bus'
import { sqsRecordOf } from '../helpers/aws-events'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const env = { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120', SHOP_NAME: 'Tea & Cups' }

async function setup(t: Test) {
  const { app, runtime } = await build(t, { env })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ name: 'Mug', price: 1250, stock: 50 })
  const customer = await shop.customer()
  let keys = 0
  /** A paid (confirmed) order of `quantity` mugs: its id, payment id and the customer's email. */
  const paidOrder = async (quantity = 2) => {
    const placed = await shop.place(customer.token, [{ productId: product.id, quantity }])
    const orderId = (placed.body.order as { id: string }).id
    await shop.settled(orderId)
    const paid = await app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...bearer(customer.token), 'idempotency-key': `pay-${++keys}-${Date.now()}` },
      payload: { orderId, paymentMethodId: 'pm_card_visa' }
    })
    if (paid.statusCode !== 200) throw new Error(`pay: ${paid.statusCode} ${paid.body}`)
    await shop.finished(orderId)
    const order = await shop.settled(orderId)
    if (order.status !== 'confirmed') throw new Error(`order is ${order.status}`)
    return { orderId, paymentId: paid.json().paymentId as string, email: order.userEmail }
  }
  const setStatus = (orderId: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: `/orders/${orderId}/status`, headers: bearer(shop.adminToken), payload })
  const mailTo = (email: string) => runtime.mailbox.messages().filter((message) => message.to === email)
  const subjects = (email: string) => mailTo(email).map((message) => message.subject)
  return { app, runtime, shop, customer, paidOrder, setStatus, mailTo, subjects, nextKey: () => `key-${++keys}-${Date.now()}` }
}


function statusEvent(orderId: string, status: string, eventId = randomUUID()): EventEnvelope {
  return { eventId, eventType: 'ORDER_STATUS_UPDATED', version: 1, occurredAt: new Date().toISOString(), correlationId: 'c-test', data: { orderId, userId: 'u', previousStatus: 'x', status } }
}

t.test('an order paid, shipped with tracking and delivered: one email per change, from the worker, with the shop name', async (t) => {
  const { runtime, paidOrder, setStatus, mailTo, subjects } = await setup(t)
  const { orderId, email } = await paidOrder(2)
  t.same(subjects(email), ['Verify your email address', `Order ${orderId} confirmed`], 'confirmed once (the saga sends none; awaiting payment sends none)')
  const confirmed = mailTo(email)[1]
  t.match(confirmed?.text, /Mug × 2 {2}\$25\.00/)
  t.match(confirmed?.text, /Total: \$25\.00/)
  t.match(confirmed?.text, /1 Main St\n12345 Springfield\nUS/)
  t.match(confirmed?.text, /-- \nTea & Cups\n$/)
  t.match(confirmed?.html, /Tea &amp; Cups/)

  t.equal((await setStatus(orderId, { status: 'processing' })).statusCode, 200)
  const shipment = { carrier: 'UPS', trackingNumber: '1Z999AA1', trackingUrl: 'https://track.example/1Z999AA1' }
  t.equal((await setStatus(orderId, { status: 'shipped', shipment })).statusCode, 200)
  t.equal((await setStatus(orderId, { status: 'delivered' })).statusCode, 200)
  await runtime.idle()
  t.same(subjects(email).slice(2), [`Order ${orderId} shipped`, `Order ${orderId} delivered`], 'processing sends none; shipped and delivered one each')
  const shipped = mailTo(email)[2]
  t.match(shipped?.text, /Carrier: UPS\nTracking number: 1Z999AA1\nTrack it here: https:\/\/track\.example\/1Z999AA1\n/)
  t.match(shipped?.html, /<a href="https:&#x2F;&#x2F;track\.example&#x2F;1Z999AA1">Track your parcel<\/a>/)
  t.same(runtime.messaging.deadLetterQueues().NotificationDeadLetterQueue ?? [], [], 'nothing in the notification DLQ')
})

t.test('a paid order cancelled by the customer: the cancel email with its reason, then the refund email with the amount', async (t) => {
  const { app, runtime, customer, paidOrder, subjects, mailTo } = await setup(t)
  const { orderId, email } = await paidOrder(3)
  const cancelled = await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })
  t.equal(cancelled.statusCode, 200)
  await runtime.idle()
  t.same(subjects(email).slice(1).sort(), [`Order ${orderId} cancelled`, `Order ${orderId} confirmed`, `Refund for order ${orderId}`].sort(), 'one of each')
  const cancel = mailTo(email).find((message) => message.subject === `Order ${orderId} cancelled`)
  t.match(cancel?.text, /\(\$37\.50\) was cancelled because you cancelled it\./)
  t.match(cancel?.text, /you will get an email when the refund is made/)
  const refund = mailTo(email).find((message) => message.subject === `Refund for order ${orderId}`)
  t.match(refund?.text, /We refunded \$37\.50 for your order/)
  t.notMatch(refund?.text, /So far/, 'a full refund')
})

t.test('a partial refund by an admin: the amount refunded now, and how much of what was paid', async (t) => {
  const { app, runtime, shop, paidOrder, mailTo, nextKey } = await setup(t)
  const { orderId, paymentId, email } = await paidOrder(2)
  const refund = await app.inject({
    method: 'POST',
    url: `/payments/${paymentId}/refunds`,
    headers: { ...bearer(shop.adminToken), 'idempotency-key': nextKey() },
    payload: { amount: 600, reason: 'late delivery' }
  })
  t.equal(refund.statusCode, 201)
  await runtime.idle()
  const refunds = mailTo(email).filter((message) => message.subject === `Refund for order ${orderId}`)
  t.equal(refunds.length, 1)
  t.match(refunds[0]?.text, /We refunded \$6\.00 for your order .*\nSo far \$6\.00 of the \$25\.00 you paid has been refunded\./)
})

t.test('duplicate delivery sends one email: the same record twice, two copies at once, the bus publishing twice, a failed send redelivered', async (t) => {
  const { runtime, paidOrder, mailTo } = await setup(t)
  const { orderId, email } = await paidOrder(1)
  const worker = runtime.workers.notification
  if (!worker) throw new Error('no notification worker')
  const delivered = () => mailTo(email).filter((message) => message.subject === `Order ${orderId} delivered`).length

  const once = statusEvent(orderId, 'delivered')
  t.same(await worker({ Records: [sqsRecordOf(once, 'm1')] }), { batchItemFailures: [] })
  t.same(await worker({ Records: [sqsRecordOf(once, 'm2')] }), { batchItemFailures: [] })
  t.same(await worker({ Records: [sqsRecordOf(once, 'm3'), sqsRecordOf(once, 'm4')] }), { batchItemFailures: [] }, 'twice in one batch')
  t.equal(delivered(), 1, 'the same event delivered four times: one email')

  const concurrent = statusEvent(orderId, 'delivered')
  const results = await Promise.all([1, 2, 3].map((n) => worker({ Records: [sqsRecordOf(concurrent, `c${n}`)] })))
  t.same(results, [{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }])
  t.equal(delivered(), 2, 'three copies at the same time: one email')

  const twice = statusEvent(orderId, 'delivered')
  await runtime.messaging.bus.publish(runtime.config.ORDER_EVENTS_TOPIC_ARN, twice)
  await runtime.messaging.bus.publish(runtime.config.ORDER_EVENTS_TOPIC_ARN, twice)
  await runtime.idle()
  t.equal(delivered(), 3, 'published twice through the template-wired queue: one email')

  const send = runtime.mailbox.send.bind(runtime.mailbox)
  let failures = 1
  runtime.mailbox.send = async (message) => {
    if (failures-- > 0) throw Object.assign(new Error('SES throttled'), { name: 'TooManyRequestsException' })
    return send(message)
  }
  t.teardown(() => {
    runtime.mailbox.send = send
  })
  await runtime.messaging.bus.publish(runtime.config.ORDER_EVENTS_TOPIC_ARN, statusEvent(orderId, 'delivered'))
  await runtime.idle()
  t.equal(failures, -1, 'the first send failed and the redelivery sent')
  t.equal(delivered(), 4, 'a failed send is redelivered and sent once')
  t.same(runtime.messaging.deadLetterQueues().NotificationDeadLetterQueue ?? [], [], 'nothing in the DLQ')
})

t.test('DynamoEventClaims: claimed once, busy while held, done once completed, free again after a release or a lapsed lease', async (t) => {
  const { runtime } = await build(t, { env })
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  let now = 1_000_000
  const claims = new DynamoEventClaims(documents, runtime.config.IDEMPOTENCY_TABLE, () => now)
  t.equal(await claims.claim('c', 'e1', 'h1', 60), 'claimed')
  t.equal(await claims.claim('c', 'e1', 'h2', 60), 'busy', 'another delivery while it is held')
  now += 61
  t.equal(await claims.claim('c', 'e1', 'h2', 60), 'claimed', 'the holder died: its lease lapsed')
  await claims.release('c', 'e1', 'h1')
  t.equal(await claims.claim('c', 'e1', 'h3', 60), 'busy', 'a release by a former holder changes nothing')
  await claims.release('c', 'e1', 'h2')
  t.equal(await claims.claim('c', 'e1', 'h3', 60), 'claimed', 'released by its holder: free at once')
  await claims.complete('c', 'e1')
  now += 3600
  t.equal(await claims.claim('c', 'e1', 'h4', 60), 'done', 'done stays done (no lease on it)')
  t.equal(await claims.claim('other', 'e1', 'h4', 60), 'claimed', 'per consumer')
  await new DynamoProcessedEvents(documents, runtime.config.IDEMPOTENCY_TABLE).remember('c', 'e-old')
  t.equal(await claims.claim('c', 'e-old', 'h5', 60), 'done', 'a record of the former dedup (processed-events) counts as done')
  const racing = await Promise.all(['a', 'b', 'c', 'd'].map((holder) => claims.claim('c', 'e-race', holder, 60)))
  t.same(racing.filter((outcome) => outcome === 'claimed').length, 1, 'four at once: exactly one claims it')
})

t.test('password reset through the API: an email with a working single-use link for a real account, none for an unknown one', async (t) => {
  const { app, runtime, customer, mailTo } = await setup(t)
  const user = await app.inject({ method: 'GET', url: '/users/me', headers: bearer(customer.token) })
  const email = user.json().user.email as string
  const forgot = (address: string) => app.inject({ method: 'POST', url: '/users/password/forgot', payload: { email: address } })
  t.equal((await forgot(email)).statusCode, 202)
  const unknown = uniqueEmail('nobody')
  t.equal((await forgot(unknown)).statusCode, 202)
  await runtime.idle()
  t.same(mailTo(unknown), [], 'no email for an unknown address')
  const resets = mailTo(email).filter((message) => message.subject === 'Reset your password')
  t.equal(resets.length, 1)
  const base = runtime.config.PUBLIC_BASE_URL.replace(/\/+$/, '')
  const match = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/reset-password\\?token=([^\\s&]+)`).exec(resets[0]?.text ?? '')
  t.ok(match, 'the link points at the reset page under PUBLIC_BASE_URL')
  t.match(resets[0]?.html, /Choose a new password<\/a>/)
  t.match(resets[0]?.text, /-- \nTea & Cups\n$/)
  const token = decodeURIComponent(match?.[1] ?? '')
  const reset = (password: string) => app.inject({ method: 'POST', url: '/users/password/reset', payload: { token, password } })
  t.equal((await reset('a brand new horse')).statusCode, 204, 'the emailed link works')
  t.equal((await reset('another new horse')).statusCode, 400, 'once')
})
