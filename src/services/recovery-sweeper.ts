// The recovery sweeper (a scheduled worker, on AWS and locally): no order stays `pending` or
// `awaiting_payment` past its payment window plus a bounded delay, whatever crashed or failed.
// It finds such orders through the orders' status index and, for each one:
// - no saga at all (the process died between placing the order and starting it, or the embedded
//   runtime lost it): starts it — execution names are the order id, so a start is never doubled;
// - a saga still running: leaves it alone (its AwaitPayment step has a timeout and every storage step
//   ends in a Catch, so it settles or fails by itself);
// - a saga that ended without settling the order (it failed after exhausting its retries): settles
//   the order itself with the saga's own idempotent steps, exactly as the timeout path would —
//   reconcile with the payment provider first, so a paid order is confirmed, never cancelled.
// Then it drives refunds that are due but not done (PaymentService.retryPendingRefunds).
import type { Order, OrderStatus } from '../domain/order'
import { NO_METRICS, type Metrics } from '../ports/metrics'
import type { OrderRepository } from '../ports/order-repository'
import type { WorkflowRunner } from '../ports/workflow'
import type { OrderSaga } from './order-saga'

export interface RecoverySettings {
  orderStateMachineArn: string
  paymentWindowSeconds: number
  /** How long past its window (or, with no saga, past its creation) an order may stay unsettled. */
  graceSeconds: number
  /** Orders examined per status and run: bounds a run's duration; the rest wait for the next run. */
  batchSize?: number
}

export interface RefundRecovery {
  retryPendingRefunds(correlationId: string, onError?: (error: unknown, id: string) => void): Promise<{ completed: number; pending: number; failed: number }>
}

export interface SweepResult {
  examined: number
  /** Sagas started for orders that had none. */
  started: number
  /** Orders whose ended saga had left them unsettled, now confirmed or cancelled. */
  settled: number
  /** Orders left for a later run (payment still being decided, or settling failed). */
  deferred: number
  refunds: { completed: number; pending: number; failed: number }
}

const UNSETTLED: readonly OrderStatus[] = ['pending', 'awaiting_payment']
const DEFAULT_BATCH_SIZE = 100
const PAGE_SIZE = 25

export class RecoverySweeper {
  constructor(
    private readonly orders: OrderRepository,
    private readonly workflow: WorkflowRunner,
    private readonly saga: OrderSaga,
    private readonly refunds: RefundRecovery,
    private readonly settings: RecoverySettings,
    /** Told of each order or payment left for the next run, and why. */
    private readonly onError: (error: unknown, id: string) => void = () => undefined,
    private readonly metrics: Metrics = NO_METRICS
  ) {}

  async sweep(correlationId: string, now = Date.now()): Promise<SweepResult> {
    const result: SweepResult = { examined: 0, started: 0, settled: 0, deferred: 0, refunds: { completed: 0, pending: 0, failed: 0 } }
    // Any order this old without a saga is stranded; an order this old is worth a look at all.
    const createdBefore = new Date(now - this.settings.graceSeconds * 1000).toISOString()
    for (const status of UNSETTLED) {
      for (const order of await this.candidates(status, createdBefore)) {
        result.examined += 1
        try {
          const action = await this.recover(order, now, correlationId)
          if (action !== 'none') result[action] += 1
        } catch (error) {
          // One order's failure (e.g. the store or the provider is down) must not stop the others.
          result.deferred += 1
          this.onError(error, order.id)
        }
      }
    }
    try {
      result.refunds = await this.refunds.retryPendingRefunds(correlationId, this.onError)
      // Sampled every run, zero included: refunds still waiting for the provider (alarmed when stuck).
      this.metrics.count('RefundsPending', result.refunds.pending)
    } catch (error) {
      // The store is down, say: the orders above were handled; refunds wait for the next run.
      this.onError(error, 'refunds')
    }
    return result
  }

  private async recover(order: Order, now: number, correlationId: string): Promise<'started' | 'settled' | 'deferred' | 'none'> {
    const execution = await this.workflow.describe(this.settings.orderStateMachineArn, order.id)
    if (!execution) {
      await this.workflow.start(
        this.settings.orderStateMachineArn,
        { orderId: order.id, paymentWindowSeconds: this.settings.paymentWindowSeconds },
        { name: order.id, correlationId }
      )
      return 'started'
    }
    if (execution.status === 'RUNNING') return 'none'
    const windowEnd = Date.parse(order.createdAt) + (this.settings.paymentWindowSeconds + this.settings.graceSeconds) * 1000
    if (now < windowEnd) return 'none'
    return (await this.settle(order.id, correlationId)) ? 'settled' : 'deferred'
  }

  /** The saga's timeout path, run here: reconcile, then confirm, or release and cancel. False if not yet decidable. */
  private async settle(orderId: string, correlationId: string): Promise<boolean> {
    let payment: { paid: boolean; paymentId: string | null }
    try {
      payment = await this.saga.reconcilePayment(orderId, correlationId)
    } catch (error) {
      // A payment that holds the order is still being decided; it wins if it succeeds.
      if ((error as Error).name === 'PaymentInFlight') return false
      throw error
    }
    if (payment.paid) {
      await this.saga.confirmOrder(orderId, payment.paymentId ?? undefined, correlationId)
    } else {
      await this.saga.releaseInventory(orderId)
      await this.saga.cancelOrder(orderId, 'payment_timeout', correlationId)
    }
    // No email from here: the confirm or cancel wrote ORDER_STATUS_UPDATED, which the notification worker mails.
    return true
  }

  private async candidates(status: OrderStatus, createdBefore: string): Promise<Order[]> {
    const limit = this.settings.batchSize ?? DEFAULT_BATCH_SIZE
    const found: Order[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.orders.listByStatus(status, createdBefore, Math.min(PAGE_SIZE, limit - found.length), startKey)
      found.push(...page.orders)
      startKey = page.lastKey
    } while (startKey && found.length < limit)
    return found
  }
}
