// The worker functions (SQS consumers, Step Functions tasks), built from the shared services. Keyed
// by the bundle name, which is also the `Handler` file name in template.yaml (e.g. `notification` for
// `Handler: notification.handler`): the embedded runtime invokes them in-process by that name, and
// each src/workers/<name>.ts Lambda entry looks itself up here.
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
