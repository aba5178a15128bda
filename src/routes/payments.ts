// Payments routes: POST /payments (owner; Idempotency-Key required) and GET /payments/{id}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../plugins/auth-guard'
import { sendStoredResponse } from '../plugins/idempotency-key'
import { ErrorRef } from '../schemas/common'
import { PayBody, PayHeaders, PaymentIdParams, PaymentResponse, PaymentResultSchema } from '../schemas/payments'
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
      config: { auth: 'customer' },
      schema: {
        tags,
        summary: 'Pay an order awaiting payment (amount from the order)',
        headers: PayHeaders,
        body: PayBody,
        response: { 200: PaymentResultSchema, 400: ErrorRef, 401: ErrorRef, 402: ErrorRef, 404: ErrorRef, 409: ErrorRef, 422: ErrorRef }
      }
    },
    async (request, reply) => {
      const caller = principalOf(request)
      const key = request.headers['idempotency-key']
      const result = await idempotency.run(`payments:${caller.userId}`, key, request.body, async () => ({
        statusCode: 200,
        body: await payments.pay(caller, request.body, key, request.id)
      }))
      return sendStoredResponse(reply, result)
    }
  )

  app.get(
    '/payments/:id',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'A payment (owner or admin)', params: PaymentIdParams, response: { 200: PaymentResponse, 401: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ payment: await payments.get(principalOf(request), request.params.id) })
  )
}
