// Stripe simulator: one test-mode account's PaymentIntents, charges and refunds, and the state changes
// Stripe makes to them (confirm with a test card, 3-D Secure, refund), each announced as an event.
// Every change to an object must be announced with that object: the simulator keeps its durable
// state (with --persist) from these announcements.
// Requests the API would refuse before doing anything throw StripeApiError; answers that follow
// execution (a decline's 402 too) are returned, because Stripe's idempotency layer keeps those.
import { formatMoney } from '../../domain/money'
import type { FormObject } from './form'
import {
  invalidRequest,
  noSuchObject,
  nowSeconds,
  stripeId,
  withDocUrl,
  type ApiReply,
  type ChargeObject,
  type PaymentIntentObject,
  type PaymentMethodObject,
  type RefundObject,
  type StripeErrorObject
} from './objects'
import { allowOnly, booleanParam, enumParam, integerParam, metadataParam, objectParam, requireParam, stringParam } from './params'
import { testCard, type TestCard } from './test-cards'

/** The API request that caused an event (null for changes made outside the API, e.g. 3-D Secure). */
export interface EventRequest {
  id: string | null
  idempotency_key: string | null
}

export type EventSink = (type: string, object: PaymentIntentObject | ChargeObject | RefundObject, request: EventRequest) => void

const AUTHENTICATION_FAILED =
  'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.'

const RETURN_URL_REQUIRED =
  'This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.'

export class StripeAccount {
  private readonly intents = new Map<string, PaymentIntentObject>()
  private readonly charges = new Map<string, ChargeObject>()
  private readonly refundList: RefundObject[] = []

  constructor(private readonly emit: EventSink) {}

  /** How many PaymentIntents were created (replayed requests create none). */
  get createdCount(): number {
    return this.intents.size
  }

  paymentIntents(): PaymentIntentObject[] {
    return [...this.intents.values()].map((intent) => structuredClone(intent))
  }

  refunds(): RefundObject[] {
    return this.refundList.map((refund) => structuredClone(refund))
  }

  /** Puts back the objects of an earlier run (the simulator's durable state), oldest first; announces nothing. */
  restore(objects: { intents: PaymentIntentObject[]; charges: ChargeObject[]; refunds: RefundObject[] }): void {
    for (const intent of objects.intents) this.intents.set(intent.id, intent)
    for (const charge of objects.charges) this.charges.set(charge.id, charge)
    this.refundList.push(...objects.refunds)
  }

