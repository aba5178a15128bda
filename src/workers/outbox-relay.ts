// Lambda entry of the outbox relay (template.yaml: OutboxRelayFunction).
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker('outbox-relay')
