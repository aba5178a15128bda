// POST /webhooks/stripe: no JWT (Stripe calls it); trust comes from the signature, verified on the
// raw body, so this plugin parses JSON bodies as raw buffers. 400 on a bad or stale signature
// (nothing changes); 5xx when processing fails, so Stripe retries.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorRef } from '../schemas/common'
import { WebhookAck } from '../schemas/payments'
import type { PaymentService } from '../services/payment-service'

export const webhooksRoutes: FastifyPluginAsyncTypebox<{ payments: PaymentService }> = async (app, { payments }) => {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_request, body, done) => done(null, body))

  app.post(
    '/webhooks/stripe',
    {
      config: { auth: 'public' },
      schema: { tags: ['webhooks'], summary: 'Stripe webhook endpoint (signature-verified)', response: { 200: WebhookAck, 400: ErrorRef } }
    },
    async (request) => {
      const signature = request.headers['stripe-signature']
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from('')
      const { duplicate } = await payments.handleWebhook(raw, Array.isArray(signature) ? signature[0] : signature, request.id)
      return { received: true as const, duplicate }
    }
  )
}
