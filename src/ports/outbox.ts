// Port: the transactional outbox. Every event is written to it — in the same transaction as the
// change it reports where there is one (the repositories take OutboxEntry values for that) — and a
// relay publishes it from there (on AWS from the table's stream, locally from DynamoDB Local's), then
// removes it. So a process that dies right after its write loses no event.
import type { EventEnvelope } from './event-bus'

/** An event and the topic it goes to. */
export interface OutboxEntry {
  topicArn: string
  event: EventEnvelope
}

export interface PendingEvent extends OutboxEntry {
  /** Epoch ms when it was written; the backstop relay publishes oldest first. */
  writtenAt: number
  /** Failed publish attempts so far. */
  attempts: number
}

export interface Outbox {
  /** Writes an event that is not tied to another write (or whose write already happened). */
  save(entry: OutboxEntry): Promise<void>
  get(eventId: string): Promise<PendingEvent | undefined>
  /** Up to `limit` events not yet published, oldest first. */
  pending(limit: number): Promise<PendingEvent[]>
  /** Removes a published event. */
  remove(eventId: string): Promise<void>
  /** Records one more failed attempt. */
  failed(eventId: string): Promise<void>
}
