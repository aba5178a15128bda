// Payments: one record per payment attempt of an order. A payment's status only moves forward, so an
// event that arrives late or twice (webhooks are at-least-once and unordered) can never undo a newer one.
export const PAYMENT_STATUSES = ['processing', 'requires_action', 'succeeded', 'failed', 'refunded'] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

export interface Payment {
  id: string
  orderId: string
  userId: string
  amount: number
  currency: string
  status: PaymentStatus
  /** The payment provider's id (a Stripe PaymentIntent id). */
  gatewayPaymentId?: string
  declineCode?: string
  failureMessage?: string
  refundId?: string
  createdAt: string
  updatedAt: string
}

const NEXT: Record<PaymentStatus, PaymentStatus[]> = {
  processing: ['requires_action', 'succeeded', 'failed'],
  requires_action: ['succeeded', 'failed'],
  succeeded: ['refunded'],
  failed: [],
  refunded: []
}

export function canMovePayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to)
}

/** The statuses a payment may be in for a move to `to` to be applied. */
export function paymentPredecessors(to: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((from) => canMovePayment(from, to))
}
