// Durable refunds (DESIGN.md sections 5-7). The intent to refund is written on the payment (a
// `pending` refund record, status refund_pending) before the provider is called, with its own
// deterministic idempotency key (`refund:<refund id>`), so a retry is always the same refund. A
// transient provider failure leaves it pending, retried with backoff by retryPending (the recovery
// sweeper); a refusal for good is recorded `failed` with the reason and never retried. A cancelled
// order that may have been paid carries refundDueAt (written by the cancel itself) until an intent is
// written for every payment of it, which closes the crash window between the cancel and the intent.
// PAYMENT_REFUNDED is written (transactional outbox) by the write that raises amountRefunded, and only
// by it: once per money movement, whether our call or the provider's webhook reports it first.
import { createHash } from 'node:crypto'
import { ConflictError, IdempotencyKeyReuseError, NotFoundError } from '../domain/errors'
import type { Order } from '../domain/order'
import { isCharged, type Payment, type PaymentStatus } from '../domain/payment'
import {
  findRefund,
  refundableAmount,
  withRefundFailed,
  withRefundIntent,
  withRefundRetry,
  withRefundSucceeded,
  withReportedRefundTotal,
  type Refund,
  type RefundState,
  type RefundStatus
} from '../domain/refund'
import { NO_METRICS, type Metrics } from '../ports/metrics'
import type { OrderRepository } from '../ports/order-repository'
import type { OutboxEntry } from '../ports/outbox'
import { PaymentGatewayError, type PaymentGatewayErrorKind, type PaymentGateway } from '../ports/payment-gateway'
import type { PaymentRepository } from '../ports/payment-repository'
import { EventType, newEvent } from './events'
import { LOST_RACE, retryOnRace } from './race-retry'

export interface RefundTally {
  /** Refunds the provider confirmed in this run. */
  completed: number
  /** Refunds still waiting for the provider after this run (retried later). */
  pending: number
  /** Refunds the provider refused for good in this run (kept as failed, not retried). */
  failed: number
}

export interface ManualRefund {
  /** Minor units. */
  amount: number
  reason: string
}

/** A refund as clients see it. */
export type RefundView = Pick<Refund, 'id' | 'amount' | 'reason' | 'status' | 'failureCode' | 'failureMessage' | 'createdAt' | 'updatedAt'>

export function refundView(refund: Refund): RefundView {
  const { id, amount, reason, status, failureCode, failureMessage, createdAt, updatedAt } = refund
  return { id, amount, reason, status, ...(failureCode ? { failureCode } : {}), ...(failureMessage ? { failureMessage } : {}), createdAt, updatedAt }
}

/** Refusals a retry cannot change. (`authentication` is configuration: retried once it is fixed.) */
const REFUSED_FOR_GOOD: ReadonlySet<PaymentGatewayErrorKind> = new Set(['invalid_request', 'not_found', 'idempotency'])
/** Refusals that mean "nothing (or less) is left to refund" at the provider. */
const NOTHING_LEFT_CODES: ReadonlySet<string> = new Set(['charge_already_refunded', 'amount_too_large'])
const UNDECIDED: readonly PaymentStatus[] = ['processing', 'requires_action']
/** A payment lock with no payment record this long after the cancel: the attempt died before it charged anything. */
const ORPHAN_LOCK_MS = 15 * 60 * 1000
const BATCH = 100
const SAVE_RETRIES = 8

