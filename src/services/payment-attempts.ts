// One payment attempt of an order, from POST /payments to its outcome, and the end of the payment
// window (PaymentService.pay and reconcile delegate here).
//
// The rules, and why:
// - The attempt's record (with its payment method) is written before it takes the order's lock, so
//   whoever finds the order locked also finds the attempt holding it, with everything needed to send
//   the very same request to the provider again: same idempotency key (derived from the payment id),
//   same parameters. Replaying it is how an attempt whose outcome was lost (a crash mid-call, a 5xx,
//   a timeout) is settled: the provider answers with the original outcome if it ran the request, or
//   runs it now. It can never charge twice, because one attempt has one key.
// - The lock is let go only once the outcome is known to be "no charge": a decline, or a request the
//   provider refused (unknown payment method: 400, and the order stays payable). When the provider is
//   unavailable the outcome is unknown (it may have charged): the attempt keeps the order and the
//   client gets 503 with Retry-After. Retrying with the same Idempotency-Key continues the same attempt;
//   a different key first settles the held attempt by replaying it, then either pays (the held one
//   failed), or gets 409 (it succeeded, or it is still undecided), or 503 (the provider is still down).
//   Releasing the lock on a 503 instead would let a second key charge while the first may have charged.
// - The payment window ends with closePaymentWindow, a conditional write that succeeds only while no
//   attempt holds the order; lockForPayment refuses a closed window. So an attempt that took the order
//   while it was payable wins: reconcile waits for its outcome (PaymentInFlight, retried by the saga
//   and the recovery sweeper) instead of cancelling an order whose customer is being charged.
// - 3-D Secure not completed within the window (requires_action at reconcile): the window wins, as
//   DESIGN says (the customer gets the payment window). The attempt keeps the lock, so the cancel that
//   follows refunds it if it completed in between, and a later completion is refunded by
//   refundIfOrderGone. An attempt the provider cannot settle for UNDECIDED_LIMIT_MS loses the same way.
import type { CreatePaymentInput, GatewayPayment, PaymentGateway } from '../ports/payment-gateway'
import { PaymentGatewayError } from '../ports/payment-gateway'
import { ConflictError, IdempotencyKeyReuseError, PaymentDeclinedError, ServiceUnavailableError, ValidationError } from '../domain/errors'
import type { Order } from '../domain/order'
import { isCharged, type Payment } from '../domain/payment'
import type { OrderRepository } from '../ports/order-repository'
import type { PaymentChange, PaymentRepository } from '../ports/payment-repository'
import { EventType } from './events'
import type { PaymentResult } from './payment-service'

/**
 * A payment that holds the order is still undecided (its provider call may be in flight, or the
 * provider cannot answer now). The saga's ReconcilePayment retries on this name; the recovery sweeper
 * looks again on its next run.
 */
export class PaymentInFlightError extends Error {
  override readonly name = 'PaymentInFlight'
}

/** How long an attempt the provider cannot settle may hold an order past its window before the window wins. */
export const UNDECIDED_LIMIT_MS = 10 * 60 * 1000

/** Rounds of "the holder failed, try again" before giving up (each round is a new attempt taking the order). */
const MAX_ROUNDS = 3

export interface AttemptHooks {
  /** PaymentService.apply: our record moved to the provider's outcome (events, unlock on failure, late-success refunds). */
  apply(paymentId: string, outcome: GatewayPayment, correlationId: string): Promise<Payment>
  /** PaymentService.moveAndReport: the move and its event in one transaction. */
  moveAndReport(paymentId: string, change: PaymentChange, type: EventType, correlationId: string): Promise<Payment | undefined>
}

