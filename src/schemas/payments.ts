// Request and response schemas of the payments and webhook routes.
import { Type } from '@sinclair/typebox'
import { PAYMENT_STATUSES } from '../domain/payment'

const PaymentStatusSchema = Type.Union(PAYMENT_STATUSES.map((status) => Type.Literal(status)))

export const PayBody = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64 }),
  paymentMethodId: Type.String({ minLength: 1, maxLength: 255, description: 'A Stripe PaymentMethod id, e.g. pm_card_visa in test mode.' }),
  amount: Type.Optional(Type.Integer({ minimum: 0, description: 'Optional check: must equal the order total (minor units). The charged amount always comes from the order.' })),
  currency: Type.Optional(Type.String({ pattern: '^[a-z]{3}$', description: 'Optional check: must equal the order currency.' }))
})

export const PayHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$', description: 'Required. One key per intended payment; retries with the same key and body get the first response.' })
})

export const PaymentResultSchema = Type.Object({
  paymentId: Type.String(),
  status: PaymentStatusSchema,
  requiresAction: Type.Optional(Type.Boolean()),
  clientSecret: Type.Optional(Type.String({ description: 'Pass to Stripe.js to complete 3-D Secure when requiresAction is true.' }))
})

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
    refundId: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' })
  },
  { $id: 'Payment' }
)

export const PaymentResponse = Type.Object({ payment: Type.Ref(PaymentSchema) })
export const PaymentIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export const WebhookAck = Type.Object({ received: Type.Literal(true), duplicate: Type.Boolean() })
