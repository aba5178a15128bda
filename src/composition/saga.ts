// The services behind the order saga, shared by the two roots that run its steps: the saga's task
// handler (order-saga) and the recovery sweeper, which settles stranded orders with the same steps.
// Neither lists anything, signs a token nor sends an email, so neither gets JWT_SECRET (see the
// stand-in below) nor the mail settings.
import { randomBytes } from 'node:crypto'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { configSchema, OrdersSlice, OutboxSlice, PaymentsSlice, StripeSlice, type Config } from '../config'
import type { Logger } from '../logger'
import { CursorCodec } from '../services/cursor'
import type { OrderSaga } from '../services/order-saga'
import type { PaymentService } from '../services/payment-service'
import type { Metrics } from '../ports/metrics'
import type { OrderRepository } from '../ports/order-repository'
import type { WorkflowRunner } from '../ports/workflow'
import { sfnWorkflow, snsEventBus } from './aws-clients'
import { awsDynamoDb, emfMetrics, orderRepository, outboxEventBus } from './builders'
import { orderSaga, orderService, paymentService } from './services'
import { stripeGateway } from './stripe'

/** What the saga's steps read: orders, payments (reconcile, refunds). No mail: the notification worker sends the order emails. */
export const SagaSlices = [OutboxSlice, OrdersSlice, PaymentsSlice, StripeSlice] as const
export const SagaConfigSchema = configSchema(...SagaSlices)

type SagaConfig = Pick<Config, keyof typeof SagaConfigSchema.properties>

export interface SagaServices {
  orders: OrderRepository
  workflow: WorkflowRunner
  payments: PaymentService
  saga: OrderSaga
  metrics: Metrics
}

/**
 * The saga's workers never list anything: the OrderService they build never signs or reads a
 * cursor. A key of this process only, so were a cursor ever made here, no other function accepts it.
 */
function processLocalCursorCodec(): CursorCodec {
  return new CursorCodec(randomBytes(32).toString('hex'))
}

export function sagaServices(config: SagaConfig, logger: Logger): SagaServices {
  const { documents } = awsDynamoDb(config)
  const metrics = emfMetrics(config)
  const events = outboxEventBus(documents, snsEventBus(config), config, logger, metrics)
  const workflow = sfnWorkflow(config)
  const orders = orderRepository(documents, config)
  const products = new DynamoProductRepository(documents, config.PRODUCTS_TABLE)
  const payments = paymentService(documents, orders, stripeGateway(config), events, config, metrics)
  const orderSteps = orderService(orders, async (ids) => [...(await products.getMany(ids)).values()], events, workflow, processLocalCursorCodec(), payments, config, metrics)
  const saga = orderSaga({ orders, orderService: orderSteps, payments, workflow, events }, config)
  return { orders, workflow, payments, saga, metrics }
}
