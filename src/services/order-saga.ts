// The steps of the order-processing saga (statemachine/order-processing.asl.json), called by the
// saga worker. Each step is idempotent: Step Functions may run a task more than once. The saga sends
// no email: each status change writes ORDER_STATUS_UPDATED (transactional outbox), and the
// notification worker mails the customer once per change, whichever path (saga, sweeper, admin) made it.
import type { CancelReason, Order } from '../domain/order'
import type { EventBus } from '../ports/event-bus'
import type { OrderRepository } from '../ports/order-repository'
import type { WorkflowRunner } from '../ports/workflow'
import { EventType, newEvent } from './events'
import type { OrderService } from './order-service'
import type { PaymentService } from './payment-service'
import { LOST_RACE, retryOnRace } from './race-retry'

/** A saga step that cannot proceed; its name is the error the state machine's Catch sees. */
export class SagaStepError extends Error {
  constructor(
    override readonly name: 'OrderNotFound' | 'OrderNotPayable' | 'OrderNotConfirmable' | 'OrderChanging',
    message: string
  ) {
    super(message)
  }
}

/** Step Functions' answers for a task token that can no longer be resumed. */
const CLOSED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])

export class OrderSaga {
  constructor(
    private readonly orders: OrderRepository,
    private readonly orderService: OrderService,
    private readonly payments: PaymentService,
    private readonly workflow: WorkflowRunner,
    private readonly events: EventBus,
    private readonly orderEventsTopicArn: string
  ) {}

  async reserveInventory(orderId: string, correlationId: string): Promise<{ outcome: 'reserved' | 'insufficient' | 'not_pending' }> {
    const order = await this.load(orderId)
    // INVENTORY_RESERVED is written by the reservation's own transaction (a retry finds it done, event and all).
    const reserved = { topicArn: this.orderEventsTopicArn, event: newEvent(EventType.INVENTORY_RESERVED, { orderId }, correlationId) }
    const result = await this.orders.reserve(order, [reserved])
    if (result.outcome === 'insufficient') {
      await this.events.publish(this.orderEventsTopicArn, newEvent(EventType.INVENTORY_INSUFFICIENT, { orderId, productIds: result.productIds }, correlationId))
    }
    return { outcome: result.outcome }
  }

  /** Stores the callback token on the order and moves it to awaiting_payment. */
  async awaitPayment(orderId: string, taskToken: string, correlationId: string): Promise<void> {
    await retryOnRace({
      attempts: 3,
      read: () => this.load(orderId),
      decide: async (order) => {
        if (order.status === 'awaiting_payment' && order.paymentTaskToken === taskToken) return
        const payable = (order.status === 'pending' || order.status === 'awaiting_payment') && order.reservation === 'reserved'
        if (!payable) throw new SagaStepError('OrderNotPayable', `order ${orderId} is ${order.status}`)
        const statusEvents = order.status === 'awaiting_payment' ? [] : [this.orderService.statusUpdated(order, 'awaiting_payment', correlationId)]
        return (await this.orders.transition(order, { to: 'awaiting_payment', set: { paymentTaskToken: taskToken } }, statusEvents)) ? undefined : LOST_RACE
      },
      exhausted: () => {
        throw new SagaStepError('OrderNotPayable', `order ${orderId} keeps changing`)
      }
    })
  }

  /** Payment received: confirmed, and the reserved stock becomes sold, in one write. */
  async confirmOrder(orderId: string, paymentId: string | undefined, correlationId: string): Promise<void> {
    await retryOnRace({
      read: () => this.load(orderId),
      decide: async (order) => {
        if (order.status === 'confirmed' || order.status === 'processing' || order.status === 'shipped' || order.status === 'delivered') return
        if (order.status !== 'awaiting_payment' || order.reservation !== 'reserved') {
          throw new SagaStepError('OrderNotConfirmable', `order ${orderId} is ${order.status}`)
        }
        const confirmed = await this.orders.transition(
          order,
          { to: 'confirmed', reservationTo: 'committed', set: paymentId ? { paymentId } : {}, clearPaymentTaskToken: true },
          [this.orderService.statusUpdated(order, 'confirmed', correlationId)]
        )
        return confirmed ? undefined : LOST_RACE
      },
      // Lost every race: the step fails and the state machine retries it.
      exhausted: () => {
        throw new SagaStepError('OrderChanging', `order ${orderId} keeps changing`)
      }
    })
  }

  /** Gives back the order's stock (status unchanged); nothing to do when none is held. */
  async releaseInventory(orderId: string): Promise<void> {
    await retryOnRace({
      attempts: 3,
      read: () => this.load(orderId),
      decide: async (order) => {
        if (order.reservation !== 'reserved' && order.reservation !== 'committed') return
        return (await this.orders.transition(order, { to: order.status, reservationTo: 'released' })) ? undefined : LOST_RACE
      },
      // As before: after three lost races the step ends; the saga's cancel that follows releases the stock in its own write.
      exhausted: () => undefined
    })
  }

  async cancelOrder(orderId: string, reason: CancelReason, correlationId: string): Promise<void> {
    await this.orderService.cancelOrder(await this.load(orderId), reason, correlationId)
  }

  /** Before cancelling for a payment timeout: has the customer paid after all? (asks the gateway) */
  async reconcilePayment(orderId: string, correlationId: string): Promise<{ paid: boolean; paymentId: string | null }> {
    const order = await this.load(orderId)
    if (order.status !== 'awaiting_payment') {
      // Settled already (e.g. by the recovery sweeper while this step was being retried): say what
      // happened, so the next steps (ConfirmOrder, or ReleaseInventory and CancelOrder) are no-ops.
      const paid = order.paymentId !== undefined && order.status !== 'cancelled' && order.status !== 'pending'
      return { paid, paymentId: paid ? (order.paymentId as string) : null }
    }
    // Closes the payment window, or waits (throws PaymentInFlight) for a payment that took the order in time.
    return this.payments.reconcile(order, correlationId)
  }

  /**
   * Resumes the saga's AwaitPayment step: the order has been paid. False when there is nothing to
   * resume (already resumed, timed out, or cancelled): a duplicate confirmation changes nothing.
   */
  async paymentSucceeded(orderId: string, paymentId: string): Promise<boolean> {
    return new SagaPaymentResumption(this.orders, this.workflow).paymentSucceeded(orderId, paymentId)
  }

  private async load(orderId: string): Promise<Order> {
    const order = await this.orders.get(orderId)
    if (!order) throw new SagaStepError('OrderNotFound', `order ${orderId} not found`)
    return order
  }
}

/**
 * The one saga step a payment event triggers (OrderSaga.paymentSucceeded), on its own: the
 * order-events worker needs only the orders and the workflow, not the rest of the saga.
 */
export class SagaPaymentResumption {
  constructor(
    private readonly orders: Pick<OrderRepository, 'get'>,
    private readonly workflow: Pick<WorkflowRunner, 'sendTaskSuccess'>
  ) {}

  /** See OrderSaga.paymentSucceeded. */
  async paymentSucceeded(orderId: string, paymentId: string): Promise<boolean> {
    const order = await this.orders.get(orderId)
    if (!order) throw new SagaStepError('OrderNotFound', `order ${orderId} not found`)
    if (!order.paymentTaskToken || order.status !== 'awaiting_payment') return false
    try {
      await this.workflow.sendTaskSuccess(order.paymentTaskToken, { paymentId })
      return true
    } catch (error) {
      if (CLOSED_TASK_ERRORS.has((error as Error).name)) return false
      throw error
    }
  }
}
