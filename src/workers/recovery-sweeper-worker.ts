// Scheduled worker (template.yaml: RecoverySweeperFunction): settles orders stranded by a crash or a
// failed saga, and completes refunds that are due. See services/recovery-sweeper.ts.
import { randomUUID } from 'node:crypto'
import type { Logger } from '../logger'
import type { RecoverySweeper } from '../services/recovery-sweeper'

export function createRecoverySweeperWorker(sweeper: RecoverySweeper, logger: Logger) {
  return async (): Promise<unknown> => {
    const correlationId = `recovery-${randomUUID()}`
    const result = await sweeper.sweep(correlationId)
    const { examined, started, settled, deferred, refunds } = result
    if (started || settled || deferred || refunds.completed || refunds.pending || refunds.failed) {
      logger.info({ worker: 'recovery-sweeper', correlationId, examined, started, settled, deferred, refunds }, 'recovery sweep')
    }
    return result
  }
}