export class PaymentAttempts {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly orders: OrderRepository,
    private readonly gateway: PaymentGateway,
    private readonly hooks: AttemptHooks
  ) {}

  /** Pays `order` (its owner and amount already checked) as attempt `paymentId`, new or continued. */
  async pay(order: Order, paymentId: string, paymentMethodId: string, correlationId: string): Promise<PaymentResult> {
    const earlier = await this.payments.get(paymentId)
    if (earlier) return this.resume(earlier, order, paymentMethodId, correlationId)
    if (order.status !== 'awaiting_payment') throw notAwaiting(order)
    const now = new Date().toISOString()
    const payment: Payment = {
      id: paymentId,
      orderId: order.id,
      userId: order.userId,
      amount: order.total,
      currency: order.currency,
      status: 'processing',
      paymentMethodId,
      createdAt: now,
      updatedAt: now
    }
    if (!(await this.payments.create(payment))) {
      const raced = await this.payments.get(paymentId)
      if (raced) return this.resume(raced, order, paymentMethodId, correlationId)
    }
    return this.attempt(payment, order, correlationId)
  }

  /**
   * The end of the payment window (the saga's timeout path, the recovery sweeper): closes it unless a
   * payment holds the order, in which case that payment's outcome decides. Throws PaymentInFlightError
   * while it is undecided.
   */
  async reconcile(order: Order, correlationId: string): Promise<{ paid: boolean; paymentId: string | null }> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if ((await this.orders.closePaymentWindow(order.id)) !== 'locked') {
        await this.abandonStrays(order.id, undefined)
        return { paid: false, paymentId: null }
      }
      const current = await this.orders.get(order.id)
      const lockId = current?.paymentLock
      if (!lockId) continue
      const holder = await this.payments.get(lockId)
      if (!holder) {
        // A lock without its record can only be left by code that locked before writing the record
        // (and then died before the provider call): it guards no charge.
        await this.orders.unlockPayment(order.id, lockId)
        continue
      }
      let settled = holder
      try {
        settled = await this.settle(holder, correlationId)
      } catch (error) {
        if (!(error instanceof PaymentGatewayError)) throw error
      }
      if (settled.status === 'succeeded') return { paid: true, paymentId: settled.id }
      if (settled.status === 'failed') continue
      const replayable = settled.gatewayPaymentId !== undefined || settled.paymentMethodId !== undefined
      if (settled.status === 'processing' && replayable && Date.now() - Date.parse(settled.createdAt) < UNDECIDED_LIMIT_MS) {
        throw new PaymentInFlightError(`payment ${settled.id} of order ${order.id} is still undecided`)
      }
      // The window wins (3-D Secure not completed in time, or undecidable). The attempt keeps the lock:
      // the cancel that follows refunds it if it has been charged by then, refundIfOrderGone later.
      await this.abandonStrays(order.id, settled.id)
      return { paid: false, paymentId: null }
    }
    throw new PaymentInFlightError(`order ${order.id} keeps being taken by new payments`)
  }

  /** A retry of an attempt made before (its response lost, a 503, or an expired idempotency record). */
  private async resume(earlier: Payment, order: Order, paymentMethodId: string, correlationId: string): Promise<PaymentResult> {
    if (earlier.orderId !== order.id || (earlier.paymentMethodId !== undefined && earlier.paymentMethodId !== paymentMethodId)) {
      throw new IdempotencyKeyReuseError('This Idempotency-Key was already used for another payment; use a new key.')
    }
    switch (earlier.status) {
      case 'processing':
        return this.attempt({ ...earlier, paymentMethodId: earlier.paymentMethodId ?? paymentMethodId }, order, correlationId)
      case 'failed':
        throw new ConflictError('This payment attempt has failed; pay with a new Idempotency-Key.', { paymentId: earlier.id, currentStatus: order.status })
      case 'requires_action': {
        const intent = earlier.gatewayPaymentId ? await this.provider(() => this.gateway.getPayment(earlier.gatewayPaymentId as string), earlier) : undefined
        return { paymentId: earlier.id, status: earlier.status, requiresAction: true, ...(intent?.clientSecret ? { clientSecret: intent.clientSecret } : {}) }
      }
      default:
        return { paymentId: earlier.id, status: earlier.status }
    }
  }

  /** Takes the order for the attempt, then charges. */
  private async attempt(payment: Payment, order: Order, correlationId: string): Promise<PaymentResult> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const lock = await this.orders.lockForPayment(order.id, payment.id)
      if (lock === 'locked') return this.charge(payment, correlationId)
      const current = await this.orders.get(order.id)
      if (lock === 'not_payable') {
        // Never sent to the provider unless it held the order (then it is reconcile's to settle).
        if (current?.paymentLock !== payment.id) await this.abandon(payment, 'The order was not payable.')
        throw notAwaiting(current ?? order)
      }
      const holder = current?.paymentLock ? await this.payments.get(current.paymentLock) : undefined
      if (!holder) continue
      // Another attempt holds the order: learn its outcome (replaying it if need be) before deciding.
      const settled = await this.provider(() => this.settle(holder, correlationId), payment)
      if (settled.status === 'failed') continue
      await this.abandon(payment, 'Another payment of the order held it.')
      if (isCharged(settled)) throw new ConflictError('The order has been paid by another payment.', { currentStatus: current?.status })
      throw new ConflictError('Another payment of this order is in progress.', { currentStatus: current?.status })
    }
    throw new ConflictError('Other payments of this order keep taking it; try again.', { currentStatus: order.status })
  }

  /** The provider call of an attempt that holds the order. */
  private async charge(payment: Payment, correlationId: string): Promise<PaymentResult> {
    let outcome: GatewayPayment
    try {
      outcome = await this.gateway.createPayment(providerRequest(payment))
    } catch (error) {
      if (!(error instanceof PaymentGatewayError)) throw error
      if (refusedWithoutCharge(error)) {
        await this.fail(payment, error, correlationId)
        if (error.kind === 'invalid_request') {
          throw new ValidationError(
            error.code === 'resource_missing'
              ? `The payment method ${payment.paymentMethodId ?? ''} does not exist or cannot be used.`
              : `The payment provider refused the payment (${error.code ?? 'invalid request'}).`,
            { field: 'paymentMethodId', paymentId: payment.id, ...(error.code ? { code: error.code } : {}) }
          )
        }
        throw error
      }
      // The provider may or may not have charged: the attempt keeps the order until it is settled by a
      // retry with the same Idempotency-Key, another key (which settles it first), or reconcile.
      if (error.kind === 'unavailable') throw unavailable(payment)
      throw error
    }
    const applied = await this.hooks.apply(payment.id, outcome, correlationId)
    if (applied.status === 'failed') {
      throw new PaymentDeclinedError(outcome.failureMessage ?? applied.failureMessage ?? 'The payment was declined.', {
        paymentId: payment.id,
        declineCode: outcome.declineCode ?? applied.declineCode ?? 'generic_decline'
      })
    }
    return {
      paymentId: payment.id,
      status: applied.status,
      ...(applied.status === 'requires_action' ? { requiresAction: true, clientSecret: outcome.clientSecret } : {})
    }
  }

  /**
   * The outcome of an attempt as the provider has it now, applied to our record: looked up by its
   * provider id, or learnt by replaying its request (same key and parameters: the original outcome,
   * or the charge made now). Throws PaymentGatewayError when the provider cannot say.
   */
  async settle(payment: Payment, correlationId: string): Promise<Payment> {
    if (payment.status === 'failed') {
      // A crash between the failure and letting go of the order.
      await this.orders.unlockPayment(payment.orderId, payment.id)
      return payment
    }
    if (payment.status !== 'processing' && payment.status !== 'requires_action') return payment
    if (payment.gatewayPaymentId) return this.hooks.apply(payment.id, await this.gateway.getPayment(payment.gatewayPaymentId), correlationId)
    // Made before attempts kept their payment method: it cannot be replayed.
    if (!payment.paymentMethodId) return payment
    try {
      return await this.hooks.apply(payment.id, await this.gateway.createPayment(providerRequest(payment)), correlationId)
    } catch (error) {
      if (!(error instanceof PaymentGatewayError) || !refusedWithoutCharge(error)) throw error
      await this.fail(payment, error, correlationId)
      return (await this.payments.get(payment.id)) ?? payment
    }
  }

  /** The provider refused the attempt's request: no charge. The order is let go and stays payable. */
  private async fail(payment: Payment, error: PaymentGatewayError, correlationId: string): Promise<void> {
    const change: PaymentChange = { to: 'failed', set: { failureMessage: `Refused by the payment provider (${error.code ?? error.kind}).` } }
    const moved = await this.hooks.moveAndReport(payment.id, change, EventType.PAYMENT_FAILED, correlationId)
    if (moved) await this.orders.unlockPayment(moved.orderId, moved.id)
  }

  /**
   * Once the window is closed (or lost to `holderId`), attempts still `processing` that do not hold the
   * order never reached the provider (an attempt calls it only while holding the order, and lets go
   * only once failed): e.g. another key answered 503 while the holder could not be settled. They end
   * here, so the cancelled order has no attempt left looking undecided.
   */
  private async abandonStrays(orderId: string, holderId: string | undefined): Promise<void> {
    for (const payment of await this.payments.listByOrder(orderId)) {
      if (payment.status === 'processing' && payment.id !== holderId && !payment.gatewayPaymentId) await this.abandon(payment, 'The payment window closed.')
    }
  }

  /** An attempt that never reached the provider ends (no event: nothing happened). */
  private async abandon(payment: Payment, reason: string): Promise<void> {
    await this.payments.move(payment.id, { to: 'failed', set: { failureMessage: reason } })
  }

  /** Runs a provider call for `payment`'s request, a provider outage answered as 503. */
  private async provider<T>(call: () => Promise<T>, payment: Payment): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (error instanceof PaymentGatewayError && error.kind === 'unavailable') throw unavailable(payment)
      throw error
    }
  }
}

