// Port: order storage. Every status change is a conditional write on the expected current status
// (and reservation state), and moves stock in the same transaction when the reservation changes, so a
// stale or duplicate event can never move an order backwards or count stock twice.
import type { CancelReason, Order, OrderStatus, REFUND_DUE, ReservationState, StatusDetails } from '../domain/order'
import type { OutboxEntry } from './outbox'

export type ReserveOutcome =
  | { outcome: 'reserved' }
  | { outcome: 'insufficient'; productIds: string[] }
  | { outcome: 'not_pending'; status: OrderStatus }

export interface OrderTransition {
  to: OrderStatus
  /** Moves the order's stock reservation (and the products' counters) in the same write. */
  reservationTo?: ReservationState
  set?: { cancelReason?: CancelReason; paymentTaskToken?: string; paymentId?: string; refundDueAt?: string; refundDue?: typeof REFUND_DUE } & StatusDetails
  /** Remove the stored callback token (once the saga has moved past AwaitPayment). */
  clearPaymentTaskToken?: boolean
}

export interface OrderPage {
  orders: Order[]
  lastKey?: Record<string, unknown>
}

export interface OrderRepository {
  /** Stores a new order with the events that report it (one transaction); false if an order with this id already exists. */
  create(order: Order, events?: OutboxEntry[]): Promise<boolean>
  get(id: string): Promise<Order | undefined>
  /**
   * Orders in `status` created before `createdBefore` (ISO time), oldest first, read from an index (never
   * a scan). The index is eventually consistent on AWS: re-read an order before acting on it.
   */
  listByStatus(status: OrderStatus, createdBefore: string, limit: number, startKey?: Record<string, unknown>): Promise<OrderPage>
  /** The user's orders, newest first. */
  listByUser(userId: string, limit: number, startKey?: Record<string, unknown>): Promise<OrderPage>
  /** Reserves stock for every line, all or nothing; repeating it never reserves twice. */
  reserve(order: Order, events?: OutboxEntry[]): Promise<ReserveOutcome>
  /**
   * Applies `change` if the order is still exactly as `order` says (status and reservation), writing
   * `events` (the transactional outbox) in the same transaction;
   * returns the updated order, or undefined when it had moved on (the caller re-reads and decides).
   */
  transition(order: Order, change: OrderTransition, events?: OutboxEntry[]): Promise<Order | undefined>
  /**
   * Claims the order for one payment attempt: only while it awaits payment, its payment window is open
   * (closePaymentWindow) and no other attempt holds it, so two payments of one order can never both
   * charge. The attempt that holds it may claim it again (a retry of the same attempt), even after the
   * window closed: it took the order while it was payable.
   */
  lockForPayment(orderId: string, paymentId: string): Promise<'locked' | 'held_by_other' | 'not_payable'>
  /** Frees the order after a failed attempt (only if `paymentId` holds it). */
  unlockPayment(orderId: string, paymentId: string): Promise<void>
  /**
   * Ends the payment window of an order awaiting payment, atomically with respect to lockForPayment:
   * `closed` (now or before) when no payment holds the order, after which none can take it; `locked`
   * when a payment holds it (it took the order while payable: it wins, the caller waits for its
   * outcome); `not_awaiting` when the order is not awaiting payment.
   */
  closePaymentWindow(orderId: string): Promise<'closed' | 'locked' | 'not_awaiting'>
  /** Cancelled orders that may still owe a refund, due at or before `dueBy`, earliest first (index byRefundDue). */
  listRefundDue(dueBy: string, limit: number): Promise<Order[]>
  /** A refund intent is written for every payment of the order: it leaves byRefundDue. */
  clearRefundDue(orderId: string): Promise<void>
  /** A payment of the order is still undecided: look again at `at`. */
  postponeRefundDue(orderId: string, at: string): Promise<void>
}
