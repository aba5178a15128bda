// Payments routes: POST /payments (owner; Idempotency-Key required), GET /payments/{id}, and
// POST /payments/{id}/refunds (admin; Idempotency-Key required).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../plugins/auth-guard'
import { idempotencyKeyOf, replyIdempotently } from '../plugins/idempotency-key'
import { ErrorRef } from '../schemas/common'
import { PayBody, PaymentIdParams, PaymentResponse, PaymentResultSchema, RefundBody, RefundResponse } from '../schemas/payments'
import type { Idempotency } from '../services/idempotency'
import type { PaymentService } from '../services/payment-service'

export interface PaymentsRoutesOptions {
  payments: PaymentService
  idempotency: Idempotency
}

export const paymentsRoutes: FastifyPluginAsyncTypebox<PaymentsRoutesOptions> = async (app, { payments, idempotency }) => {
  const tags = ['payments']

  app.post(
    '/payments',
    {
      config: { auth: 'customer', idempotencyKey: 'required' },
      schema: {
        tags,
        summary: 'Pay an order awaiting payment (amount from the order)',
        description:
          '400 when the payment provider refuses the payment method (e.g. it does not exist; the order stays payable), 402 on a decline, ' +
          '409 when the order is not payable (its payment window has closed) or another payment holds it, 503 with Retry-After when the ' +
          'payment provider is unavailable: retry with the same Idempotency-Key (the payment is never taken twice; another key gets 409 or 503 until it is settled).',
        body: PayBody,
        response: { 200: PaymentResultSchema, 400: ErrorRef, 401: ErrorRef, 402: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef, 503: ErrorRef }
      }
    },
    async (request, reply) => {
      const caller = principalOf(request)
      const key = idempotencyKeyOf(request)
      return replyIdempotently(request, reply, idempotency, `payments:${caller.userId}`, request.body, async () => ({
        statusCode: 200,
        body: await payments.pay(caller, request.body, key, request.id)
      }))
    }
  )

  app.get(
    '/payments/:id',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'A payment (owner or admin)', params: PaymentIdParams, response: { 200: PaymentResponse, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ payment: await payments.get(principalOf(request), request.params.id) })
  )

  app.post(
    '/payments/:id/refunds',
    {
      config: { auth: 'admin', idempotencyKey: 'required' },
      schema: {
        tags,
        summary: 'Refund part or all of a payment (admin)',
        description:
          'The refund is recorded before Stripe is asked. 201 with status succeeded when Stripe made it, pending when Stripe could not be ' +
          'reached (it is retried until Stripe answers), failed when Stripe refused it for good. 409 when the payment is not succeeded or ' +
          'partially_refunded, or the amount is more than what is left to refund. Retries with the same Idempotency-Key and body get the first response.',
        params: PaymentIdParams,
        body: RefundBody,
        response: { 201: RefundResponse, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef, 503: ErrorRef }
      }
    },
    async (request, reply) => {
      const caller = principalOf(request)
      const key = idempotencyKeyOf(request)
      const paymentId = request.params.id
      return replyIdempotently(request, reply, idempotency, `refunds:${caller.userId}`, { paymentId, ...request.body }, async () => ({
        statusCode: 201,
        body: { refund: await payments.refund(caller, paymentId, request.body, key, request.id) }
      }))
    }
  )
}
