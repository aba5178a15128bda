// The services behind the order saga, shared by the two roots that run its steps: the saga's task
// handler (order-saga) and the recovery sweeper, which settles stranded orders with the same steps.
// Neither lists anything nor signs a token, so neither gets JWT_SECRET (see the stand-ins below).
import { randomBytes } from 'node:crypto'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { configSchema, MailSlice, OrdersSlice, OutboxSlice, PaymentsSlice, StripeSlice, type Config } from '../config'
import type { Logger } from '../logger'
import { CursorCodec } from '../services/cursor'
import type { EmailVerificationTokens } from '../services/notification-service'
import type { OrderSaga } from '../services/order-saga'
import type { PaymentService } from '../services/payment-service'
import type { OrderRepository } from '../ports/order-repository'
import type { WorkflowRunner } from '../ports/workflow'
import { sesMailer, sfnWorkflow, snsEventBus } from './aws-clients'
import { awsDynamoDb, orderRepository, outboxEventBus } from './builders'
import { notificationService, orderSaga, orderService, paymentService } from './services'
import { stripeGateway } from './stripe'

/** What the saga's steps read: orders, payments (reconcile, refunds), order emails. */
export const SagaSlices = [OutboxSlice, OrdersSlice, PaymentsSlice, StripeSlice, MailSlice] as const
export const SagaConfigSchema = configSchema(...SagaSlices)

type SagaConfig = Pick<Config, keyof typeof SagaConfigSchema.properties>

export interface SagaServices {
  orders: OrderRepository
  workflow: WorkflowRunner
  payments: PaymentService
  saga: OrderSaga
}

/**
 * The saga's workers never list anything: the OrderService they build never signs or reads a
 * cursor. A key of this process only, so were a cursor ever made here, no other function accepts it.
 */
function processLocalCursorCodec(): CursorCodec {
  return new CursorCodec(randomBytes(32).toString('hex'))
}

/** The saga sends order emails, never a verification email (the notification worker handles USER_CREATED). */
const NO_EMAIL_VERIFICATION: EmailVerificationTokens = {
  emailVerificationToken() {
    throw new Error('this function does not sign tokens (it has no JWT_SECRET); verification emails are sent by the notification worker')
  }
}

export function sagaServices(config: SagaConfig, logger: Logger): SagaServices {
  const { documents } = awsDynamoDb(config)
  const events = outboxEventBus(documents, snsEventBus(config), config, logger)
  const workflow = sfnWorkflow(config)
  const orders = orderRepository(documents, config)
  const products = new DynamoProductRepository(documents, config.PRODUCTS_TABLE)
  const payments = paymentService(documents, orders, stripeGateway(config), events, config)
  const orderSteps = orderService(orders, async (ids) => [...(await products.getMany(ids)).values()], events, workflow, processLocalCursorCodec(), payments, config)
  const notifications = notificationService(documents, sesMailer(config), NO_EMAIL_VERIFICATION, config)
  const saga = orderSaga({ orders, orderService: orderSteps, notifications, payments, workflow, events }, config)
  return { orders, workflow, payments, saga }
}
