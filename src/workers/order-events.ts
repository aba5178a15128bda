// Lambda entry of the order-events worker (template.yaml: OrderEventsFunction).
// Imports its own composition root only, so its bundle carries what this worker uses and nothing else.
import '../quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { composeOrderEvents } from '../composition/order-events'
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker(() => composeOrderEvents())
