// The event bus the services use. Publishing an event means writing it to the outbox (durably, before
// the caller reports success); the relay publishes it to the real bus (SNS, or the local one) from
// the outbox table's stream, and a scheduled run catches anything the stream path gave up on.
// Changes that report an event write it in their own transaction instead (OutboxEntry values handed
// to the repositories), so no crash can separate a change from its event. At least once: consumers
// are idempotent.
import type { EventBus, EventEnvelope } from '../ports/event-bus'
import { NO_METRICS, type Metrics } from '../ports/metrics'
import type { Outbox } from '../ports/outbox'

/** The one logging call the relay makes; the process logger (pino) fits it, without services depending on it. */
interface RelayLog {
  warn(details: Record<string, unknown>, message: string): void
}

export interface RelayResult {
  published: number
  failed: number
}

export class OutboxEventBus implements EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly outbox: Outbox,
    private readonly logger: RelayLog,
    private readonly metrics: Metrics = NO_METRICS,
    private readonly now: () => number = Date.now
  ) {}

  /** For an event that is not part of another write: stored now, published by the relay. */
  async publish(topicArn: string, event: EventEnvelope): Promise<void> {
    await this.outbox.save({ topicArn, event })
  }

  /**
   * Publishes one stored event and removes it; false if it is gone already (published by another
   * relay run). Throws if the publish failed (the event stays for a retry).
   */
  async relayEvent(eventId: string): Promise<boolean> {
    const pending = await this.outbox.get(eventId)
    if (!pending) return false
    try {
      await this.bus.publish(pending.topicArn, pending.event)
    } catch (error) {
      await this.outbox.failed(eventId)
      this.metrics.count('EventsDeferred', 1, { eventType: pending.event.eventType })
      this.logger.warn({ err: error, eventId, eventType: pending.event.eventType, attempts: pending.attempts + 1 }, 'outbox relay: publish failed')
      throw error
    }
    await this.outbox.remove(eventId)
    return true
  }

  /** The scheduled backstop: publishes every stored event, oldest first; those that fail stay for the next run. */
  async relay(limit = 100): Promise<RelayResult> {
    const result: RelayResult = { published: 0, failed: 0 }
    const stored = await this.outbox.pending(limit)
    // Sampled every run, zero included (the alarms on them read a continuous series): what the stream
    // path left for this backstop, and how long the oldest of it has waited. Capped at `limit`.
    const oldest = stored[0]
    this.metrics.count('OutboxBacklog', stored.length)
    this.metrics.count('OutboxOldestEventAge', oldest ? Math.max(0, Math.round((this.now() - oldest.writtenAt) / 1000)) : 0)
    for (const pending of stored) {
      try {
        if (await this.relayEvent(pending.event.eventId)) result.published += 1
      } catch {
        result.failed += 1
      }
    }
    return result
  }
}