  /** POST /v1/payment_intents */
  createPaymentIntent(params: FormObject, request: EventRequest): ApiReply {
    allowOnly(params, ['amount', 'currency', 'payment_method', 'confirm', 'metadata', 'automatic_payment_methods', 'description', 'receipt_email', 'return_url'])
    const amount = requireParam('amount', integerParam(params, 'amount'))
    if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { code: 'parameter_invalid_integer', param: 'amount' })
    const currency = requireParam('currency', stringParam(params, 'currency')).toLowerCase()
    if (!/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}.`, { code: 'parameter_invalid_string', param: 'currency' })
    const metadata = metadataParam(params)
    const automatic = objectParam(params, 'automatic_payment_methods')
    const automaticSettings = automatic && {
      enabled: requireParam('automatic_payment_methods[enabled]', booleanParam(automatic, 'enabled')),
      allow_redirects: enumParam(automatic, 'allow_redirects', ['always', 'never'] as const)
    }
    const paymentMethodId = stringParam(params, 'payment_method')
    const card = paymentMethodId === undefined ? undefined : knownCard(paymentMethodId)
    const confirm = booleanParam(params, 'confirm') ?? false
    if (confirm) {
      if (!paymentMethodId) {
        throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { code: 'payment_intent_unexpected_state' })
      }
      // Automatic payment methods are on unless turned off, and may redirect unless told not to.
      const mayRedirect = (automaticSettings?.enabled ?? true) && automaticSettings?.allow_redirects !== 'never'
      if (mayRedirect && !stringParam(params, 'return_url')) throw invalidRequest(RETURN_URL_REQUIRED)
    }

    const id = stripeId('pi')
    const intent: PaymentIntentObject = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: automaticSettings
        ? { enabled: automaticSettings.enabled, ...(automaticSettings.allow_redirects ? { allow_redirects: automaticSettings.allow_redirects } : {}) }
        : { enabled: true },
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic_async',
      client_secret: `${id}_secret_${stripeId('x', 25).slice(2)}`,
      confirmation_method: 'automatic',
      created: nowSeconds(),
      currency,
      customer: null,
      description: stringParam(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata,
      next_action: null,
      payment_method: paymentMethodId ?? null,
      payment_method_types: ['card'],
      receipt_email: stringParam(params, 'receipt_email') ?? null,
      status: paymentMethodId ? 'requires_confirmation' : 'requires_payment_method'
    }
    this.intents.set(id, intent)
    this.emit('payment_intent.created', intent, request)
    if (!confirm || !paymentMethodId || !card) return { status: 200, body: structuredClone(intent) }
    return this.confirm(intent, paymentMethodId, card, request)
  }

  /** GET /v1/payment_intents/:id */
  retrievePaymentIntent(id: string): ApiReply {
    return { status: 200, body: structuredClone(this.intent(id, 'intent', 404)) }
  }

  /** Test-only: the customer completes (or fails) the 3-D Secure challenge of an intent in requires_action. */
  completeAuthentication(id: string, outcome: 'succeeded' | 'failed'): PaymentIntentObject {
    const intent = this.intents.get(id)
    if (!intent) throw new Error(`No such payment_intent: '${id}'`)
    if (intent.status !== 'requires_action') throw new Error(`PaymentIntent ${id} is ${intent.status}, not requires_action`)
    const paymentMethodId = intent.payment_method as string
    const request = { id: null, idempotency_key: null }
    intent.next_action = null
    if (outcome === 'succeeded') {
      this.charge(intent, paymentMethodId, request)
    } else {
      intent.status = 'requires_payment_method'
      intent.payment_method = null
      intent.last_payment_error = withDocUrl({
        type: 'invalid_request_error',
        code: 'payment_intent_authentication_failure',
        message: AUTHENTICATION_FAILED,
        payment_method: paymentMethodObject(paymentMethodId, knownCard(paymentMethodId))
      })
      this.emit('payment_intent.payment_failed', intent, request)
    }
    return structuredClone(intent)
  }

  /** POST /v1/refunds: the whole unrefunded amount unless `amount` says less. */
  createRefund(params: FormObject, request: EventRequest): ApiReply {
    allowOnly(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand'])
    const intentId = stringParam(params, 'payment_intent')
    const chargeId = stringParam(params, 'charge')
    if (!intentId && !chargeId) {
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing' })
    }
    const charge = intentId ? this.succeededChargeOf(this.intent(intentId, 'payment_intent', 400)) : this.chargeById(chargeId as string)
    if (chargeId && intentId && charge.id !== chargeId) throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${intentId}.`, { param: 'charge' })
    if (charge.refunded) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', param: 'charge' })
    const unrefunded = charge.amount - charge.amount_refunded
    const amount = integerParam(params, 'amount') ?? unrefunded
    if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { code: 'parameter_invalid_integer', param: 'amount' })
    if (amount > unrefunded) {
      throw invalidRequest(
        `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(unrefunded, charge.currency)})`,
        { code: 'amount_too_large', param: 'amount' }
      )
    }
    const refund: RefundObject = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: stripeId('txn'),
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      metadata: metadataParam(params),
      payment_intent: charge.payment_intent,
      reason: enumParam(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null,
      status: 'succeeded'
    }
    this.refundList.push(refund)
    charge.amount_refunded += amount
    charge.refunded = charge.amount_refunded === charge.amount
    this.emit('refund.created', refund, request)
    this.emit('charge.refunded', charge, request)
    // `expand[]=charge` answers with the charge object in place of its id (as Stripe does).
    const expand = params.expand
    const expandCharge = typeof expand === 'object' && Object.values(expand).includes('charge')
    return { status: 200, body: structuredClone(expandCharge ? { ...refund, charge: { ...charge } } : refund) }
  }

  private confirm(intent: PaymentIntentObject, paymentMethodId: string, card: TestCard, request: EventRequest): ApiReply {
    const outcome = card.outcome
    if (outcome.kind === 'succeeds') {
      this.charge(intent, paymentMethodId, request)
      return { status: 200, body: structuredClone(intent) }
    }
    if (outcome.kind === 'requires_authentication') {
      intent.status = 'requires_action'
      intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', source: stripeId('src') } }
      this.emit('payment_intent.requires_action', intent, request)
      return { status: 200, body: structuredClone(intent) }
    }
    const charge = this.newCharge(intent, paymentMethodId, 'failed')
    charge.failure_code = outcome.code
    charge.failure_message = outcome.message
    charge.outcome = { network_status: 'declined_by_network', reason: outcome.declineCode, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
    const error: StripeErrorObject = withDocUrl({
      type: 'card_error',
      code: outcome.code,
      decline_code: outcome.declineCode,
      message: outcome.message,
      charge: charge.id,
      payment_method: paymentMethodObject(paymentMethodId, card)
    })
    // A declined intent lets go of the payment method and waits for another one.
    intent.status = 'requires_payment_method'
    intent.payment_method = null
    intent.latest_charge = charge.id
    intent.last_payment_error = error
    this.emit('charge.failed', charge, request)
    this.emit('payment_intent.payment_failed', intent, request)
    return { status: 402, body: { error: { ...error, payment_intent: structuredClone(intent) } } }
  }

  private charge(intent: PaymentIntentObject, paymentMethodId: string, request: EventRequest): void {
    const charge = this.newCharge(intent, paymentMethodId, 'succeeded')
    intent.status = 'succeeded'
    intent.amount_received = intent.amount
    intent.latest_charge = charge.id
    intent.last_payment_error = null
    this.emit('charge.succeeded', charge, request)
    this.emit('payment_intent.succeeded', intent, request)
  }

  private newCharge(intent: PaymentIntentObject, paymentMethodId: string, status: 'succeeded' | 'failed'): ChargeObject {
    const succeeded = status === 'succeeded'
    const charge: ChargeObject = {
      id: stripeId('ch'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: succeeded ? intent.amount : 0,
      amount_refunded: 0,
      balance_transaction: succeeded ? stripeId('txn') : null,
      captured: succeeded,
      created: nowSeconds(),
      currency: intent.currency,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: { ...intent.metadata },
      outcome: { network_status: 'approved_by_network', reason: null, seller_message: 'Payment complete.', type: 'authorized' },
      paid: succeeded,
      payment_intent: intent.id,
      payment_method: paymentMethodId,
      refunded: false,
      status
    }
    this.charges.set(charge.id, charge)
    return charge
  }

  private intent(id: string, param: string, status: 400 | 404): PaymentIntentObject {
    const intent = this.intents.get(id)
    if (!intent) throw noSuchObject('payment_intent', id, param, status)
    return intent
  }

  private succeededChargeOf(intent: PaymentIntentObject): ChargeObject {
    const charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined
    if (intent.status !== 'succeeded' || !charge) {
      throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: 'payment_intent' })
    }
    return charge
  }

  private chargeById(id: string): ChargeObject {
    const charge = this.charges.get(id)
    if (!charge) throw noSuchObject('charge', id, 'charge', 400)
    if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${id} has not succeeded and cannot be refunded.`, { param: 'charge' })
    return charge
  }
}

function knownCard(paymentMethodId: string): TestCard {
  const card = testCard(paymentMethodId)
  if (!card) throw noSuchObject('PaymentMethod', paymentMethodId, 'payment_method', 400)
  return card
}

function paymentMethodObject(id: string, card: TestCard): PaymentMethodObject {
  return {
    id,
    object: 'payment_method',
    type: 'card',
    card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: 'credit' },
    created: nowSeconds(),
    customer: null,
    livemode: false,
    metadata: {}
  }
}