/** The attempt's request to the provider, rebuilt identically every time (the key only holds for the same parameters). */
function providerRequest(payment: Payment): CreatePaymentInput {
  return {
    amount: payment.amount,
    currency: payment.currency,
    paymentMethodId: payment.paymentMethodId as string,
    metadata: { orderId: payment.orderId, paymentId: payment.id, userId: payment.userId },
    idempotencyKey: `payment:${payment.id}`
  }
}

/**
 * Errors after which the provider certainly took no money: it refused the request (unknown payment
 * method, bad parameters; not "the same key is in use by a request in flight"), or did not accept our
 * credentials, or has no such endpoint.
 */
function refusedWithoutCharge(error: PaymentGatewayError): boolean {
  if (error.kind === 'invalid_request') return error.code !== 'idempotency_key_in_use'
  return error.kind === 'authentication' || error.kind === 'not_found'
}

function unavailable(payment: Payment): ServiceUnavailableError {
  return new ServiceUnavailableError('The payment provider is unavailable. Retry with the same Idempotency-Key: the payment is never taken twice.', {
    paymentId: payment.id
  })
}

function notAwaiting(order: Pick<Order, 'status'>): ConflictError {
  // Awaiting payment yet not payable: its payment window has closed (it is being cancelled).
  const message = order.status === 'awaiting_payment' ? 'The payment window of this order has closed.' : `The order is ${order.status}, not awaiting payment.`
  return new ConflictError(message, { currentStatus: order.status })
}
