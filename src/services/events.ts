// Builds domain event envelopes (DESIGN.md section 6). Event types are listed here so producers and
// consumers agree on the names.
import { randomUUID } from 'node:crypto'
import type { EventEnvelope } from '../ports/event-bus'

export const EventType = {
  USER_CREATED: 'USER_CREATED',
  /** A reset link was asked for (POST /users/password/forgot), data `{ email }`, whether or not the account exists. */
  PASSWORD_RESET_REQUESTED: 'PASSWORD_RESET_REQUESTED',
  /** An unverified user asked for a new verification email; data as USER_CREATED's `{ userId, email, firstName }`. */
  VERIFICATION_REQUESTED: 'VERIFICATION_REQUESTED',
  ORDER_CREATED: 'ORDER_CREATED',
  INVENTORY_RESERVED: 'INVENTORY_RESERVED',
  INVENTORY_INSUFFICIENT: 'INVENTORY_INSUFFICIENT',
  ORDER_STATUS_UPDATED: 'ORDER_STATUS_UPDATED',
  PAYMENT_CONFIRMED: 'PAYMENT_CONFIRMED',
  PAYMENT_FAILED: 'PAYMENT_FAILED',
  PAYMENT_REFUNDED: 'PAYMENT_REFUNDED'
} as const
export type EventType = (typeof EventType)[keyof typeof EventType]

export function newEvent<TData extends Record<string, unknown>>(
  eventType: EventType,
  data: TData,
  correlationId: string,
  now: Date = new Date()
): EventEnvelope<TData> {
  return { eventId: randomUUID(), eventType, version: 1, occurredAt: now.toISOString(), correlationId, data }
}
