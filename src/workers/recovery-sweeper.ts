// Lambda entry of the recovery sweeper (template.yaml: RecoverySweeperFunction).
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker('recovery-sweeper')
