// Lambda entry of the order saga's task handler (template.yaml: OrderSagaFunction).
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker('order-saga')
