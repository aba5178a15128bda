// Stripe simulator: the API objects it stores and returns (PaymentIntent, Charge, Refund, Event) and
// its error bodies, in the JSON shapes of Stripe's v1 API for the fields the SDK and we read.
import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** `pi_3Pq...`: a prefix and 24 random alphanumerics, as Stripe's ids look. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length)
  let id = ''
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length]
  return `${prefix}_${id}`
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

export type PaymentIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled'

export interface StripeErrorObject {
  type: 'card_error' | 'invalid_request_error' | 'idempotency_error' | 'api_error'
  message: string
  code?: string
  decline_code?: string
  param?: string
  doc_url?: string
  charge?: string
  payment_intent?: PaymentIntentObject
  payment_method?: PaymentMethodObject
}

export interface PaymentMethodObject {
  id: string
  object: 'payment_method'
  type: 'card'
  card: { brand: string; last4: string; exp_month: number; exp_year: number; funding: 'credit' | 'debit' }
  created: number
  customer: null
  livemode: false
  metadata: Record<string, string>
}

export interface PaymentIntentObject {
  id: string
  object: 'payment_intent'
  amount: number
  amount_capturable: number
  amount_received: number
  automatic_payment_methods: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null
  canceled_at: number | null
  cancellation_reason: string | null
  capture_method: 'automatic' | 'automatic_async'
  client_secret: string
  confirmation_method: 'automatic'
  created: number
  currency: string
  customer: null
  description: string | null
  last_payment_error: StripeErrorObject | null
  latest_charge: string | null
  livemode: false
  metadata: Record<string, string>
  next_action: { type: 'use_stripe_sdk'; use_stripe_sdk: Record<string, string> } | null
  payment_method: string | null
  payment_method_types: string[]
  receipt_email: string | null
  status: PaymentIntentStatus
}

export interface ChargeObject {
  id: string
  object: 'charge'
  amount: number
  amount_captured: number
  amount_refunded: number
  balance_transaction: string | null
  captured: boolean
  created: number
  currency: string
  failure_code: string | null
  failure_message: string | null
  livemode: false
  metadata: Record<string, string>
  outcome: { network_status: string; reason: string | null; seller_message: string; type: string }
  paid: boolean
  payment_intent: string
  payment_method: string
  refunded: boolean
  status: 'succeeded' | 'failed'
}

export interface RefundObject {
  id: string
  object: 'refund'
  amount: number
  balance_transaction: string
  charge: string
  created: number
  currency: string
  metadata: Record<string, string>
  payment_intent: string
  reason: string | null
  status: 'succeeded' | 'pending' | 'failed'
}

export interface EventObject {
  id: string
  object: 'event'
  api_version: string
  created: number
  data: { object: PaymentIntentObject | ChargeObject | RefundObject }
  livemode: false
  pending_webhooks: number
  request: { id: string | null; idempotency_key: string | null }
  type: string
}

/** An API answer: the HTTP status and the JSON body. */
export interface ApiReply {
  status: number
  body: unknown
}

/** Refuses the request with Stripe's error body. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorObject
  ) {
    super(error.message)
    this.name = 'StripeApiError'
  }

  reply(): ApiReply {
    return { status: this.status, body: { error: this.error } }
  }
}

export function invalidRequest(message: string, extra: Partial<StripeErrorObject> = {}, status = 400): StripeApiError {
  return new StripeApiError(status, withDocUrl({ type: 'invalid_request_error', message, ...extra }))
}

/** An id that names nothing: 404 for the object of the URL, 400 for one named by a parameter. */
export function noSuchObject(kind: string, id: string, param: string, status: 400 | 404): StripeApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, { code: 'resource_missing', param }, status)
}

/** Stripe links each error code to its documentation. */
export function withDocUrl(error: StripeErrorObject): StripeErrorObject {
  return error.code ? { ...error, doc_url: `https://docs.stripe.com/error-codes/${error.code.replaceAll('_', '-')}` } : error
}
