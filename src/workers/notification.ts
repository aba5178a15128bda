// Lambda entry of the notification worker (template.yaml: NotificationFunction).
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker('notification')
