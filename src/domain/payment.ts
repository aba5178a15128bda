// Payments: one record per payment attempt of an order. The outcome of the attempt (processing →
// requires_action → succeeded | failed) only moves forward, so an event that arrives late or twice
// (webhooks are at-least-once and unordered) can never undo a newer one. Once charged, the status
// says where its refunds stand (src/domain/refund.ts): refund_pending, partially_refunded, refunded.
import type { Refund } from './refund'

export const PAYMENT_STATUSES = ['processing', 'requires_action', 'succeeded', 'failed', 'refund_pending', 'partially_refunded', 'refunded'] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

/** The statuses of a payment that took money (refunds apply to these only). */
export const CHARGED_STATUSES: readonly PaymentStatus[] = ['succeeded', 'refund_pending', 'partially_refunded', 'refunded']

export interface Payment {
  id: string
  orderId: string
  userId: string
  amount: number
  currency: string
  status: PaymentStatus
  /** The payment provider's id (a Stripe PaymentIntent id). */
  gatewayPaymentId?: string
  /**
   * The payment method the attempt was made with. Internal: with the payment id it rebuilds the very
   * request sent to the provider (same idempotency key, same parameters), so an attempt whose outcome
   * was lost (a crash or a provider error mid-call) can be replayed to learn it, never charged twice.
   */
  paymentMethodId?: string
  declineCode?: string
  failureMessage?: string
  /** Minor units given back so far (the provider's figure when it has told us); absent means 0. */
  amountRefunded?: number
  /** Every refund asked for, ours or found at the provider, oldest first. */
  refunds?: Refund[]
  /** Bumped by every refund write: the optimistic lock of their read-modify-write. Internal. */
  refundRevision?: number
  createdAt: string
  updatedAt: string
}

// Moves of the payment's outcome. Refund statuses are not moves: they are derived from the refund
// records by every refund write (refundedStatus in src/domain/refund.ts), under an optimistic lock.
const NEXT: Record<PaymentStatus, PaymentStatus[]> = {
  processing: ['requires_action', 'succeeded', 'failed'],
  requires_action: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
  refund_pending: [],
  partially_refunded: [],
  refunded: []
}

export function canMovePayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to)
}

/** The statuses a payment may be in for a move to `to` to be applied. */
export function paymentPredecessors(to: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((from) => canMovePayment(from, to))
}

export function isCharged(payment: Pick<Payment, 'status'>): boolean {
  return CHARGED_STATUSES.includes(payment.status)
}
