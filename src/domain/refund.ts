// Refunds of a charged payment. Each refund is a record on its payment, written `pending` before the
// provider is asked (so neither a crash nor a provider outage can lose the intent to give money back),
// then `succeeded` once the provider confirms, or `failed` when it refuses for good (kept, with the
// reason, so a person can see it). The payment's status and amountRefunded follow from the records and
// from what the provider reports. Pure functions: each returns the payment's next refund state, or
// undefined when there is nothing to change (a repeated or stale report).
import type { Payment, PaymentStatus } from './payment'

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const
export type RefundStatus = (typeof REFUND_STATUSES)[number]

/** `cancellation`: everything left, because the order was cancelled. `manual`: an admin's refund of an amount. */
export type RefundKind = 'cancellation' | 'manual'

export interface Refund {
  /** Ours, derived from what asked for it; also names the provider's idempotency key (one refund per id). */
  id: string
  kind: RefundKind
  /** Minor units. A cancellation's is what was left when it was asked for, then the provider's figure. */
  amount: number
  reason: string
  status: RefundStatus
  /** The provider's refund id (`re_...`), once it has made the refund. Internal. */
  gatewayRefundId?: string
  /** Why it failed for good: the provider's error code and message. */
  failureCode?: string
  failureMessage?: string
  /** Calls to the provider so far. Internal. */
  attempts: number
  /** After a transient failure: not retried before this time. Internal. */
  nextAttemptAt?: string
  /** The last transient failure. Internal. */
  lastError?: string
  createdAt: string
  updatedAt: string
}

/** A payment's refund state as one write stores it. */
export interface RefundState {
  status: PaymentStatus
  amountRefunded: number
  refunds: Refund[]
}

/** The first retry waits for the next sweep; later ones back off from this, doubling, up to the cap. */
export const REFUND_RETRY_BASE_MS = 15_000
export const REFUND_RETRY_MAX_MS = 60 * 60 * 1000

/** How long to wait before the next call to the provider, after `attempts` calls have failed transiently. */
export function refundRetryDelayMs(attempts: number): number {
  if (attempts <= 1) return 0
  return Math.min(REFUND_RETRY_BASE_MS * 2 ** (attempts - 2), REFUND_RETRY_MAX_MS)
}

/** A charged payment's status: refund_pending while a refund awaits the provider, else by the amount given back. */
export function refundedStatus(amount: number, amountRefunded: number, refunds: readonly Refund[]): PaymentStatus {
  if (refunds.some((refund) => refund.status === 'pending')) return 'refund_pending'
  if (amountRefunded >= amount) return 'refunded'
  return amountRefunded > 0 ? 'partially_refunded' : 'succeeded'
}

/**
 * What may still be refunded: the amount less what is refunded and what pending refunds will take.
 * (A pending refund the provider has already reported counts twice until it is confirmed: this errs
 * on the side of never asking for more than the charge.)
 */
export function refundableAmount(payment: Pick<Payment, 'amount' | 'amountRefunded' | 'refunds'>): number {
  const pending = (payment.refunds ?? []).filter((refund) => refund.status === 'pending').reduce((sum, refund) => sum + refund.amount, 0)
  return Math.max(0, payment.amount - (payment.amountRefunded ?? 0) - pending)
}

export function findRefund(payment: Pick<Payment, 'refunds'>, refundId: string): Refund | undefined {
  return (payment.refunds ?? []).find((refund) => refund.id === refundId)
}

/** The intent to refund, written before the provider is called. Undefined if it is recorded already. */
export function withRefundIntent(payment: Payment, refund: Refund): RefundState | undefined {
  if (findRefund(payment, refund.id)) return undefined
  return state(payment, payment.amountRefunded ?? 0, [...(payment.refunds ?? []), refund])
}

export interface ProviderRefund {
  gatewayRefundId: string
  amount: number
  /** The charge's total refunded after this refund, others included, when the provider says. */
  chargeAmountRefunded?: number
}

/** The provider made the refund. */
export function withRefundSucceeded(payment: Payment, refundId: string, made: ProviderRefund, now: string): RefundState | undefined {
  const refunds = changeRefund(payment, refundId, now, (refund) => ({
    status: 'succeeded',
    amount: made.amount,
    gatewayRefundId: made.gatewayRefundId,
    attempts: refund.attempts + 1,
    nextAttemptAt: undefined,
    lastError: undefined
  }))
  if (!refunds) return undefined
  // The provider's running total counts refunds made elsewhere (its dashboard) too; without it, ours
  // are a lower bound. Never down: a charge.refunded webhook may already have reported more.
  const ours = refunds.filter((refund) => refund.status === 'succeeded').reduce((sum, refund) => sum + refund.amount, 0)
  const reported = Math.max(payment.amountRefunded ?? 0, made.chargeAmountRefunded ?? ours)
  return state(payment, Math.min(payment.amount, reported), refunds)
}

/** The provider could not be reached or failed: try again later with the same idempotency key. */
export function withRefundRetry(payment: Payment, refundId: string, error: string, now: string): RefundState | undefined {
  const refunds = changeRefund(payment, refundId, now, (refund) => {
    const attempts = refund.attempts + 1
    return { attempts, lastError: error.slice(0, 500), nextAttemptAt: new Date(Date.parse(now) + refundRetryDelayMs(attempts)).toISOString() }
  })
  return refunds && state(payment, payment.amountRefunded ?? 0, refunds)
}

/**
 * The provider refused for good. When it refused because the charge is refunded already (e.g. from
 * its dashboard, before its webhook reached us), the payment is recorded as fully refunded.
 */
export function withRefundFailed(payment: Payment, refundId: string, failure: { code: string; message: string; chargeFullyRefunded: boolean }, now: string): RefundState | undefined {
  const refunds = changeRefund(payment, refundId, now, (refund) => ({
    status: 'failed',
    attempts: refund.attempts + 1,
    failureCode: failure.code,
    failureMessage: failure.message.slice(0, 500),
    nextAttemptAt: undefined
  }))
  return refunds && state(payment, failure.chargeFullyRefunded ? payment.amount : (payment.amountRefunded ?? 0), refunds)
}

/** The provider reports the charge's refunded total (charge.refunded): recorded if it is news. */
export function withReportedRefundTotal(payment: Payment, amountRefunded: number, fullyRefunded: boolean): RefundState | undefined {
  const total = Math.min(payment.amount, fullyRefunded ? payment.amount : amountRefunded)
  if (total <= (payment.amountRefunded ?? 0)) return undefined
  return state(payment, total, payment.refunds ?? [])
}

function changeRefund(payment: Payment, refundId: string, now: string, change: (refund: Refund) => Partial<Refund>): Refund[] | undefined {
  const refunds = payment.refunds ?? []
  const index = refunds.findIndex((refund) => refund.id === refundId)
  const refund = refunds[index]
  if (!refund || refund.status !== 'pending') return undefined
  const changed: Refund = { ...refund, ...change(refund), updatedAt: now }
  for (const key of Object.keys(changed) as Array<keyof Refund>) if (changed[key] === undefined) delete changed[key]
  return refunds.map((entry, position) => (position === index ? changed : entry))
}

function state(payment: Payment, amountRefunded: number, refunds: Refund[]): RefundState {
  return { status: refundedStatus(payment.amount, amountRefunded, refunds), amountRefunded, refunds }
}