export class Refunds {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly orders: OrderRepository,
    private readonly gateway: PaymentGateway,
    private readonly paymentEventsTopicArn: string,
    /** Asks the provider about an undecided payment (processing, requires_action) and applies its answer. */
    private readonly settle: (payment: Payment, correlationId: string) => Promise<void>,
    private readonly now: () => number = Date.now,
    private readonly metrics: Metrics = NO_METRICS
  ) {}

  /**
   * A cancelled order: writes a refund intent for every charged payment (all that is left of it),
   * takes the order out of byRefundDue once no payment of it is undecided, then asks the provider.
   * A provider failure is not thrown: the refund stays pending for retryPending.
   */
  async refundOrder(order: Order, correlationId: string): Promise<RefundTally> {
    const { payments } = await this.writeCancellationIntents(order, correlationId)
    return this.attemptAll(payments, correlationId, this.isoNow())
  }

  /** An admin's refund of `amount`; `idempotencyKey` makes it one refund however often it is sent. */
  async refundManually(callerId: string, paymentId: string, request: ManualRefund, idempotencyKey: string, correlationId: string): Promise<RefundView> {
    const payment = await this.payments.get(paymentId)
    if (!payment) throw new NotFoundError('Payment not found.')
    const id = refundIdOf(`${payment.id}:manual:${callerId}:${idempotencyKey}`)
    const known = findRefund(payment, id)
    if (known && (known.amount !== request.amount || known.reason !== request.reason)) {
      throw new IdempotencyKeyReuseError('This Idempotency-Key was already used for another refund of this payment.')
    }
    if (!known) {
      const now = this.isoNow()
      await this.change(
        payment.id,
        (fresh) => {
          if (findRefund(fresh, id)) return undefined
          if (fresh.status !== 'succeeded' && fresh.status !== 'partially_refunded') {
            throw new ConflictError(`The payment is ${fresh.status}; only a succeeded or partially refunded payment can be refunded.`, { currentStatus: fresh.status })
          }
          const left = refundableAmount(fresh)
          if (request.amount > left) throw new ConflictError(`The amount is more than what is left to refund (${left}).`, { refundable: left })
          return withRefundIntent(fresh, { id, kind: 'manual', amount: request.amount, reason: request.reason, status: 'pending', attempts: 0, createdAt: now, updatedAt: now })
        },
        correlationId
      )
    }
    const status = await this.attempt(payment.id, id, correlationId)
    const refund = findRefund((await this.payments.get(payment.id)) ?? payment, id)
    if (!refund) throw new NotFoundError('Payment not found.')
    if (status === 'failed' && refund.failureCode && NOTHING_LEFT_CODES.has(refund.failureCode)) {
      throw new ConflictError('The payment provider has less left to refund than asked for; the refund was not made.', { refundId: id, failureCode: refund.failureCode })
    }
    return refundView(refund)
  }

  /** The provider reports how much of a payment's charge is refunded (charge.refunded; also dashboard refunds). */
  async recordReportedTotal(paymentId: string, amountRefunded: number, fullyRefunded: boolean, correlationId: string): Promise<void> {
    await this.change(paymentId, (payment) => (isCharged(payment) ? withReportedRefundTotal(payment, amountRefunded, fullyRefunded) : undefined), correlationId)
  }

  /**
   * The recovery sweeper's pass: cancelled orders still owing a refund intent (index byRefundDue on
   * orders), then refunds waiting for the provider (index byStatus on payments), each retried once
   * its backoff has passed. One item's failure never stops the others; it is reported to `onError`.
   */
  async retryPending(correlationId: string, onError: (error: unknown, id: string) => void = () => undefined): Promise<RefundTally> {
    const runStart = this.isoNow()
    const tally: RefundTally = { completed: 0, pending: 0, failed: 0 }
    const seen = new Set<string>()
    for (const order of await this.orders.listRefundDue(runStart, BATCH)) {
      try {
        const payments = await this.refundDueOrder(order, correlationId)
        for (const payment of payments) seen.add(payment.id)
        add(tally, await this.attemptAll(payments, correlationId, runStart))
      } catch (error) {
        onError(error, order.id)
      }
    }
    for (const payment of await this.payments.listByStatus('refund_pending', BATCH)) {
      if (seen.has(payment.id)) continue
      try {
        add(tally, await this.attemptAll([payment], correlationId, runStart))
      } catch (error) {
        tally.pending += 1
        onError(error, payment.id)
      }
    }
    return tally
  }

  /** A cancelled order in byRefundDue: settle its undecided payments with the provider, then write the intents. */
  private async refundDueOrder(order: Order, correlationId: string): Promise<Payment[]> {
    for (const payment of await this.payments.listByOrder(order.id)) {
      if (!UNDECIDED.includes(payment.status) || !payment.gatewayPaymentId) continue
      // Not decided at the provider either, or it cannot be reached: this order is looked at again later.
      await this.settle(payment, correlationId).catch(() => undefined)
    }
    const { payments, undecided } = await this.writeCancellationIntents(order, correlationId)
    if (undecided) {
      // Back off with the age of the cancel: a 3-D Secure left open may stay undecided for a long time.
      const age = this.now() - Date.parse(order.updatedAt)
      const delay = Math.min(Math.max(age / 2, 30_000), 60 * 60 * 1000)
      await this.orders.postponeRefundDue(order.id, new Date(this.now() + delay).toISOString())
    }
    return payments
  }

  /** Intents for every charged payment of the order; out of byRefundDue once nothing is undecided. */
  private async writeCancellationIntents(order: Order, correlationId: string): Promise<{ payments: Payment[]; undecided: boolean }> {
    const payments = await this.payments.listByOrder(order.id)
    let undecided = false
    // The index may lag behind a payment that took the order just before it was cancelled.
    for (const id of new Set([order.paymentLock, order.paymentId])) {
      if (!id || payments.some((payment) => payment.id === id)) continue
      const payment = await this.payments.get(id)
      if (payment) payments.push(payment)
      else if (id === order.paymentLock && this.now() - Date.parse(order.updatedAt) < ORPHAN_LOCK_MS) undecided = true
    }
    const result: Payment[] = []
    for (const payment of payments) {
      if (UNDECIDED.includes(payment.status)) undecided = true
      if (!isCharged(payment)) {
        result.push(payment)
        continue
      }
      const id = refundIdOf(`${payment.id}:cancellation`)
      const now = this.isoNow()
      const written = await this.change(
        payment.id,
        (fresh) => {
          if (findRefund(fresh, id) || (fresh.amountRefunded ?? 0) >= fresh.amount) return undefined
          // Asked of the provider without an amount (all that is left, as it counts), so a refund made
          // meanwhile elsewhere is never given twice; the amount recorded becomes the provider's figure.
          return withRefundIntent(fresh, { id, kind: 'cancellation', amount: refundableAmount(fresh), reason: 'order_cancelled', status: 'pending', attempts: 0, createdAt: now, updatedAt: now })
        },
        correlationId
      )
      result.push(written)
    }
    if (!undecided && order.refundDueAt) await this.orders.clearRefundDue(order.id)
    return { payments: result, undecided }
  }

  /** Asks the provider for every pending refund of these payments that is due by `dueBy`. */
  private async attemptAll(payments: Payment[], correlationId: string, dueBy: string): Promise<RefundTally> {
    const tally: RefundTally = { completed: 0, pending: 0, failed: 0 }
    for (const payment of payments) {
      for (const refund of payment.refunds ?? []) {
        if (refund.status !== 'pending') continue
        if (refund.nextAttemptAt && refund.nextAttemptAt > dueBy) {
          tally.pending += 1
          continue
        }
        const status = await this.attempt(payment.id, refund.id, correlationId)
        if (status === 'succeeded') tally.completed += 1
        else tally[status] += 1
      }
    }
    return tally
  }

  /** One call to the provider for a pending refund, and its outcome recorded. The refund's status after. */
  private async attempt(paymentId: string, refundId: string, correlationId: string): Promise<RefundStatus> {
    const payment = await this.payments.get(paymentId)
    const refund = payment && findRefund(payment, refundId)
    if (!payment || !refund) throw new NotFoundError('Payment not found.')
    if (refund.status !== 'pending') return refund.status
    const now = this.isoNow()
    let next: (payment: Payment) => RefundState | undefined
    if (!payment.gatewayPaymentId) {
      next = (fresh) => withRefundFailed(fresh, refundId, { code: 'no_provider_payment', message: 'The payment has no provider payment to refund.', chargeFullyRefunded: false }, now)
    } else {
      try {
        const made = await this.gateway.refund({
          paymentIntentId: payment.gatewayPaymentId,
          ...(refund.kind === 'manual' ? { amount: refund.amount } : {}),
          idempotencyKey: `refund:${refund.id}`,
          metadata: { paymentId: payment.id, orderId: payment.orderId, refundId: refund.id }
        })
        // A refund Stripe answers `pending` is accepted: the money is on its way (amount_refunded counts it).
        next =
          made.status === 'failed'
            ? (fresh) => withRefundFailed(fresh, refundId, { code: 'refund_failed', message: 'The payment provider reports the refund as failed.', chargeFullyRefunded: false }, now)
            : (fresh) => withRefundSucceeded(fresh, refundId, { gatewayRefundId: made.id, amount: made.amount, chargeAmountRefunded: made.chargeAmountRefunded }, now)
      } catch (error) {
        if (error instanceof PaymentGatewayError && REFUSED_FOR_GOOD.has(error.kind)) {
          const failure = { code: error.code ?? error.kind, message: error.message, chargeFullyRefunded: error.code === 'charge_already_refunded' }
          next = (fresh) => withRefundFailed(fresh, refundId, failure, now)
        } else {
          // Unreachable, failing or overloaded provider (or an unexpected error): the same key next time.
          const message = error instanceof Error ? error.message : String(error)
          next = (fresh) => withRefundRetry(fresh, refundId, message, now)
        }
      }
    }
    const after = await this.change(paymentId, next, correlationId)
    return findRefund(after, refundId)?.status ?? 'pending'
  }

  /**
   * Read-modify-write of a payment's refund state under its optimistic lock, re-read and recomputed
   * when another write got there first. Publishes PAYMENT_REFUNDED when the write raised amountRefunded.
   * `next` may throw (a domain error) to refuse; undefined means nothing to change. The payment after.
   */
  private async change(paymentId: string, next: (payment: Payment) => RefundState | undefined, correlationId: string): Promise<Payment> {
    return retryOnRace({
      attempts: SAVE_RETRIES,
      read: async () => {
        const payment = await this.payments.get(paymentId)
        if (!payment) throw new NotFoundError('Payment not found.')
        return payment
      },
      decide: async (payment) => {
        const state = next(payment)
        if (!state) return payment
        const refundedNow = state.amountRefunded - (payment.amountRefunded ?? 0)
        // The event goes in the same transaction as the write that raises amountRefunded (the outbox).
        const events = refundedNow > 0 ? [this.refunded({ ...payment, ...state }, refundedNow, correlationId)] : []
        const saved = await this.payments.saveRefunds(payment, state, events)
        if (saved) this.countCompleted(payment, state)
        return saved ?? LOST_RACE
      },
      exhausted: () => {
        throw new ConflictError('The payment is changing; try again.')
      }
    })
  }

  /** RefundsCompleted: the refunds this write (the only one that can, under the optimistic lock) moved to succeeded. */
  private countCompleted(before: Payment, after: RefundState): void {
    for (const refund of after.refunds) {
      if (refund.status === 'succeeded' && findRefund(before, refund.id)?.status !== 'succeeded') this.metrics.count('RefundsCompleted', 1, { kind: refund.kind })
    }
  }

  private refunded(payment: Payment, refundedNow: number, correlationId: string): OutboxEntry {
    return {
      topicArn: this.paymentEventsTopicArn,
      event: newEvent(
        EventType.PAYMENT_REFUNDED,
        {
          paymentId: payment.id,
          orderId: payment.orderId,
          userId: payment.userId,
          amount: payment.amount,
          currency: payment.currency,
          status: payment.status,
          amountRefunded: payment.amountRefunded ?? 0,
          refundedNow
        },
        correlationId
      )
    }
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString()
  }
}

/** Our refund id, derived from what asked for it: the same request always names the same refund. */
function refundIdOf(seed: string): string {
  return `rf_${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`
}

function add(into: RefundTally, from: RefundTally): void {
  into.completed += from.completed
  into.pending += from.pending
  into.failed += from.failed
}
