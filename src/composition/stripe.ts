// The payment gateway on Stripe: only the roots whose entry takes or refunds payments import this
// (the API, the saga's workers), so no other bundle carries the Stripe SDK or needs its keys.
import { createStripeGateway } from '../adapters/stripe/stripe-gateway'
import { stripeSettings, type Config, type StripeSlice } from '../config'
import type { PaymentGateway } from '../ports/payment-gateway'

export function stripeGateway(config: Pick<Config, keyof typeof StripeSlice>): PaymentGateway {
  return createStripeGateway(stripeSettings(config))
}
