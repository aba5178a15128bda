// Lambda entry of the notification worker (template.yaml: NotificationFunction).
// Imports its own composition root only, so its bundle carries what this worker uses and nothing else.
import '../quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { composeNotification } from '../composition/notification'
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker(() => composeNotification())
