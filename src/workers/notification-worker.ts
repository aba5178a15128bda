// SQS consumer of the notification queue: hands each event to the notification service.
import type { Logger } from '../logger'
import type { NotificationService } from '../services/notification-service'
import { createSqsWorker, type SqsWorker } from './sqs-worker'

export function createNotificationWorker(notifications: NotificationService, logger: Logger): SqsWorker {
  return createSqsWorker({
    name: 'notification',
    logger,
    async handle(envelope, _record, log) {
      const sent = await notifications.handle(envelope)
      log.info({ sent }, sent ? 'notification sent' : 'nothing to send (duplicate or not a notifying event)')
    }
  })
}
