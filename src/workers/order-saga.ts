// Lambda entry of the order saga's task handler (template.yaml: OrderSagaFunction).
// Imports its own composition root only, so its bundle carries what this worker uses and nothing else.
import '../quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { composeOrderSaga } from '../composition/order-saga'
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker(() => composeOrderSaga())
