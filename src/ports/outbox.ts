// Port: events whose publish failed, kept until a relay publishes them (so a bus outage after a
// database write loses no event).
import type { EventEnvelope } from './event-bus'

export interface PendingEvent {
  topicArn: string
  event: EventEnvelope
  /** Epoch ms when it was deferred; the relay publishes oldest first. */
  deferredAt: number
  attempts: number
}

export interface Outbox {
  save(pending: PendingEvent): Promise<void>
  /** Up to `limit` pending events, oldest first. */
  pending(limit: number): Promise<PendingEvent[]>
  /** Removes a published event. */
  remove(eventId: string): Promise<void>
  /** Records one more failed attempt. */
  failed(eventId: string): Promise<void>
}
