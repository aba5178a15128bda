// Stripe simulator: Stripe's test PaymentMethods (`pm_card_visa`, ...) and what confirming a payment
// with each one does, as documented for test mode.

export type CardOutcome =
  | { kind: 'succeeds' }
  | { kind: 'declines'; code: string; declineCode: string; message: string }
  /** 3-D Secure: the intent waits in requires_action until the customer authenticates. */
  | { kind: 'requires_authentication' }

export interface TestCard {
  brand: string
  last4: string
  outcome: CardOutcome
}

const succeeds: CardOutcome = { kind: 'succeeds' }

function declines(declineCode: string, message: string, code = 'card_declined'): CardOutcome {
  return { kind: 'declines', code, declineCode, message }
}

const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242', outcome: succeeds },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', outcome: succeeds },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', outcome: succeeds },
  pm_card_amex: { brand: 'amex', last4: '8431', outcome: succeeds },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', outcome: declines('generic_decline', 'Your card was declined.') },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    outcome: declines('insufficient_funds', 'Your card has insufficient funds.')
  },
  pm_card_chargeDeclinedLostCard: { brand: 'visa', last4: '9987', outcome: declines('lost_card', 'Your card was declined.') },
  pm_card_chargeDeclinedStolenCard: { brand: 'visa', last4: '9979', outcome: declines('stolen_card', 'Your card was declined.') },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    outcome: declines('expired_card', 'Your card has expired.', 'expired_card')
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    outcome: declines('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc')
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    outcome: declines('processing_error', 'An error occurred while processing your card. Try again in a little bit.', 'processing_error')
  },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', outcome: { kind: 'requires_authentication' } }
}

export function testCard(paymentMethodId: string): TestCard | undefined {
  return Object.hasOwn(TEST_CARDS, paymentMethodId) ? TEST_CARDS[paymentMethodId] : undefined
}
