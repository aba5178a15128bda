// Orders as customers and admins see them: place (priced from the catalog), read, list, cancel, and
// admin status changes. Every change is a conditional transition (OrderRepository); a lost race is
// re-read and decided again, never overwritten.
import { createHash, randomUUID } from 'node:crypto'
import { ConflictError, NotFoundError } from '../domain/errors'
import {
  ADMIN_SETTABLE,
  CANCELLABLE,
  REFUND_DUE,
  canTransition,
  mergeLines,
  priceLines,
  statusDetails,
  type CancelReason,
  type CatalogEntry,
  type Order,
  type OrderStatus,
  type RequestedLine,
  type Shipment,
  type ShippingAddress,
  type StatusDetails
} from '../domain/order'
import { isOwnerOrAdmin, type Principal } from '../domain/user'
import type { EventBus } from '../ports/event-bus'
import { NO_METRICS, type Metrics } from '../ports/metrics'
import type { OutboxEntry } from '../ports/outbox'
import type { OrderRepository } from '../ports/order-repository'
import type { WorkflowRunner } from '../ports/workflow'
import type { CursorCodec } from './cursor'
import { EventType, newEvent } from './events'
import { LOST_RACE, retryOnRace } from './race-retry'

export interface PlaceOrder {
  items: RequestedLine[]
  shippingAddress: ShippingAddress
}

export interface OrderSettings {
  orderEventsTopicArn: string
  orderStateMachineArn: string
  paymentWindowSeconds: number
}

/** The order as its owner may see it (no saga internals). */
export type OrderView = Omit<Order, 'paymentTaskToken' | 'reservation' | 'userEmail' | 'paymentLock' | 'refundDueAt' | 'refundDue' | 'kind'>

export function orderView(order: Order): OrderView {
  const { paymentTaskToken: _token, reservation: _reservation, userEmail: _email, paymentLock: _lock, refundDueAt: _refundDueAt, refundDue: _refundDue, kind: _kind, ...view } = order
  return view
}

