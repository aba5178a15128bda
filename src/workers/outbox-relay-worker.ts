// Outbox relay (template.yaml: OutboxRelayFunction). Two triggers:
// - the outbox table's stream (KEYS_ONLY): each inserted event is published in order; the first that
//   fails is reported in `batchItemFailures`, so the stream retries from it and nothing after it is
//   published out of order;
// - a schedule (every minute): the backstop, publishing whatever is still stored.
import type { Logger } from '../logger'
import type { OutboxEventBus } from '../services/outbox-event-bus'

interface StreamRecord {
  eventName?: string
  dynamodb?: { Keys?: { eventId?: { S?: string } }; SequenceNumber?: string }
}

function isStreamEvent(event: unknown): event is { Records: StreamRecord[] } {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records)
}

export function createOutboxRelayWorker(events: OutboxEventBus, logger: Logger) {
  return async (event: unknown): Promise<unknown> => {
    if (!isStreamEvent(event)) {
      const result = await events.relay()
      if (result.published || result.failed) logger.info({ worker: 'outbox-relay', ...result }, 'outbox relayed (scheduled)')
      return result
    }
    for (const record of event.Records) {
      // Only inserts carry new events; the relay's own updates (attempt counts) and deletes do not.
      const eventId = record.dynamodb?.Keys?.eventId?.S
      if (record.eventName !== 'INSERT' || !eventId) continue
      try {
        await events.relayEvent(eventId)
      } catch {
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] }
      }
    }
    return { batchItemFailures: [] }
  }
}
