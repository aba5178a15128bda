// Payments of orders through the payment gateway (Stripe). The amount and currency always come from
// the order. One attempt at a time holds an order (a conditional lock), so two payments can never both
// charge it; the gateway call carries an idempotency key derived from ours, so a retried request never
// charges twice. Whether a payment's outcome arrives in the API response or a webhook, it is applied
// once: payment statuses only move forward and only the write that moves one publishes the event.
import { createHash } from 'node:crypto'
import { ConflictError, NotFoundError, PaymentDeclinedError, ValidationError } from '../domain/errors'
import type { Order } from '../domain/order'
import type { Payment, PaymentStatus } from '../domain/payment'
import type { Principal } from '../domain/user'
import type { EventBus } from '../ports/event-bus'
import type { OrderRepository } from '../ports/order-repository'
import { WebhookSignatureError, type GatewayPayment, type PaymentGateway } from '../ports/payment-gateway'
import type { PaymentRepository } from '../ports/payment-repository'
import type { ProcessedEvents } from '../ports/processed-events'
import { EventType, newEvent } from './events'

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

export type PaymentView = Omit<Payment, 'gatewayPaymentId'>

const WEBHOOK_CONSUMER = 'stripe-webhook'

export class PaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly orders: OrderRepository,
    private readonly gateway: PaymentGateway,
    private readonly events: EventBus,
    private readonly processed: ProcessedEvents,
    private readonly paymentEventsTopicArn: string
  ) {}

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
    if (order.status !== 'awaiting_payment') {
      throw new ConflictError(`The order is ${order.status}, not awaiting payment.`, { currentStatus: order.status })
    }

    const paymentId = `pay_${createHash('sha256').update(`${caller.userId}:${idempotencyKey}`).digest('hex').slice(0, 24)}`
    const lock = await this.orders.lockForPayment(order.id, paymentId)
    if (lock === 'not_payable') {
      const current = await this.orders.get(order.id)
      throw new ConflictError(`The order is ${current?.status ?? 'gone'}, not awaiting payment.`, { currentStatus: current?.status })
    }
    if (lock === 'held_by_other') throw new ConflictError('Another payment of this order is in progress or has succeeded.', { currentStatus: order.status })

    const now = new Date().toISOString()
    await this.payments.create({ id: paymentId, orderId: order.id, userId: order.userId, amount: order.total, currency: order.currency, status: 'processing', createdAt: now, updatedAt: now })
    const outcome = await this.gateway.createPayment({
      amount: order.total,
      currency: order.currency,
      paymentMethodId: input.paymentMethodId,
      metadata: { orderId: order.id, paymentId, userId: order.userId },
      idempotencyKey: `payment:${paymentId}`
    })
    const payment = await this.apply(paymentId, outcome, correlationId)
    if (payment.status === 'failed') {
      throw new PaymentDeclinedError(outcome.failureMessage ?? 'The payment was declined.', { paymentId, declineCode: outcome.declineCode ?? 'generic_decline' })
    }
    return {
      paymentId,
      status: payment.status,
      ...(payment.status === 'requires_action' ? { requiresAction: true, clientSecret: outcome.clientSecret } : {})
    }
  }

  async get(caller: Principal, paymentId: string): Promise<PaymentView> {
    const payment = await this.payments.get(paymentId)
    if (!payment || (payment.userId !== caller.userId && !caller.roles.includes('admin'))) throw new NotFoundError('Payment not found.')
    const { gatewayPaymentId: _gateway, ...view } = payment
    return view
  }

  /** A verified gateway webhook: each event id is processed once; a failure is thrown so the gateway retries. */
  async handleWebhook(rawBody: Buffer, signature: string | undefined, correlationId: string): Promise<{ duplicate: boolean }> {
    let event
    try {
      event = this.gateway.parseWebhook(rawBody, signature)
    } catch (error) {
      if (error instanceof WebhookSignatureError) throw new ValidationError('Invalid webhook signature.', { field: 'stripe-signature' })
      throw error
    }
    if (await this.processed.has(WEBHOOK_CONSUMER, event.id)) return { duplicate: true }
    const paymentIntent = event.payment ?? (event.paymentIntentId ? await this.gateway.getPayment(event.paymentIntentId) : undefined)
    const paymentId = paymentIntent?.metadata.paymentId
    if (paymentIntent && paymentId && (await this.payments.get(paymentId))) {
      if (event.type === 'charge.refunded') {
        await this.markRefunded(paymentId, event.refund?.id, correlationId)
      } else if (event.type.startsWith('payment_intent.')) {
        await this.apply(paymentId, paymentIntent, correlationId)
      }
    }
    await this.processed.remember(WEBHOOK_CONSUMER, event.id)
    return { duplicate: false }
  }

  /**
   * Before the saga cancels an order for a payment timeout: did its payment succeed after all? Asks
   * the gateway (not only our records), and applies what it says.
   */
  async reconcile(order: Order, correlationId: string): Promise<{ paid: boolean; paymentId: string | null }> {
    if (!order.paymentLock) return { paid: false, paymentId: null }
    const payment = await this.payments.get(order.paymentLock)
    if (!payment?.gatewayPaymentId) return { paid: false, paymentId: null }
    const updated = await this.apply(payment.id, await this.gateway.getPayment(payment.gatewayPaymentId), correlationId)
    return { paid: updated.status === 'succeeded', paymentId: updated.status === 'succeeded' ? updated.id : null }
  }

  /** Refunds every succeeded payment of a cancelled order (idempotent: one refund per payment). */
  async refundOrder(order: Order, correlationId: string): Promise<void> {
    for (const payment of await this.payments.listByOrder(order.id)) {
      if (payment.status !== 'succeeded' || !payment.gatewayPaymentId) continue
      const refund = await this.gateway.refund(payment.gatewayPaymentId, `refund:${payment.id}`)
      await this.markRefunded(payment.id, refund.id, correlationId)
    }
  }

  /** Moves our record to what the gateway says, publishing the event of a move that happened. */
  private async apply(paymentId: string, outcome: GatewayPayment, correlationId: string): Promise<Payment> {
    const common = { gatewayPaymentId: outcome.id }
    let moved: Payment | undefined
    switch (outcome.status) {
      case 'succeeded':
        moved = await this.payments.move(paymentId, { to: 'succeeded', set: common })
        if (moved) await this.publish(EventType.PAYMENT_CONFIRMED, moved, correlationId)
        break
      case 'requires_action':
        moved = await this.payments.move(paymentId, { to: 'requires_action', set: common })
        break
      case 'failed':
      case 'canceled':
        moved = await this.payments.move(paymentId, {
          to: 'failed',
          set: { ...common, declineCode: outcome.declineCode, failureMessage: outcome.failureMessage }
        })
        if (moved) {
          // The order stays payable (with another card) until its payment window ends.
          await this.orders.unlockPayment(moved.orderId, moved.id)
          await this.publish(EventType.PAYMENT_FAILED, moved, correlationId)
        }
        break
      default:
        break
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

  private async markRefunded(paymentId: string, refundId: string | undefined, correlationId: string): Promise<void> {
    const moved = await this.payments.move(paymentId, { to: 'refunded', set: refundId ? { refundId } : {} })
    if (moved) await this.publish(EventType.PAYMENT_REFUNDED, moved, correlationId)
  }

  private async publish(type: EventType, payment: Payment, correlationId: string): Promise<void> {
    await this.events.publish(
      this.paymentEventsTopicArn,
      newEvent(type, { paymentId: payment.id, orderId: payment.orderId, userId: payment.userId, amount: payment.amount, currency: payment.currency, status: payment.status }, correlationId)
    )
  }
}
