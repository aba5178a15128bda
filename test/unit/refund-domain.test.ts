// The pure refund rules (src/domain/refund.ts): how a payment's refund records, amountRefunded and
// status follow from our calls and the provider's reports, whatever order they arrive in.
import t from 'tap'
import type { Payment } from '../../src/domain/payment'
import {
  refundableAmount,
  refundRetryDelayMs,
  withRefundFailed,
  withRefundIntent,
  withRefundRetry,
  withRefundSucceeded,
  withReportedRefundTotal,
  type Refund
} from '../../src/domain/refund'

const now = '2026-01-01T00:00:00.000Z'
const paid: Payment = { id: 'pay_1', orderId: 'o1', userId: 'u1', amount: 2599, currency: 'usd', status: 'succeeded', gatewayPaymentId: 'pi_1', createdAt: now, updatedAt: now }
const intent = (id: string, amount: number): Refund => ({ id, kind: 'manual', amount, reason: 'r', status: 'pending', attempts: 0, createdAt: now, updatedAt: now })
const apply = (payment: Payment, state: ReturnType<typeof withRefundIntent>): Payment => ({ ...payment, ...state })

t.test('an intent makes the payment refund_pending and reserves its amount; written once', async (t) => {
  const state = withRefundIntent(paid, intent('rf_1', 1000))
  t.match(state, { status: 'refund_pending', amountRefunded: 0 })
  const pending = apply(paid, state)
  t.equal(refundableAmount(pending), 1599)
  t.equal(withRefundIntent(pending, intent('rf_1', 1000)), undefined, 'the same refund again changes nothing')
})

t.test("the provider's webhook before our answer: counted once", async (t) => {
  const pending = apply(paid, withRefundIntent(paid, intent('rf_1', 1000)))
  const reported = apply(pending, withReportedRefundTotal(pending, 1000, false))
  t.match(reported, { status: 'refund_pending', amountRefunded: 1000 }, 'still waiting for our answer')
  const done = apply(reported, withRefundSucceeded(reported, 'rf_1', { gatewayRefundId: 're_1', amount: 1000, chargeAmountRefunded: 1000 }, now))
  t.match(done, { status: 'partially_refunded', amountRefunded: 1000 })
  t.equal(withRefundSucceeded(done, 'rf_1', { gatewayRefundId: 're_1', amount: 1000 }, now), undefined, 'a second answer changes nothing')
  t.equal(withReportedRefundTotal(done, 1000, false), undefined, 'a late or repeated webhook changes nothing')
  t.equal(withReportedRefundTotal(done, 500, false), undefined, 'an older total never lowers it')
  t.match(withReportedRefundTotal(done, 2599, true), { status: 'refunded', amountRefunded: 2599 }, 'a dashboard refund of the rest')
})

t.test('transient failures back off; a refusal for good is kept', async (t) => {
  t.same([1, 2, 3, 4, 20].map(refundRetryDelayMs), [0, 15_000, 30_000, 60_000, 3_600_000])
  const pending = apply(paid, withRefundIntent(paid, intent('rf_1', 1000)))
  const retried = apply(pending, withRefundRetry(pending, 'rf_1', 'Stripe: api_error', now))
  t.match(retried.refunds?.[0], { status: 'pending', attempts: 1, nextAttemptAt: now, lastError: 'Stripe: api_error' })
  const failed = apply(retried, withRefundFailed(retried, 'rf_1', { code: 'amount_too_large', message: 'too much', chargeFullyRefunded: false }, now))
  t.match(failed, { status: 'succeeded', amountRefunded: 0, refunds: [{ status: 'failed', failureCode: 'amount_too_large', attempts: 2 }] })
  t.notOk('nextAttemptAt' in (failed.refunds?.[0] ?? {}))
  const already = withRefundFailed(pending, 'rf_1', { code: 'charge_already_refunded', message: 'refunded', chargeFullyRefunded: true }, now)
  t.match(already, { status: 'refunded', amountRefunded: 2599 }, 'Stripe says it is refunded: it is')
})
