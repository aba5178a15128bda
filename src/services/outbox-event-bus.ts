// The event bus the services use: publishes through the real bus (SNS, or the local one) and, when
// that fails after the caller's database write, keeps the event in the outbox instead of failing the
// request; the outbox relay (a scheduled worker) publishes it later. Consumers are idempotent, so a
// late or repeated event is harmless. What remains uncovered: a process that dies between its
// database write and this call.
import type { Logger } from '../logger'
import type { EventBus, EventEnvelope } from '../ports/event-bus'
import type { Outbox } from '../ports/outbox'

export interface RelayResult {
  published: number
  failed: number
}

export class OutboxEventBus implements EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly outbox: Outbox,
    private readonly logger: Logger
  ) {}

  async publish(topicArn: string, event: EventEnvelope): Promise<void> {
    try {
      await this.bus.publish(topicArn, event)
    } catch (error) {
      // If this write fails too, the error reaches the caller, which must then not report success.
      await this.outbox.save({ topicArn, event, deferredAt: Date.now(), attempts: 1 })
      this.logger.warn({ err: error, eventId: event.eventId, eventType: event.eventType, correlationId: event.correlationId }, 'publish failed; event kept in the outbox')
    }
  }

  /** Publishes deferred events, oldest first; those that fail again stay for the next run. */
  async relay(limit = 100): Promise<RelayResult> {
    const result: RelayResult = { published: 0, failed: 0 }
    for (const pending of await this.outbox.pending(limit)) {
      try {
        await this.bus.publish(pending.topicArn, pending.event)
        await this.outbox.remove(pending.event.eventId)
        result.published += 1
      } catch (error) {
        await this.outbox.failed(pending.event.eventId)
        this.logger.warn({ err: error, eventId: pending.event.eventId, attempts: pending.attempts + 1 }, 'outbox relay: publish failed again')
        result.failed += 1
      }
    }
    return result
  }
}
