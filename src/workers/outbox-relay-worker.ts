// Scheduled worker (template.yaml: OutboxRelayFunction, every minute): publishes events whose first
// publish failed.
import type { Logger } from '../logger'
import type { OutboxEventBus } from '../services/outbox-event-bus'

export function createOutboxRelayWorker(events: OutboxEventBus, logger: Logger) {
  return async (): Promise<unknown> => {
    const result = await events.relay()
    if (result.published || result.failed) logger.info({ worker: 'outbox-relay', ...result }, 'outbox relayed')
    return result
  }
}