export class OrderService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly loadCatalog: (productIds: string[]) => Promise<CatalogEntry[]>,
    private readonly events: EventBus,
    private readonly workflow: WorkflowRunner,
    private readonly cursors: CursorCodec,
    private readonly settings: OrderSettings,
    /** Refunds what was paid for a cancelled order (the payment service). */
    private readonly refundPayments: (order: Order, correlationId: string) => Promise<void>,
    private readonly metrics: Metrics = NO_METRICS
  ) {}

  /**
   * Places an order `pending` and starts its saga. With an idempotency key the order id is derived
   * from it, so a retry after a crash finds the same order instead of creating a second one.
   */
  async place(caller: Principal, input: PlaceOrder, correlationId: string, idempotencyKey?: string): Promise<OrderView> {
    const lines = mergeLines(input.items)
    const catalog = new Map((await this.loadCatalog(lines.map((line) => line.productId))).map((product) => [product.id, product]))
    const { items, currency, subtotal } = priceLines(lines, catalog)
    const now = new Date().toISOString()
    const id = idempotencyKey ? deterministicId(`order:${caller.userId}:${idempotencyKey}`) : randomUUID()
    const order: Order = {
      id,
      userId: caller.userId,
      userEmail: caller.email,
      status: 'pending',
      items,
      currency,
      subtotal,
      total: subtotal,
      shippingAddress: input.shippingAddress,
      reservation: 'none',
      createdAt: now,
      updatedAt: now
    }
    // ORDER_CREATED is written with the order, in one transaction (the outbox): no crash separates them.
    const orderCreated: OutboxEntry = {
      topicArn: this.settings.orderEventsTopicArn,
      event: newEvent(EventType.ORDER_CREATED, { orderId: id, userId: caller.userId, total: order.total, currency }, correlationId)
    }
    const created = await this.orders.create(order, [orderCreated])
    // Counted by the write that created it: a retry that finds the same order counts nothing.
    if (created) this.metrics.count('OrdersPlaced')
    const stored = created ? order : await this.orders.get(id)
    if (!stored || stored.userId !== caller.userId) throw new ConflictError('Order could not be created; retry with a new Idempotency-Key.')
    // Execution names are unique per state machine: a retry never starts a second saga.
    await this.workflow.start(
      this.settings.orderStateMachineArn,
      { orderId: id, paymentWindowSeconds: this.settings.paymentWindowSeconds },
      { name: id, correlationId }
    )
    return orderView(stored)
  }

  async get(caller: Principal, orderId: string): Promise<OrderView> {
    return orderView(await this.readable(caller, orderId))
  }

  async list(caller: Principal, limit: number, lastKey: string | undefined): Promise<{ orders: OrderView[]; count: number; lastKey?: string }> {
    const scope = `orders:${caller.userId}`
    const startKey = lastKey ? this.cursors.decode(lastKey, scope) : undefined
    const page = await this.orders.listByUser(caller.userId, limit, startKey)
    return {
      orders: page.orders.map(orderView),
      count: page.orders.length,
      ...(page.lastKey ? { lastKey: this.cursors.encode(page.lastKey, scope) } : {})
    }
  }

  async cancel(caller: Principal, orderId: string, correlationId: string): Promise<OrderView> {
    const order = await this.readable(caller, orderId)
    if (order.status === 'cancelled') throw new ConflictError('The order is already cancelled.', { currentStatus: order.status })
    const reason: CancelReason = caller.userId === order.userId ? 'customer' : 'admin'
    return orderView(await this.cancelOrder(order, reason, correlationId))
  }

  /** An admin move along the allowed transitions; `shipped` needs `shipment` (statusDetails), stored with it. */
  async setStatus(orderId: string, status: OrderStatus, correlationId: string, shipment?: Shipment): Promise<OrderView> {
    const details = statusDetails(status, shipment, new Date().toISOString())
    const order = await this.orders.get(orderId)
    if (!order) throw new NotFoundError('Order not found.')
    if (status === 'cancelled') {
      if (order.status === 'cancelled') throw new ConflictError('The order is already cancelled.', { currentStatus: order.status })
      return orderView(await this.cancelOrder(order, 'admin', correlationId))
    }
    return retryOnRace({
      first: order,
      read: () => this.reread(orderId),
      decide: async (current) => {
        if (!ADMIN_SETTABLE.includes(status) || !canTransition(current.status, status)) {
          throw new ConflictError(`Cannot change an order from ${current.status} to ${status}.`, { currentStatus: current.status })
        }
        const updated = await this.orders.transition(current, { to: status, set: details }, [this.statusUpdated(current, status, correlationId, current.cancelReason, details)])
        return updated ? orderView(updated) : LOST_RACE
      },
      exhausted: changing
    })
  }

  /** Cancels (releasing stock in the same write) unless the order is past cancelling; races are re-read. */
  async cancelOrder(initial: Order, reason: CancelReason, correlationId: string): Promise<Order> {
    return retryOnRace({ first: initial, read: () => this.reread(initial.id), decide: (order) => this.tryCancel(order, reason, correlationId), exhausted: changing })
  }

  /** One round of cancelOrder: the cancelled order, or LOST_RACE when another write changed it first. */
  private async tryCancel(order: Order, reason: CancelReason, correlationId: string): Promise<Order | typeof LOST_RACE> {
    if (order.status === 'cancelled' && (order.reservation === 'none' || order.reservation === 'released')) return order
    if (order.status !== 'cancelled' && !CANCELLABLE.includes(order.status)) {
      throw new ConflictError(`Cannot cancel an order that is ${order.status}.`, { currentStatus: order.status })
    }
    const holdsStock = order.reservation === 'reserved' || order.reservation === 'committed'
    // An order that may have been paid (a payment may even be taking it right now) owes a refund
    // check: marked in the cancel write itself, so a crash before the refund intent is written
    // leaves the order in byRefundDue for the recovery sweeper (PaymentService.retryPendingRefunds).
    const mayBePaid = order.status !== 'pending' || order.paymentLock !== undefined || order.paymentId !== undefined
    const refundDue = mayBePaid ? { refundDueAt: new Date().toISOString(), refundDue: REFUND_DUE } : {}
    const updated = await this.orders.transition(order, {
      to: 'cancelled',
      ...(holdsStock ? { reservationTo: 'released' as const } : {}),
      ...(order.status === 'cancelled' ? {} : { set: { cancelReason: reason, ...refundDue } }),
      clearPaymentTaskToken: true
    }, order.status === 'cancelled' ? [] : [this.statusUpdated(order, 'cancelled', correlationId, reason)])
    if (updated) {
      // Resume a saga waiting for payment so it ends now rather than at the payment timeout.
      if (order.paymentTaskToken) await this.workflow.sendTaskFailure(order.paymentTaskToken, 'OrderCancelled', reason).catch(() => undefined)
      // A paid order is never cancelled without a refund. A provider failure does not fail the
      // cancel (the refund stays pending and is retried); should this throw, refundDueAt remains.
      if (updated.refundDueAt || updated.paymentLock || updated.paymentId) await this.refundPayments(updated, correlationId)
      return updated
    }
    return LOST_RACE
  }

  /** An order read again after a lost race (orders are never deleted). */
  private async reread(orderId: string): Promise<Order> {
    return (await this.orders.get(orderId)) as Order
  }

  /** ORDER_STATUS_UPDATED for `order` moving to `to`: an outbox entry, written by the transition itself. */
  statusUpdated(order: Order, to: OrderStatus, correlationId: string, cancelReason: CancelReason | undefined = order.cancelReason, details: StatusDetails = {}): OutboxEntry {
    return {
      topicArn: this.settings.orderEventsTopicArn,
      event: newEvent(
        EventType.ORDER_STATUS_UPDATED,
        { orderId: order.id, userId: order.userId, previousStatus: order.status, status: to, ...(cancelReason ? { cancelReason } : {}), ...details },
        correlationId
      )
    }
  }

  /** The order if the caller owns it or is an admin; NotFound otherwise (no existence oracle). */
  private async readable(caller: Principal, orderId: string): Promise<Order> {
    const order = await this.orders.get(orderId)
    if (!order || !isOwnerOrAdmin(caller, order.userId)) throw new NotFoundError('Order not found.')
    return order
  }
}

/** Every round of a race loop lost: the client may try again. */
function changing(order: Order): never {
  throw new ConflictError('The order is changing; try again.', { currentStatus: order.status })
}

/** A UUID-shaped id derived from `seed` (so the same seed always names the same record). */
function deterministicId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`
}
