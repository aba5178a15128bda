// Which Stripe the embedded runtime's app talks to: the simulator (simulator.ts), or Stripe's real API
// in test mode, for a developer wiring a storefront (Stripe.js, `stripe listen`) to the local backend.
// Decided from the environment by `npm start` only (src/local/server.ts); the runtime's other users
// (the tests) get the simulator whatever is exported, so none of them can reach the real API.
import { ConfigError } from '../../config'

export type StripeChoice =
  | { kind: 'simulator'; /** Why, for the start output. */ reason: string }
  | { kind: 'test-mode'; secretKey: string; webhookSecret: string }

export type SimulatorChoice = Extract<StripeChoice, { kind: 'simulator' }>

/** What the embedded runtime uses when not told otherwise. */
export const SIMULATOR: SimulatorChoice = { kind: 'simulator', reason: 'the default of the embedded runtime' }

/**
 * Stripe's test mode when STRIPE_SECRET_KEY (sk_test_…) and STRIPE_WEBHOOK_SECRET (whsec_…) are both
 * set, else the simulator. A live key is refused: local mode must never charge real cards. A value of
 * the wrong form is refused too, rather than silently ignored. Values are never echoed (secrets).
 */
export function chooseStripe(env: Record<string, string | undefined>): StripeChoice {
  const secretKey = env.STRIPE_SECRET_KEY || undefined
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined
  if (secretKey?.startsWith('sk_live_')) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'is a live key (sk_live_…): local mode takes a test key (sk_test_…) for Stripe test mode, or none for the Stripe simulator')
  }
  if (secretKey !== undefined && !secretKey.startsWith('sk_test_')) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'must be a test key (sk_test_…) in local mode, or unset for the Stripe simulator (value hidden)')
  }
  if (webhookSecret !== undefined && !webhookSecret.startsWith('whsec_')) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'must be a signing secret (whsec_…, as `stripe listen` prints), or unset for the Stripe simulator (value hidden)')
  }
  if (secretKey !== undefined && webhookSecret !== undefined) return { kind: 'test-mode', secretKey, webhookSecret }
  if (secretKey === undefined && webhookSecret === undefined) return { kind: 'simulator', reason: 'no STRIPE_SECRET_KEY/STRIPE_WEBHOOK_SECRET set' }
  const [set, missing] = secretKey === undefined ? ['STRIPE_WEBHOOK_SECRET', 'STRIPE_SECRET_KEY'] : ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']
  return { kind: 'simulator', reason: `${set} is set but ${missing} is not; set both for Stripe test mode` }
}

/** One line for the start output: which Stripe, and how its webhooks reach `webhookUrl`. */
export function stripeLine(choice: StripeChoice, webhookUrl: string, simulatorUrl?: string): string {
  if (choice.kind === 'simulator') return `Stripe: simulator${simulatorUrl ? ` at ${simulatorUrl}` : ''} (${choice.reason})`
  return `Stripe: test mode of your account (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET set); relay webhooks with: stripe listen --forward-to ${webhookUrl}`
}
