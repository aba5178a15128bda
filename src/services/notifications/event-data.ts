// Reading an event's data: producers are ours, but a message from a queue is still input. A missing
// or mistyped field is an error (the message is retried, then lands in the DLQ), never `undefined`
// in an email.
import { CANCEL_REASONS, type CancelReason } from '../../domain/order'
import type { EventEnvelope } from '../../ports/event-bus'

export function eventData(event: EventEnvelope): Record<string, unknown> {
  const data: unknown = event.data
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TypeError(`event ${event.eventId}: data is not an object`)
  return data as Record<string, unknown>
}

export function stringField(data: Record<string, unknown>, key: string): string {
  const value = data[key]
  if (typeof value !== 'string' || value === '') throw new TypeError(`event data: ${key} is not a non-empty string`)
  return value
}

export function numberField(data: Record<string, unknown>, key: string): number {
  const value = data[key]
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`event data: ${key} is not an integer`)
  return value
}

/** The cancel reason an ORDER_STATUS_UPDATED carries, if it is one we know. */
export function cancelReasonOf(data: Record<string, unknown>): CancelReason | undefined {
  const reason = data.cancelReason
  return (CANCEL_REASONS as readonly unknown[]).includes(reason) ? (reason as CancelReason) : undefined
}
