// Composition root of the order-events worker (src/workers/order-events.ts): a confirmed payment
// resumes the order's saga, which takes the orders table and Step Functions only.
import { configSchema, loadConfigOf, OrderTablesSlice } from '../config'
import { createLogger } from '../logger'
import { SagaPaymentResumption } from '../services/order-saga'
import { createOrderEventsWorker } from '../workers/order-events-worker'
import type { WorkerFunction } from '../workers/index'
import { sfnWorkflow } from './aws-clients'
import { awsDynamoDb, orderRepository, withAwsMode } from './builders'

export const OrderEventsConfigSchema = configSchema(OrderTablesSlice)

export function composeOrderEvents(env: NodeJS.ProcessEnv = process.env): WorkerFunction {
  const config = loadConfigOf(OrderEventsConfigSchema, withAwsMode(env))
  const logger = createLogger(config)
  const { documents } = awsDynamoDb(config)
  return createOrderEventsWorker(new SagaPaymentResumption(orderRepository(documents, config), sfnWorkflow(config)), logger) as WorkerFunction
}
