// Payments of orders through the payment gateway (Stripe). The amount and currency always come from
// the order. One attempt at a time holds an order (a conditional lock), so two payments can never both
// charge it; the gateway call carries an idempotency key derived from ours, so a retried request never
// charges twice. Whether a payment's outcome arrives in the API response or a webhook, it is applied
// once: payment statuses only move forward and only the write that moves one publishes the event.
import { createHash } from 'node:crypto'
import { NotFoundError, ValidationError } from '../domain/errors'
import type { Order } from '../domain/order'
import { isCharged, type Payment, type PaymentStatus } from '../domain/payment'
import { isOwnerOrAdmin, type Principal } from '../domain/user'
import type { EventBus } from '../ports/event-bus'
import { NO_METRICS, type Metrics } from '../ports/metrics'
import type { OrderRepository } from '../ports/order-repository'
import { PaymentGatewayError, WebhookSignatureError, type GatewayPayment, type GatewayWebhookEvent, type PaymentGateway } from '../ports/payment-gateway'
import type { PaymentChange, PaymentRepository } from '../ports/payment-repository'
import type { ProcessedEvents } from '../ports/processed-events'
import { EventType, newEvent } from './events'
import { PaymentAttempts } from './payment-attempts'
import { refundView, Refunds, type ManualRefund, type RefundTally, type RefundView } from './refunds'

export type { ManualRefund, RefundTally, RefundView } from './refunds'

export interface PayOrder {
  orderId: string
  paymentMethodId: string
  /** Optional: if sent, it must equal the order's total (the server never takes a price from the client). */
  amount?: number
  currency?: string
}

export interface PaymentResult {
  paymentId: string
  status: PaymentStatus
  requiresAction?: boolean
  clientSecret?: string
}

export type PaymentView = Omit<Payment, 'gatewayPaymentId' | 'refundRevision' | 'refunds' | 'amountRefunded'> & {
  amountRefunded: number
  refunds: RefundView[]
}

export interface WebhookOutcome {
  duplicate: boolean
  eventId: string
  eventType: string
  /** Why a verified event changed nothing (an object we do not know, a type we do not handle). */
  ignored?: string
}

const WEBHOOK_CONSUMER = 'stripe-webhook'

