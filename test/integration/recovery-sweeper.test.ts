// The recovery sweeper on the embedded runtime: an order whose saga never started gets one; an order
// whose saga ended without settling it is settled as the timeout path would (confirmed if paid,
// otherwise cancelled with its stock released). The crash test (test/process/crash-recovery.test.ts) covers
// the same through real SIGKILLs.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoOrderRepository } from '../../src/adapters/dynamodb/order-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { documentClient } from '../../src/composition/builders'
import type { Order } from '../../src/domain/order'
import type { WorkflowRunner } from '../../src/ports/workflow'
import { RecoverySweeper } from '../../src/services/recovery-sweeper'
import { build } from '../helpers/build'
import { ADDRESS, openShop } from '../helpers/orders'
import { bearer, uniqueEmail } from '../helpers/users'

const adminEmail = uniqueEmail('admin')
const WINDOW_SECONDS = 120

async function setup(t: Test) {
  const { app, runtime } = await build(t, {
    env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: String(WINDOW_SECONDS), RECOVERY_GRACE_SECONDS: '0' }
  })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ price: 1500, stock: 10 })
  const customer = await shop.customer()
  const orders = new DynamoOrderRepository(
    documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint))),
    runtime.config.ORDERS_TABLE,
    runtime.config.PRODUCTS_TABLE
  )
  /** A sweeper on the runtime's real services that sees every saga as having ended in `status`. */
  const sweeperSeeing = (status: 'FAILED' | 'SUCCEEDED') => {
    const workflow: WorkflowRunner = { ...runtime.workflow, describe: async () => ({ status }) }
    return new RecoverySweeper(orders, workflow, runtime.services.saga, runtime.services.payments, {
      orderStateMachineArn: runtime.config.ORDER_STATE_MACHINE_ARN,
      paymentWindowSeconds: WINDOW_SECONDS,
      graceSeconds: 0
    })
  }
  const awaitingOrder = async (quantity: number) => shop.settled(await shop.payableOrder(customer.token, product.id, quantity))
  return { app, runtime, shop, product, customer, orders, sweeperSeeing, awaitingOrder }
}

const afterWindow = () => Date.now() + (WINDOW_SECONDS + 5) * 1000

t.test('an order stored without a saga (crash between write and start) gets its saga from the scheduled sweeper', async (t) => {
  const { runtime, shop, product, customer, orders } = await setup(t)
  const now = new Date(Date.now() - 1000).toISOString()
  const order: Order = {
    id: randomUUID(),
    userId: customer.userId,
    userEmail: 'someone@example.com',
    status: 'pending',
    items: [{ productId: product.id, name: product.name, unitPrice: 1500, quantity: 2, lineTotal: 3000 }],
    currency: 'usd',
    subtotal: 3000,
    total: 3000,
    shippingAddress: ADDRESS,
    reservation: 'none',
    createdAt: now,
    updatedAt: now
  }
  t.ok(await orders.create(order))
  t.equal(await runtime.workflow.describe(runtime.config.ORDER_STATE_MACHINE_ARN, order.id), undefined, 'no saga yet')

  const result = (await runtime.workers['recovery-sweeper']?.({})) as { started: number }
  t.equal(result.started, 1)
  const recovered = await shop.settled(order.id)
  t.equal(recovered.status, 'awaiting_payment', 'the saga reserved stock and waits for payment')
  t.equal((await shop.product(product.id)).reserved, 2)

  const again = (await runtime.workers['recovery-sweeper']?.({})) as { started: number }
  t.equal(again.started, 0, 'a running saga is left alone')
  t.equal(runtime.workflow.executions().filter((execution) => execution.name === order.id).length, 1)
})

t.test('an unpaid order whose saga ended without settling it is cancelled for payment_timeout and its stock released', async (t) => {
  const { shop, product, orders, sweeperSeeing, awaitingOrder } = await setup(t)
  const order = await awaitingOrder(3)
  t.equal((await shop.product(product.id)).available, 7)

  const early = await sweeperSeeing('FAILED').sweep('test', Date.now())
  t.equal(early.settled, 0, 'nothing is settled before its payment window ends')

  const result = await sweeperSeeing('FAILED').sweep('test', afterWindow())
  t.equal(result.settled, 1)
  const settled = await shop.settled(order.id)
  t.equal(settled.status, 'cancelled')
  t.equal(settled.cancelReason, 'payment_timeout')
  const stock = await shop.product(product.id)
  t.match(stock, { stock: 10, reserved: 0, available: 10 })
  t.equal((await orders.listByStatus('awaiting_payment', new Date().toISOString(), 10)).orders.filter((entry) => entry.id === order.id).length, 0)
})

t.test('a paid order whose saga could not be resumed is confirmed, not cancelled', async (t) => {
  const { app, runtime, shop, product, customer, orders, sweeperSeeing, awaitingOrder } = await setup(t)
  const order = await awaitingOrder(2)
  // The saga's callback token is lost (as after a crash of the runner): the payment cannot resume it.
  await orders.transition(order, { to: 'awaiting_payment', set: { paymentTaskToken: 'lost-token' } })
  const paid = await app.inject({
    method: 'POST',
    url: '/payments',
    headers: { ...bearer(customer.token), 'idempotency-key': `key-${randomUUID()}` },
    payload: { orderId: order.id, paymentMethodId: 'pm_card_visa' }
  })
  t.equal(paid.statusCode, 200)
  t.equal((await shop.settled(order.id)).status, 'awaiting_payment', 'nothing confirmed it')

  const result = await sweeperSeeing('FAILED').sweep('test', afterWindow())
  t.equal(result.settled, 1)
  const settled = await shop.settled(order.id)
  t.equal(settled.status, 'confirmed')
  t.equal(settled.paymentId, paid.json().paymentId)
  t.match(await shop.product(product.id), { stock: 8, reserved: 0, available: 8 })
  t.equal(runtime.stripe.refunds().length, 0, 'no refund')
})
