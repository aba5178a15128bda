// Composition root of the recovery sweeper (src/workers/recovery-sweeper.ts): the saga's services
// (it settles orders with the saga's own steps) plus its grace period.
import { configSchema, loadConfigOf, RecoverySlice } from '../config'
import { createLogger } from '../logger'
import { createRecoverySweeperWorker } from '../workers/recovery-sweeper-worker'
import type { WorkerFunction } from '../workers/index'
import { withAwsMode } from './builders'
import { SagaSlices, sagaServices } from './saga'
import { withSecrets } from './secrets'
import { recoverySweeper } from './services'

export const RecoverySweeperConfigSchema = configSchema(...SagaSlices, RecoverySlice)

export async function composeRecoverySweeper(env: NodeJS.ProcessEnv = process.env): Promise<WorkerFunction> {
  const config = loadConfigOf(RecoverySweeperConfigSchema, await withSecrets(RecoverySweeperConfigSchema, withAwsMode(env)))
  const logger = createLogger(config)
  const { orders, workflow, payments, saga, metrics } = sagaServices(config, logger)
  return createRecoverySweeperWorker(recoverySweeper({ orders, workflow, payments, saga }, config, logger, metrics), logger)
}
