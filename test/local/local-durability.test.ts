// Local durability (--persist, DESIGN section 4 "Durable when asked"): the Stripe simulator's account
// and the Step Functions runner's executions survive a restart, as DynamoDB Local's data does. An
// order waiting for payment before a restart is confirmed by a payment after it, and an unpaid one
// still times out at the end of the window it had.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app'
import { DynamoProductRepository } from '../../src/adapters/dynamodb/product-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { DurableMap } from '../../src/local/durable-map'
import { silentLog } from '../../src/local/log'
import { startEmbeddedRuntime } from '../../src/local/runtime'
import { startStripeSimulator, type StripeSimulator } from '../../src/local/stripe/simulator'
import { createStripeGateway } from '../../src/adapters/stripe/stripe-gateway'
import { documentClient } from '../../src/composition/builders'
import { createLogger } from '../../src/logger'
import { PaymentGatewayError } from '../../src/ports/payment-gateway'
import { projectRoot } from '../helpers/build'
import { LogCapture } from '../helpers/log-capture'
import { openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

/** A fresh folder, removed after the test. */
function dataFolder(t: Test, prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  return folder
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('DurableMap: what write() returned is kept; a line cut short by a crash is ignored, the rest kept', async (t) => {
  const folder = dataFolder(t, 'durable-map-')
  const map = new DurableMap<{ n: number }>(folder, 'things')
  map.set('a', { n: 1 })
  map.write([['b', { n: 2 }], ['c', { n: 3 }]])
  map.delete('a')
  // No close(): as if the process died here, with half of a last write on disk.
  appendFileSync(join(folder, 'things.jsonl'), '[["d",{"n":')
  const warnings: Array<{ obj: object; msg: string }> = []
  const reopened = new DurableMap<{ n: number }>(folder, 'things', { ...silentLog, warn: (obj, msg) => void warnings.push({ obj, msg }) })
  t.same([...reopened], [['b', { n: 2 }], ['c', { n: 3 }]])
  t.match(warnings, [{ obj: { line: 4 }, msg: /line 4 is not whole/ }])
  reopened.close()
  map.close()
  t.same([...new DurableMap<{ n: number }>(folder, 'things')], [['b', { n: 2 }], ['c', { n: 3 }]], 'and so after the fold into a snapshot')
})

t.test('Stripe simulator: PaymentIntents, refunds, idempotent answers and owed webhooks survive a restart', async (t) => {
  const dataDir = dataFolder(t, 'stripe-state-')
  const started: StripeSimulator[] = []
  const start = async (dir: string, webhookDelayMs = 0) => {
    const simulator = await startStripeSimulator({ dataDir: dir, webhookDelayMs })
    started.push(simulator)
    const gateway = createStripeGateway({ secretKey: 'sk_test_durable', webhookSecret: simulator.webhookSecret, host: simulator.host, port: simulator.port, protocol: 'http' })
    return { simulator, gateway }
  }
  t.teardown(() => Promise.all(started.map((simulator) => simulator.close())))
  const payment = { amount: 4200, currency: 'usd', paymentMethodId: 'pm_card_visa', idempotencyKey: 'pay-order-1', metadata: { orderId: 'order-1', paymentId: 'p-1', userId: 'u-1' } }

  // Webhooks held back a minute: they are still owed when the simulator stops.
  const first = await start(dataDir, 60_000)
  const received: string[] = []
  first.simulator.deliver = async () => ({ statusCode: 200 })
  const charged = await first.gateway.createPayment(payment)
  t.equal(charged.status, 'succeeded')
  // Right after the answer, before anything else: the files as a SIGKILL would leave them.
  const crashCopy = dataFolder(t, 'stripe-crash-')
  cpSync(dataDir, crashCopy, { recursive: true })
  await first.simulator.close()

  const second = await start(dataDir)
  t.equal(second.simulator.createdCount, 1, 'the PaymentIntent is back')
  const replayed = await second.gateway.createPayment(payment)
  t.equal(replayed.id, charged.id, 'the same idempotency key replays the same PaymentIntent')
  t.equal(second.simulator.createdCount, 1, 'no second charge')
  const misuse = await second.gateway.createPayment({ ...payment, amount: 1 }).catch((error: unknown) => error)
  t.ok(misuse instanceof PaymentGatewayError && misuse.kind === 'idempotency', 'the key still remembers its parameters')
  t.equal((await second.gateway.getPayment(charged.id)).status, 'succeeded', 'retrieved after the restart')
  second.simulator.deliver = async (payload) => {
    received.push((JSON.parse(payload) as { type: string; data: { object: { id: string } } }).type)
    return { statusCode: 200 }
  }
  await second.simulator.idle()
  t.same(received.sort(), ['payment_intent.succeeded'], 'the webhook owed from before the restart is delivered once there is an endpoint')
  const refund = await second.gateway.refund({ paymentIntentId: charged.id, idempotencyKey: 'refund-order-1' })
  t.equal(refund.status, 'succeeded', 'refunded after the restart')
  await second.simulator.close()

  const third = await start(dataDir)
  t.equal(third.simulator.refunds().length, 1, 'the refund is kept')
  t.equal((await third.gateway.refund({ paymentIntentId: charged.id, idempotencyKey: 'refund-order-1' })).id, refund.id, 'and its idempotent answer')
  t.equal(third.simulator.refunds().length, 1)
  const sent: string[] = []
  third.simulator.deliver = async (payload) => {
    sent.push(payload)
    return { statusCode: 200 }
  }
  await third.simulator.idle()
  t.ok(!sent.some((payload) => payload.includes('payment_intent.succeeded')), 'a webhook delivered is not owed any more')

  const crashed = await start(crashCopy)
  t.equal(crashed.simulator.paymentIntents()[0]?.id, charged.id, 'an answered request was on disk the moment it was answered')
  t.equal((await crashed.gateway.createPayment(payment)).id, charged.id)
  t.equal(crashed.simulator.createdCount, 1)
})

t.test('embedded runtime with a data folder: sagas in flight resume after a restart, keeping their payment window', async (t) => {
  const dataDir = dataFolder(t, 'embedded-durable-')
  const adminEmail = uniqueEmail('admin')
  const windowSeconds = 20
  const env = {
    ...process.env,
    BCRYPT_COST: '4',
    ADMIN_EMAILS: adminEmail,
    PAYMENT_WINDOW_SECONDS: String(windowSeconds),
    // A fixed signing secret, so the customer's token outlives the restart.
    JWT_SECRET: 'durability-test-secret-0123456789abcdef',
    LOCAL_DATA_DIR: join(dataDir, 'dynamodb'),
    LOCAL_STATE_DIR: ''
  }
  const logs = new LogCapture()
  const start = async () => {
    const runtime = await startEmbeddedRuntime({
      projectRoot,
      env,
      logger: createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'local' }, logs),
      stackName: 'durable',
      messaging: { redeliveryDelayMs: 20 },
      seedDemoCatalog: false
    })
    const app = await buildApp({ config: runtime.config, services: runtime.services, authenticate: runtime.authenticate, logger: runtime.logger, localRoutes: runtime.localRoutes })
    await app.ready()
    runtime.stripe.deliver = async (payload, headers) => ({ statusCode: (await app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers })).statusCode })
    let closed = false
    const close = async () => {
      if (closed) return
      closed = true
      await app.close()
      await runtime.close()
    }
    t.teardown(close)
    return { app, runtime, close }
  }
  let keys = 0
  const pay = (app: Awaited<ReturnType<typeof start>>['app'], token: string, orderId: string) =>
    app.inject({ method: 'POST', url: '/payments', headers: { ...bearer(token), 'idempotency-key': `durable-${++keys}` }, payload: { orderId, paymentMethodId: 'pm_card_visa' } })
  const orderOf = async (app: Awaited<ReturnType<typeof start>>['app'], token: string, orderId: string) =>
    (await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers: bearer(token) })).json().order as { status: string; cancelReason?: string }

  const first = await start()
  t.equal(first.runtime.stateDir, dataDir, 'kept next to DynamoDB Local’s folder by default')
  const shop = await openShop(first.app, first.runtime, adminEmail)
  const product = await shop.createProduct({ stock: 10 })
  const customer = await shop.customer()
  const place = async () => {
    const placed = await shop.place(customer.token, [{ productId: product.id, quantity: 1 }])
    const orderId = (placed.body.order as { id: string }).id
    const order = await shop.settled(orderId)
    if (order.status !== 'awaiting_payment') throw new Error(`order ${orderId} is ${order.status}`)
    return orderId
  }
  const done = await place()
  t.equal((await pay(first.app, customer.token, done)).statusCode, 200)
  await shop.finished(done)
  const paidLater = await place()
  const unpaid = await place()
  const awaitingSince = Date.now()
  await sleep(4000) // part of the payment window passes before the restart
  await first.close() // stops everything; executions in flight are not marked as ended

  const second = await start()
  const restartedAt = Date.now()
  const { workflow } = second.runtime
  const stateMachineArn = second.runtime.config.ORDER_STATE_MACHINE_ARN
  t.same(await workflow.describe(stateMachineArn, done), { status: 'SUCCEEDED' }, 'an ended execution is known as ended')
  t.same(await workflow.describe(stateMachineArn, paidLater), { status: 'RUNNING' }, 'one in flight is running again')
  t.ok(logs.lines.some((line) => line.msg === 'workflow executions resumed' && line.executions === 2), 'both in-flight sagas resumed')
  await second.runtime.idle() // the resumed AwaitPayment has stored its new task token

  const paid = await pay(second.app, customer.token, paidLater)
  t.equal(paid.statusCode, 200, paid.body)
  t.equal(paid.json().status, 'succeeded')
  const confirmed = await workflow.finished(workflow.executions().find((execution) => execution.name === paidLater)?.executionArn as string)
  t.equal(confirmed.status, 'SUCCEEDED')
  t.equal((await orderOf(second.app, customer.token, paidLater)).status, 'confirmed', 'paid after the restart: confirmed')

  await workflow.finished(workflow.executions().find((execution) => execution.name === unpaid)?.executionArn as string)
  const cancelledAt = Date.now()
  t.match(await orderOf(second.app, customer.token, unpaid), { status: 'cancelled', cancelReason: 'payment_timeout' }, 'unpaid: still times out')
  t.ok(
    cancelledAt - awaitingSince < (windowSeconds + 2.5) * 1000,
    `at the end of the window it had (${cancelledAt - awaitingSince} ms after it began; ${cancelledAt - restartedAt} ms after the restart), not a new window`
  )
  await second.runtime.idle()

  const products = new DynamoProductRepository(documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(second.runtime.dynamodbEndpoint))), second.runtime.config.PRODUCTS_TABLE)
  t.match(await products.get(product.id), { stock: 8, reserved: 0, available: 8 }, 'two sold, the unpaid one’s unit back on sale, none held')
  t.equal(second.runtime.stripe.paymentIntents().length, 2, 'the simulator knows both charges, the one from before the restart too')
})
