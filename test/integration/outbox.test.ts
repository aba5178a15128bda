// The transactional outbox (issue 8, DESIGN section 7 "no event is lost, even when the process dies
// between the database write and the publish"): an event is stored by the very transaction that makes
// the change it reports, so a change never exists without its event, and a change that does not
// happen leaves none; the relay publishes from the outbox table's stream, reports a failed publish as
// a partial batch failure (the stream retries from it), and skips what was already relayed.
import t, { type Test } from 'tap'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { documentClient } from '../../src/composition/builders'
import type { PendingEvent } from '../../src/ports/outbox'
import { build } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')

async function setup(t: Test) {
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: '120' } })
  const shop = await openShop(app, runtime, adminEmail)
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  const outbox = async (): Promise<PendingEvent[]> =>
    ((await documents.send(new ScanCommand({ TableName: runtime.config.OUTBOX_TABLE, ConsistentRead: true }))).Items ?? []) as PendingEvent[]
  const faults = async (changes: Record<string, string>) => {
    const res = await app.inject({ method: 'POST', url: '/_local/faults', payload: changes })
    if (res.statusCode !== 200) throw new Error(`POST /_local/faults: ${res.statusCode} ${res.body}`)
  }
  return { app, runtime, shop, outbox, faults }
}

t.test('a change and its event are one write: while the bus is down the events wait in the outbox, then go out once', async (t) => {
  const { app, runtime, shop, outbox, faults } = await setup(t)
  const product = await shop.createProduct({ stock: 5 })
  const customer = await shop.customer()
  await runtime.idle()
  t.same(await outbox(), [], 'nothing waiting before')

  await faults({ 'events.publish': 'fail' })
  const placed = await shop.place(customer.token, [{ productId: product.id, quantity: 1 }])
  t.equal(placed.statusCode, 201, 'the order is taken although nothing can be published')
  const orderId = (placed.body.order as { id: string }).id
  await runtime.idle()
  const waiting = await outbox()
  const created = waiting.find((entry) => entry.event.eventType === 'ORDER_CREATED' && entry.event.data.orderId === orderId)
  t.ok(created, 'ORDER_CREATED was stored with the order')
  t.equal(created?.topicArn, runtime.config.ORDER_EVENTS_TOPIC_ARN)
  t.ok((created?.attempts ?? 0) >= 1, 'the relay tried and failed; the event stayed')
  // The saga ran meanwhile (it does not wait for events): its status change is waiting too.
  t.ok(waiting.some((entry) => entry.event.eventType === 'ORDER_STATUS_UPDATED' && entry.event.data.orderId === orderId && entry.event.data.status === 'awaiting_payment'))

  await faults({ 'events.publish': 'ok' })
  // The stream path gave up on them while the bus was down; the scheduled backstop publishes them.
  const relayed = (await runtime.workers['outbox-relay']?.({})) as { published: number; failed: number }
  t.equal(relayed.failed, 0)
  t.ok(relayed.published >= 2, `published ${relayed.published}`)
  await runtime.idle()
  t.same(await outbox(), [], 'nothing left waiting')
  t.same(await runtime.workers['outbox-relay']?.({}), { published: 0, failed: 0 }, 'each event went out once')

  // A change that does not happen writes no event: cancelling twice moves the order once.
  t.equal((await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })).statusCode, 200)
  await runtime.idle() // its event goes out before the bus fails again
  await faults({ 'events.publish': 'fail' })
  t.equal((await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: bearer(customer.token) })).statusCode, 409)
  await runtime.idle()
  t.same(
    (await outbox()).filter((entry) => entry.event.eventType === 'ORDER_STATUS_UPDATED' && entry.event.data.orderId === orderId),
    [],
    'the refused cancel stored no status event'
  )
})

t.test('the stream relay: a failed publish is a partial batch failure from that record on; done and foreign records are skipped', async (t) => {
  const { runtime, outbox, faults } = await setup(t)
  const customer = uniqueEmail('relay')
  await faults({ 'events.publish': 'fail' })
  const registered = await runtime.services.auth.register({ email: customer, password: 'correct horse battery', firstName: 'A', lastName: 'B' }, 'corr-relay', '127.0.0.1')
  await runtime.idle()
  const [stored] = (await outbox()).filter((entry) => entry.event.eventType === 'USER_CREATED' && entry.event.data.userId === registered.id)
  t.ok(stored, 'USER_CREATED stored with the account')
  const eventId = stored?.event.eventId as string
  const record = (eventName: string, id: string, sequence: string) => ({ eventName, dynamodb: { Keys: { eventId: { S: id } }, SequenceNumber: sequence } })
  const relay = runtime.workers['outbox-relay'] as (event: unknown) => Promise<unknown>

  t.same(
    await relay({ Records: [record('REMOVE', 'gone', '1'), record('INSERT', eventId, '2'), record('INSERT', 'later', '3')] }),
    { batchItemFailures: [{ itemIdentifier: '2' }] },
    'the bus is down: retry from the failed record'
  )
  await faults({ 'events.publish': 'ok' })
  t.same(await relay({ Records: [record('INSERT', eventId, '2'), record('MODIFY', eventId, '4')] }), { batchItemFailures: [] })
  t.same(await outbox(), [], 'published and removed')
  t.same(await relay({ Records: [record('INSERT', eventId, '2')] }), { batchItemFailures: [] }, 'a redelivered record of a relayed event is skipped')
  await runtime.idle()
  t.equal(runtime.mailbox.messages().filter((message) => message.to === customer).length, 1, 'one verification email')
})
