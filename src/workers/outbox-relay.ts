// Lambda entry of the outbox relay (template.yaml: OutboxRelayFunction).
// Imports its own composition root only, so its bundle carries what this worker uses and nothing else.
import '../quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { composeOutboxRelay } from '../composition/outbox-relay'
import { lambdaWorker } from './lambda-entry'

export const handler = lambdaWorker(() => composeOutboxRelay())
