// Composition root of the recovery sweeper (src/workers/recovery-sweeper.ts): the saga's services
// (it settles orders with the saga's own steps) plus its grace period.
import { configSchema, loadConfigOf, RecoverySlice } from '../config'
import { createLogger } from '../logger'
import { createRecoverySweeperWorker } from '../workers/recovery-sweeper-worker'
import type { WorkerFunction } from '../workers/index'
import { withAwsMode } from './builders'
import { SagaSlices, sagaServices } from './saga'
import { recoverySweeper } from './services'

export const RecoverySweeperConfigSchema = configSchema(...SagaSlices, RecoverySlice)

export function composeRecoverySweeper(env: NodeJS.ProcessEnv = process.env): WorkerFunction {
  const config = loadConfigOf(RecoverySweeperConfigSchema, withAwsMode(env))
  const logger = createLogger(config)
  const { orders, workflow, payments, saga } = sagaServices(config, logger)
  return createRecoverySweeperWorker(recoverySweeper({ orders, workflow, payments, saga }, config, logger), logger)
}
