// PaymentGateway port on Stripe's official SDK: PaymentIntents created and confirmed in one call,
// refunds, and signed webhooks. host/port/protocol point the same code at the local simulator.
import Stripe from 'stripe'
import {
  PaymentGatewayError,
  WebhookSignatureError,
  type CreatePaymentInput,
  type GatewayPayment,
  type GatewayPaymentStatus,
  type GatewayRefund,
  type GatewayRefundStatus,
  type GatewayWebhookEvent,
  type PaymentGateway,
  type RefundInput
} from '../../ports/payment-gateway'

/** How old a webhook signature may be, in seconds (Stripe's default; replays older than it are refused). */
export const WEBHOOK_TOLERANCE_SECONDS = 300

export interface StripeGatewayOptions {
  /** `sk_test_...` or `sk_live_...` */
  secretKey: string
  /** `whsec_...`: the signing secret of our webhook endpoint. */
  webhookSecret: string
  /** Another API server (the local simulator); Stripe's own by default. */
  host?: string
  port?: number
  protocol?: 'http' | 'https'
  /** Per attempt. API Gateway gives the whole request 29 s, so attempts and retries must fit in it. */
  timeoutMs?: number
  /** Retries of connection errors, 409 and 5xx, each with the same idempotency key. */
  maxNetworkRetries?: number
}

export function createStripeGateway(options: StripeGatewayOptions): StripeGateway {
  const stripe = new Stripe(options.secretKey, {
    host: options.host,
    port: options.port,
    protocol: options.protocol,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 8_000,
    // Pinned to the version the SDK's types describe, whatever the account's default is.
    apiVersion: Stripe.API_VERSION
  })
  return new StripeGateway(stripe, options.webhookSecret)
}

export class StripeGateway implements PaymentGateway {
  constructor(
    private readonly stripe: Stripe,
    private readonly webhookSecret: string
  ) {}

  async createPayment(input: CreatePaymentInput): Promise<GatewayPayment> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency,
          payment_method: input.paymentMethodId,
          confirm: true,
          metadata: input.metadata,
          // Cards only complete in place (3-D Secure via the client secret); without this, confirming
          // needs a return_url for redirect-based methods.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' }
        },
        { idempotencyKey: input.idempotencyKey }
      )
      return toPayment(intent)
    } catch (error) {
      // A decline is a result: the PaymentIntent exists (requires_payment_method) and can be retried.
      if (error instanceof Stripe.errors.StripeCardError && error.payment_intent) {
        return { ...toPayment(error.payment_intent), status: 'failed', ...declineOf(error) }
      }
      throw gatewayError(error)
    }
  }

  async getPayment(id: string): Promise<GatewayPayment> {
    try {
      return toPayment(await this.stripe.paymentIntents.retrieve(id))
    } catch (error) {
      throw gatewayError(error)
    }
  }

  async refund(input: RefundInput): Promise<GatewayRefund> {
    try {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: input.paymentIntentId,
          ...(input.amount === undefined ? {} : { amount: input.amount }),
          ...(input.metadata ? { metadata: input.metadata } : {}),
          // The charge as this refund left it: its refunded total counts refunds made elsewhere too.
          expand: ['charge']
        },
        { idempotencyKey: input.idempotencyKey }
      )
      return toRefund(refund)
    } catch (error) {
      throw gatewayError(error)
    }
  }

  parseWebhook(rawBody: Buffer | string, signatureHeader: string | undefined): GatewayWebhookEvent {
    let event: Stripe.Event
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signatureHeader ?? '', this.webhookSecret, WEBHOOK_TOLERANCE_SECONDS)
    } catch (error) {
      // A signature that matches but a body that is not JSON lands here too: either way, refuse it.
      throw new WebhookSignatureError(`Stripe webhook refused: ${(error as Error).message.split('\n')[0]}`, { cause: error })
    }
    // Signed with our secret yet not an event we can read (Stripe never sends one, a holder of the
    // secret could): refused like a bad signature, not a 5xx that Stripe would retry for days.
    const malformed = malformation(event)
    if (malformed) throw new WebhookSignatureError(`Stripe webhook refused: ${malformed}`)
    return toWebhookEvent(event)
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Why a verified body is not an event of the shape toWebhookEvent reads; undefined when it is. */
function malformation(event: unknown): string | undefined {
  if (!isObject(event)) return 'the body is not an event object'
  // The id is a key of the processed-events table: a short printable string (Stripe's are evt_…).
  if (typeof event.id !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(event.id)) return 'the event id is not a short printable string'
  if (typeof event.type !== 'string') return 'the event type is not a string'
  if (!isObject(event.data) || !isObject(event.data.object)) return 'the event has no data.object'
  const object = event.data.object
  if (object.id !== undefined && typeof object.id !== 'string') return 'data.object.id is not a string'
  if (object.metadata !== undefined && object.metadata !== null && !isObject(object.metadata)) return 'data.object.metadata is not an object'
  return undefined
}

