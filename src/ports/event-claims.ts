// Port: a consumer's claim on an event while it does what must not be done twice (sending an email).
// A duplicate delivered at the same time (SNS and SQS are at-least-once, and two copies can be in
// flight at once) finds the claim and stays out; once the work is done, every later delivery finds it
// done. AWS and locally: DynamoDB conditional writes (adapters/dynamodb/event-claims.ts).

/** `claimed`: go on, then complete or release. `done`: handled before. `busy`: another delivery holds it now. */
export type ClaimOutcome = 'claimed' | 'done' | 'busy'

export interface EventClaims {
  /** Claims `eventId` for `consumer` as `holder` for `leaseSeconds` (a holder that died loses it then). */
  claim(consumer: string, eventId: string, holder: string, leaseSeconds: number): Promise<ClaimOutcome>
  /** The work is done: every later claim answers `done` (for as long as a redelivery can happen). */
  complete(consumer: string, eventId: string): Promise<void>
  /** The work failed: gives the claim up (if `holder` still has it) so a redelivery may claim it at once. */
  release(consumer: string, eventId: string, holder: string): Promise<void>
}
