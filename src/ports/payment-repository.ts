// Port: payment records. The payment's outcome changes forward only (a conditional write on the
// allowed previous statuses); its refund state changes by read-modify-write under an optimistic lock.
import type { Payment, PaymentStatus } from '../domain/payment'
import type { RefundState } from '../domain/refund'
import type { OutboxEntry } from './outbox'

export interface PaymentChange {
  to: PaymentStatus
  set?: Partial<Pick<Payment, 'gatewayPaymentId' | 'declineCode' | 'failureMessage'>>
}

export interface PaymentRepository {
  /** Stores a new payment; false if one with this id exists already. */
  create(payment: Payment): Promise<boolean>
  get(id: string): Promise<Payment | undefined>
  listByOrder(orderId: string): Promise<Payment[]>
  /** Applies the change if the payment's status allows it; the updated payment, or undefined if it did not. */
  move(id: string, change: PaymentChange, events?: OutboxEntry[]): Promise<Payment | undefined>
  /**
   * Stores the refund state `next` if the payment is still as `read` (same status and refund
   * revision), with `events` in the same transaction (the outbox); the updated payment, or undefined
   * when it changed meanwhile (re-read and decide again).
   */
  saveRefunds(read: Payment, next: RefundState, events?: OutboxEntry[]): Promise<Payment | undefined>
  /** Payments in `status`, least recently updated first (index byStatus; never a scan). */
  listByStatus(status: PaymentStatus, limit: number): Promise<Payment[]>
}
