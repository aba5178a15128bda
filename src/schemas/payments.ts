// Request and response schemas of the payments and webhook routes.
import { Type } from '@sinclair/typebox'
import { PAYMENT_STATUSES } from '../domain/payment'
import { REFUND_STATUSES } from '../domain/refund'
import { literalUnion } from './literal-union'

const PaymentStatusSchema = literalUnion(PAYMENT_STATUSES)
const RefundStatusSchema = literalUnion(REFUND_STATUSES)

export const PayBody = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64 }),
  paymentMethodId: Type.String({ minLength: 1, maxLength: 255, description: 'A Stripe PaymentMethod id, e.g. pm_card_visa in test mode.' }),
  amount: Type.Optional(Type.Integer({ minimum: 0, description: 'Optional check: must equal the order total (minor units). The charged amount always comes from the order.' })),
  currency: Type.Optional(Type.String({ pattern: '^[a-z]{3}$', description: 'Optional check: must equal the order currency.' }))
}, { additionalProperties: false })

export const PaymentResultSchema = Type.Object({
  paymentId: Type.String(),
  status: PaymentStatusSchema,
  requiresAction: Type.Optional(Type.Boolean()),
  clientSecret: Type.Optional(Type.String({ description: 'Pass to Stripe.js to complete 3-D Secure when requiresAction is true.' }))
})

// Inline (no $id): it appears in a payment and in the answer of POST /payments/{id}/refunds.
export const RefundSchema = Type.Object(
  {
    id: Type.String(),
    amount: Type.Integer({ description: 'Minor units.' }),
    reason: Type.String({ description: 'The admin\'s reason, or order_cancelled for the refund of a cancelled order.' }),
    status: RefundStatusSchema,
    failureCode: Type.Optional(Type.String({ description: 'Why Stripe refused it for good (status failed), e.g. charge_already_refunded.' })),
    failureMessage: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' })
  },
  { description: 'pending: asked for, waiting for Stripe (retried until it answers); succeeded: made; failed: refused for good by Stripe.' }
)

export const PaymentSchema = Type.Object(
  {
    id: Type.String(),
    orderId: Type.String(),
    userId: Type.String(),
    amount: Type.Integer({ description: 'Minor units.' }),
    currency: Type.String(),
    status: PaymentStatusSchema,
    declineCode: Type.Optional(Type.String()),
    failureMessage: Type.Optional(Type.String()),
    amountRefunded: Type.Integer({ minimum: 0, description: 'Minor units refunded so far, refunds made in the Stripe dashboard included.' }),
    refunds: Type.Array(RefundSchema, { description: 'Every refund asked for, oldest first.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' })
  },
  { $id: 'Payment' }
)

export const PaymentResponse = Type.Object({ payment: Type.Ref(PaymentSchema) })

export const RefundBody = Type.Object({
  amount: Type.Integer({ minimum: 1, description: 'Minor units; at most what is left to refund.' }),
  reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
}, { additionalProperties: false })

export const RefundResponse = Type.Object({ refund: RefundSchema })
export const PaymentIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export const WebhookAck = Type.Object({ received: Type.Literal(true), duplicate: Type.Boolean() })
