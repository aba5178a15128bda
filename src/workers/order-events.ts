// Lambda entry of the order-events worker (template.yaml: OrderEventsFunction).
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker('order-events')