export class PaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly orders: OrderRepository,
    private readonly gateway: PaymentGateway,
    private readonly events: EventBus,
    private readonly processed: ProcessedEvents,
    private readonly paymentEventsTopicArn: string,
    private readonly metrics: Metrics = NO_METRICS
  ) {
    this.attempts = new PaymentAttempts(payments, orders, gateway, {
      apply: (paymentId, outcome, correlationId) => this.apply(paymentId, outcome, correlationId),
      moveAndReport: (paymentId, change, type, correlationId) => this.moveAndReport(paymentId, change, type, correlationId)
    })
    this.refunds = new Refunds(payments, orders, gateway, paymentEventsTopicArn, (payment, correlationId) => this.settleUndecided(payment, correlationId), undefined, metrics)
  }

  private readonly refunds: Refunds
  /** Payment attempts and the end of the payment window (pay, reconcile). */
  private readonly attempts: PaymentAttempts

  /**
   * Pays an order awaiting payment. `idempotencyKey` is the client's key: the payment id (and so the
   * gateway's idempotency key) is derived from it, so a retry after a crash is the same payment.
   */
  async pay(caller: Principal, input: PayOrder, idempotencyKey: string, correlationId: string): Promise<PaymentResult> {
    const order = await this.orders.get(input.orderId)
    if (!order || order.userId !== caller.userId) throw new NotFoundError('Order not found.')
    if (input.amount !== undefined && input.amount !== order.total) {
      throw new ValidationError(`amount must equal the order total (${order.total})`, { field: 'amount' })
    }
    if (input.currency !== undefined && input.currency !== order.currency) {
      throw new ValidationError(`currency must equal the order currency (${order.currency})`, { field: 'currency' })
    }
    const paymentId = `pay_${createHash('sha256').update(`${caller.userId}:${idempotencyKey}`).digest('hex').slice(0, 24)}`
    // The order's status is checked there, after an earlier attempt with this key is looked for.
    return this.attempts.pay(order, paymentId, input.paymentMethodId, correlationId)
  }

  async get(caller: Principal, paymentId: string): Promise<PaymentView> {
    const payment = await this.payments.get(paymentId)
    if (!payment || !isOwnerOrAdmin(caller, payment.userId)) throw new NotFoundError('Payment not found.')
    const { gatewayPaymentId: _gateway, refundRevision: _revision, refunds, amountRefunded, ...view } = payment
    return { ...view, amountRefunded: amountRefunded ?? 0, refunds: (refunds ?? []).map(refundView) }
  }

  /** An admin refunds part or all of a payment (the Idempotency-Key names the refund). */
  async refund(caller: Principal, paymentId: string, request: ManualRefund, idempotencyKey: string, correlationId: string): Promise<RefundView> {
    return this.refunds.refundManually(caller.userId, paymentId, request, idempotencyKey, correlationId)
  }

  /**
   * For the recovery sweeper, every run: writes the refund intents a crash left unwritten (cancelled
   * orders in byRefundDue) and retries refunds waiting for the provider whose backoff has passed.
   */
  async retryPendingRefunds(correlationId: string, onError?: (error: unknown, id: string) => void): Promise<RefundTally> {
    return this.refunds.retryPending(correlationId, onError)
  }

  /**
   * A verified gateway webhook: each event id is processed once. Events about objects we do not know
   * and types we do not handle are acknowledged and ignored; a failure that a retry can help is
   * thrown (5xx), so the gateway retries.
   */
  async handleWebhook(rawBody: Buffer, signature: string | undefined, correlationId: string): Promise<WebhookOutcome> {
    let event
    try {
      event = await this.gateway.parseWebhook(rawBody, signature)
    } catch (error) {
      if (error instanceof WebhookSignatureError) throw new ValidationError('Invalid webhook signature.', { field: 'stripe-signature' })
      throw error
    }
    const outcome = { duplicate: false, eventId: event.id, eventType: event.type }
    if (await this.processed.has(WEBHOOK_CONSUMER, event.id)) {
      this.metrics.count('WebhookDuplicates', 1, { eventType: event.type })
      return { ...outcome, duplicate: true }
    }
    const ignored = await this.applyWebhook(event, correlationId)
    await this.processed.remember(WEBHOOK_CONSUMER, event.id)
    return ignored ? { ...outcome, ignored } : outcome
  }

  /** Applies a verified event; the reason it changed nothing when it was ignored. */
  private async applyWebhook(event: GatewayWebhookEvent, correlationId: string): Promise<string | undefined> {
    const refunded = event.type === 'charge.refunded'
    if (!refunded && !event.type.startsWith('payment_intent.')) return `event type ${event.type} is not handled`
    let intent = event.payment
    if (!intent) {
      if (!event.paymentIntentId) return 'the event names no payment intent'
      try {
        intent = await this.gateway.getPayment(event.paymentIntentId)
      } catch (error) {
        // The provider does not know it (or refuses to say): retrying the event cannot change that.
        if (error instanceof PaymentGatewayError && (error.kind === 'not_found' || error.kind === 'invalid_request')) {
          return `payment intent ${event.paymentIntentId} is unknown to the payment provider`
        }
        throw error
      }
    }
    const paymentId = intent.metadata.paymentId
    const payment = paymentId ? await this.payments.get(paymentId) : undefined
    if (!payment) return `payment intent ${intent.id} is not one of our payments`
    if (!refunded) {
      await this.apply(payment.id, intent, correlationId)
      return undefined
    }
    if (payment.gatewayPaymentId && payment.gatewayPaymentId !== intent.id) return `payment intent ${intent.id} is not the one of payment ${payment.id}`
    if (event.amountRefunded === undefined) return 'charge.refunded without amount_refunded'
    // A refund means the charge succeeded: bring our record there first if its own event is late.
    if (!isCharged(payment)) await this.apply(payment.id, intent, correlationId)
    await this.refunds.recordReportedTotal(payment.id, event.amountRefunded, event.fullyRefunded ?? false, correlationId)
    return undefined
  }

  /**
   * The end of the payment window (the saga's timeout path, the recovery sweeper): closes it, unless a
   * payment took the order while it was payable: that one wins, and its outcome is asked of the
   * gateway (replaying its request if need be). Throws an Error named 'PaymentInFlight' while it is
   * undecided (payment-attempts.ts).
   */
  async reconcile(order: Order, correlationId: string): Promise<{ paid: boolean; paymentId: string | null }> {
    return this.attempts.reconcile(order, correlationId)
  }

  /**
   * Refunds every charged payment of a cancelled order: the intents are written first (durable), then
   * the provider is asked. A provider failure is not thrown: the refund stays pending and the recovery
   * sweeper retries it (retryPendingRefunds). Idempotent: one cancellation refund per payment.
   */
  async refundOrder(order: Order, correlationId: string): Promise<void> {
    await this.refunds.refundOrder(order, correlationId)
  }

  /** Moves our record to what the gateway says, publishing the event of a move that happened. */
  private async apply(paymentId: string, outcome: GatewayPayment, correlationId: string): Promise<Payment> {
    const common = { gatewayPaymentId: outcome.id }
    let moved: Payment | undefined
    switch (outcome.status) {
      case 'succeeded':
        moved = await this.moveAndReport(paymentId, { to: 'succeeded', set: common }, EventType.PAYMENT_CONFIRMED, correlationId)
        break
      case 'requires_action':
        moved = await this.payments.move(paymentId, { to: 'requires_action', set: common })
        break
      case 'failed':
      case 'canceled':
        moved = await this.moveAndReport(
          paymentId,
          { to: 'failed', set: { ...common, declineCode: outcome.declineCode, failureMessage: outcome.failureMessage } },
          EventType.PAYMENT_FAILED,
          correlationId
        )
        // The order stays payable (with another card) until its payment window ends.
        if (moved) await this.orders.unlockPayment(moved.orderId, moved.id)
        break
      default:
        break
    }
    // Counted by the write that moved the payment (once, whether the API or a webhook got there first).
    if (moved?.status === 'succeeded') this.metrics.count('PaymentsSucceeded')
    if (moved?.status === 'failed') {
      this.metrics.count('PaymentsDeclined', 1, { declineCode: moved.declineCode ?? outcome.declineCode ?? (outcome.status === 'canceled' ? 'canceled' : 'unknown') })
    }
    const payment = moved ?? (await this.payments.get(paymentId))
    if (!payment) throw new NotFoundError('Payment not found.')
    if (moved?.status === 'succeeded') await this.refundIfOrderGone(moved, correlationId)
    return payment
  }

  /** A payment that succeeded for an order cancelled meanwhile (e.g. 3-D Secure finished late) is refunded. */
  private async refundIfOrderGone(payment: Payment, correlationId: string): Promise<void> {
    const order = await this.orders.get(payment.orderId)
    if (order?.status === 'cancelled') await this.refundOrder(order, correlationId)
  }

  /**
   * A payment still undecided (processing, requires_action) of a cancelled order: what does the gateway
   * say now? One whose provider id we never stored (the process died during the call) is replayed with
   * its own idempotency key: the provider answers with the original outcome, or — if the first call
   * never reached it — charges now, and that charge is refunded like any other of a cancelled order.
   * A charge we could not see would otherwise be kept.
   */
  private async settleUndecided(payment: Payment, correlationId: string): Promise<void> {
    await this.attempts.settle(payment, correlationId)
  }

  /**
   * Moves the payment and writes the event reporting the move in the same transaction (the outbox):
   * only the write that moves it reports it, and no crash separates the two.
   */
  private async moveAndReport(paymentId: string, change: PaymentChange, type: EventType, correlationId: string): Promise<Payment | undefined> {
    const current = await this.payments.get(paymentId)
    if (!current) return undefined
    const event = newEvent(
      type,
      { paymentId: current.id, orderId: current.orderId, userId: current.userId, amount: current.amount, currency: current.currency, status: change.to },
      correlationId
    )
    return this.payments.move(paymentId, change, [{ topicArn: this.paymentEventsTopicArn, event }])
  }
}
