// The payment gateway on Stripe: only the roots whose entry takes or refunds payments import this
// (the API, the saga's workers), so no other bundle carries the Stripe SDK or needs its keys.
// The SDK (~260 kB minified, the largest input of those bundles) is imported on the gateway's first
// call, not at cold start: most invocations (every read, /health, the saga's inventory tasks) never
// reach it, and the Lambda builds put it in a chunk of its own (scripts/build.mjs, `splitting`).
import { stripeSettings, type Config, type StripeSlice } from '../config'
import type { PaymentGateway } from '../ports/payment-gateway'
import { loadedOnFirstCall } from './builders'

export function stripeGateway(config: Pick<Config, keyof typeof StripeSlice>): PaymentGateway {
  // Read now, so a missing key still fails the start (ConfigError), not the first payment.
  const settings = stripeSettings(config)
  // parseWebhook answers a promise through it: still verified on the raw body, once the SDK is loaded.
  return loadedOnFirstCall<PaymentGateway>(async () => (await import('../adapters/stripe/stripe-gateway')).createStripeGateway(settings))
}
