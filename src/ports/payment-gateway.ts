// Port: the card payment provider. AWS and local: Stripe through its official SDK
// (adapters/stripe/stripe-gateway.ts); locally the SDK talks to the Stripe simulator
// (src/local/stripe/simulator.ts). Nothing of the SDK's types crosses this port.

export type GatewayPaymentStatus = 'succeeded' | 'requires_action' | 'processing' | 'failed' | 'canceled'

export interface GatewayPayment {
  /** The provider's id (a Stripe PaymentIntent id, `pi_...`). */
  id: string
  status: GatewayPaymentStatus
  /** Minor units (cents). */
  amount: number
  /** Lower-case ISO 4217, e.g. `usd`. */
  currency: string
  /** For `requires_action`: what the client needs to complete 3-D Secure. */
  clientSecret?: string
  /** For `failed`: the issuer's reason (`insufficient_funds`) or else the error code (`card_declined`). */
  declineCode?: string
  failureMessage?: string
  metadata: Record<string, string>
}

export interface CreatePaymentInput {
  amount: number
  currency: string
  paymentMethodId: string
  metadata: { orderId: string; paymentId: string; userId: string }
  /** The provider replays the first result for this key: one charge however often it is retried. */
  idempotencyKey: string
}

export type GatewayRefundStatus = 'succeeded' | 'pending' | 'failed'

export interface RefundInput {
  paymentIntentId: string
  /**
   * Minor units. Omitted: everything not refunded yet, as the provider counts it, so a refund made
   * elsewhere (its dashboard) is never given twice.
   */
  amount?: number
  /** The provider replays the first result for this key: one refund however often it is retried. */
  idempotencyKey: string
  /** Kept with the refund at the provider (e.g. our payment and refund ids). */
  metadata?: Record<string, string>
}

export interface GatewayRefund {
  id: string
  paymentIntentId: string
  status: GatewayRefundStatus
  amount: number
  /** The charge's refunded total with this refund, others included, when the provider says (minor units). */
  chargeAmountRefunded?: number
}

export interface GatewayWebhookEvent {
  /** The provider's event id (`evt_...`): the same event may be delivered more than once. */
  id: string
  type: string
  /** Epoch seconds at which the event happened; deliveries may arrive out of order. */
  created: number
  /** `payment_intent.*` events: the payment as it was when the event happened. */
  payment?: GatewayPayment
  /** `refund.*` events. */
  refund?: GatewayRefund
  // `charge.refunded` carries the charge, not the refund (Stripe no longer embeds a charge's refunds):
  /** The payment the refunded charge belongs to. */
  paymentIntentId?: string
  /** How much of the charge has been refunded so far, in minor units. */
  amountRefunded?: number
  /** Whether that is the whole charge. */
  fullyRefunded?: boolean
}

export type PaymentGatewayErrorKind =
  /** The request was refused as invalid, e.g. an unknown payment method or an already refunded payment. */
  | 'invalid_request'
  /** No such object (e.g. an unknown payment id). */
  | 'not_found'
  /** An idempotency key was reused with different parameters: a bug in the caller, never retry. */
  | 'idempotency'
  /** Our API key was refused: configuration. */
  | 'authentication'
  /** Too many requests, the provider failed, or it could not be reached: retry later with the same key. */
  | 'unavailable'

/** A failure of the provider other than a card decline (declines are results, not errors). */
export class PaymentGatewayError extends Error {
  constructor(
    readonly kind: PaymentGatewayErrorKind,
    message: string,
    /** The provider's error code, e.g. `resource_missing`, `charge_already_refunded`. */
    readonly code?: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'PaymentGatewayError'
  }
}

/** A webhook whose signature is missing, wrong or too old, or whose body cannot be read. */
export class WebhookSignatureError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WebhookSignatureError'
  }
}

export interface PaymentGateway {
  /**
   * Creates and confirms a payment. A card decline is not thrown: it returns status `failed` with
   * `declineCode`. Other failures throw PaymentGatewayError.
   */
  createPayment(input: CreatePaymentInput): Promise<GatewayPayment>
  /** The payment as the provider has it now (reconciliation). */
  getPayment(id: string): Promise<GatewayPayment>
  /**
   * Refunds `amount` of the payment (all that is left without one); the same key never refunds twice.
   * A refusal (e.g. `charge_already_refunded`, `amount_too_large`) throws PaymentGatewayError
   * `invalid_request`; `unavailable` means try again later with the same key.
   */
  refund(input: RefundInput): Promise<GatewayRefund>
  /**
   * Verifies a webhook's signature on the RAW body (tolerance 300 s) and returns the event; throws
   * WebhookSignatureError otherwise. May answer a promise (rejected the same way): the Lambdas load
   * the Stripe SDK on first use (composition/stripe.ts).
   */
  parseWebhook(rawBody: Buffer | string, signatureHeader: string | undefined): GatewayWebhookEvent | Promise<GatewayWebhookEvent>
}
