// Port: payment records, with forward-only status changes (a conditional write on the allowed
// previous statuses).
import type { Payment, PaymentStatus } from '../domain/payment'

export interface PaymentChange {
  to: PaymentStatus
  set?: Partial<Pick<Payment, 'gatewayPaymentId' | 'declineCode' | 'failureMessage' | 'refundId'>>
}

export interface PaymentRepository {
  /** Stores a new payment; false if one with this id exists already. */
  create(payment: Payment): Promise<boolean>
  get(id: string): Promise<Payment | undefined>
  listByOrder(orderId: string): Promise<Payment[]>
  /** Applies the change if the payment's status allows it; the updated payment, or undefined if it did not. */
  move(id: string, change: PaymentChange): Promise<Payment | undefined>
}
