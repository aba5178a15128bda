// Lambda entry of the recovery sweeper (template.yaml: RecoverySweeperFunction).
// Imports its own composition root only, so its bundle carries what this worker uses and nothing else.
import '../quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { composeRecoverySweeper } from '../composition/recovery-sweeper'
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker(() => composeRecoverySweeper())