function toWebhookEvent(event: Stripe.Event): GatewayWebhookEvent {
  const base = { id: event.id, type: event.type, created: event.created }
  const object = event.data.object as { object?: string }
  switch (object.object) {
    case 'payment_intent':
      return { ...base, payment: toPayment(object as Stripe.PaymentIntent) }
    case 'refund':
      return { ...base, refund: toRefund(object as Stripe.Refund) }
    case 'charge': {
      const charge = object as Stripe.Charge
      return {
        ...base,
        paymentIntentId: idOf(charge.payment_intent),
        amountRefunded: charge.amount_refunded,
        fullyRefunded: charge.refunded
      }
    }
    default:
      return base
  }
}

function toPayment(intent: Stripe.PaymentIntent): GatewayPayment {
  const status = paymentStatus(intent)
  const payment: GatewayPayment = {
    id: intent.id,
    status,
    amount: intent.amount,
    currency: intent.currency,
    // Stripe's metadata values are strings; anything else (only a forged event has it) is dropped.
    metadata: Object.fromEntries(Object.entries(intent.metadata ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  }
  if (status === 'requires_action' && intent.client_secret) payment.clientSecret = intent.client_secret
  const lastError = intent.last_payment_error
  if (status === 'failed' && lastError) {
    const declineCode = lastError.decline_code ?? lastError.code
    if (declineCode) payment.declineCode = declineCode
    if (lastError.message) payment.failureMessage = lastError.message
  }
  return payment
}

function paymentStatus(intent: Stripe.PaymentIntent): GatewayPaymentStatus {
  switch (intent.status) {
    case 'succeeded':
      return 'succeeded'
    case 'requires_action':
      return 'requires_action'
    case 'canceled':
      return 'canceled'
    // Back at requires_payment_method after a confirmation: the attempt failed (decline, failed
    // 3-D Secure). Without an error it was never confirmed (a payment_intent.created event).
    case 'requires_payment_method':
      return intent.last_payment_error ? 'failed' : 'processing'
    // processing, requires_capture, requires_confirmation: not final yet; a webhook will tell.
    default:
      return 'processing'
  }
}

function declineOf(error: Stripe.errors.StripeCardError): Pick<GatewayPayment, 'declineCode' | 'failureMessage'> {
  const declineCode = error.decline_code ?? error.code
  return { ...(declineCode ? { declineCode } : {}), ...(error.message ? { failureMessage: error.message } : {}) }
}

function toRefund(refund: Stripe.Refund): GatewayRefund {
  const result: GatewayRefund = {
    id: refund.id,
    paymentIntentId: idOf(refund.payment_intent) ?? '',
    status: refundStatus(refund.status),
    amount: refund.amount
  }
  // Expanded only when asked for (refunds.create above); webhook events carry the charge's id.
  if (refund.charge !== null && typeof refund.charge === 'object') result.chargeAmountRefunded = refund.charge.amount_refunded
  return result
}

function refundStatus(status: string | null): GatewayRefundStatus {
  if (status === 'succeeded') return 'succeeded'
  if (status === 'failed' || status === 'canceled') return 'failed'
  // pending, requires_action: money not back yet.
  return 'pending'
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  return typeof value === 'string' ? value : (value?.id ?? undefined)
}

function gatewayError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error
  const message = `Stripe: ${error.message}`
  const options = { cause: error }
  if (error instanceof Stripe.errors.StripeIdempotencyError) return new PaymentGatewayError('idempotency', message, error.code, options)
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return new PaymentGatewayError('authentication', message, error.code, options)
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) {
    const kind = error.statusCode === 404 ? 'not_found' : 'invalid_request'
    return new PaymentGatewayError(kind, message, error.code, options)
  }
  // Rate limits, connection failures, Stripe's own errors: retry later, with the same key.
  return new PaymentGatewayError('unavailable', message, error.code, options)
}
