// The payment gateway on Stripe: only the roots whose entry takes or refunds payments import this
// (the API, the saga's workers), so no other bundle carries the Stripe SDK or needs its keys.
// The SDK (~260 kB minified, the largest input of those bundles) is imported on the gateway's first
// call, not at cold start: most invocations (every read, /health, the saga's inventory tasks) never
// reach it, and the Lambda builds put it in a chunk of its own (scripts/build.mjs, `splitting`).
import type { StripeGateway } from '../adapters/stripe/stripe-gateway'
import { stripeSettings, type Config, type StripeSlice } from '../config'
import type { PaymentGateway } from '../ports/payment-gateway'

export function stripeGateway(config: Pick<Config, keyof typeof StripeSlice>): PaymentGateway {
  // Read now, so a missing key still fails the start (ConfigError), not the first payment.
  const settings = stripeSettings(config)
  let loading: Promise<StripeGateway> | undefined
  // One SDK client, built by the first call; a failed import is retried by the next one.
  const gateway = () =>
    (loading ??= import('../adapters/stripe/stripe-gateway')
      .then(({ createStripeGateway }) => createStripeGateway(settings))
      .catch((error: unknown) => {
        loading = undefined
        throw error
      }))
  return {
    createPayment: async (input) => (await gateway()).createPayment(input),
    getPayment: async (id) => (await gateway()).getPayment(id),
    refund: async (input) => (await gateway()).refund(input),
    // Verified on the raw body as before, once the SDK is loaded: the answer is a promise here.
    parseWebhook: async (rawBody, signatureHeader) => (await gateway()).parseWebhook(rawBody, signatureHeader)
  }
}
