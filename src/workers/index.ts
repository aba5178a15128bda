// Every worker function (SQS consumers, Step Functions tasks, scheduled jobs), built from the full
// set of services: the embedded runtime's (src/composition/all.ts), which invokes them in-process by
// name. Keyed by the bundle name, which is also the `Handler` file name in template.yaml (e.g.
// `notification` for `Handler: workers/notification.handler`). On AWS each src/workers/<name>.ts
// entry composes its own worker instead (src/composition/<name>.ts), never this set.
import type { Logger } from '../logger'
import type { Services } from '../services/index'
import { createNotificationWorker } from './notification-worker'
import { createOrderEventsWorker } from './order-events-worker'
import { createOrderSagaWorker } from './order-saga-worker'
import { createOutboxRelayWorker } from './outbox-relay-worker'
import { createRecoverySweeperWorker } from './recovery-sweeper-worker'

export type WorkerFunction = (event: unknown) => Promise<unknown>

export type Workers = Record<string, WorkerFunction>

export function createWorkers(services: Services, logger: Logger): Workers {
  return {
    notification: createNotificationWorker(services.notifications, logger) as WorkerFunction,
    'order-saga': createOrderSagaWorker(services.saga, logger),
    'order-events': createOrderEventsWorker(services.saga, logger) as WorkerFunction,
    'outbox-relay': createOutboxRelayWorker(services.events, logger),
    'recovery-sweeper': createRecoverySweeperWorker(services.recovery, logger)
  }
}
