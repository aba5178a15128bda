// Composition root of the saga's task handler (src/workers/order-saga.ts).
import { loadConfigOf } from '../config'
import { createLogger } from '../logger'
import { createOrderSagaWorker } from '../workers/order-saga-worker'
import type { WorkerFunction } from '../workers/index'
import { withAwsMode } from './builders'
import { SagaConfigSchema, sagaServices } from './saga'
import { withSecrets } from './secrets'

export const OrderSagaConfigSchema = SagaConfigSchema

export async function composeOrderSaga(env: NodeJS.ProcessEnv = process.env): Promise<WorkerFunction> {
  const config = loadConfigOf(OrderSagaConfigSchema, await withSecrets(OrderSagaConfigSchema, withAwsMode(env)))
  const logger = createLogger(config)
  return createOrderSagaWorker(sagaServices(config, logger).saga, logger)
}
