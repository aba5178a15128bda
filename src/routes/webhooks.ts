// POST /webhooks/stripe: no JWT (Stripe calls it); trust comes from the signature, verified on the
// raw body, so this plugin parses JSON bodies as raw buffers. 400 on a bad or stale signature
// (nothing changes); 2xx for events about objects we do not know and types we do not handle (logged);
// 5xx only when processing fails and a retry can help, so Stripe retries.
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
      const outcome = await payments.handleWebhook(raw, Array.isArray(signature) ? signature[0] : signature, request.id)
      if (outcome.ignored) request.log.info({ eventId: outcome.eventId, eventType: outcome.eventType, reason: outcome.ignored }, 'stripe webhook ignored')
      return { received: true as const, duplicate: outcome.duplicate }
    }
  )
}
