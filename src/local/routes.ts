// Inspection routes of the embedded runtime, mounted under /_local only in local mode (never on AWS):
// the local mailbox, dead-letter queues and workflow executions, the fault switches, and the
// customer's part of 3-D Secure (by Stripe's PaymentIntent id, or by our paymentId, which is what
// POST /payments answers with: the intent's id is only inside its clientSecret).
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FAULT_SWITCHES, FaultSwitchError, type FaultState } from './faults'
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors'

const MailboxResponse = Type.Object({
  messages: Type.Array(Type.Object({ to: Type.String(), subject: Type.String(), text: Type.String(), html: Type.String(), sentAt: Type.String() }))
})

export interface Inspection {
  mailbox(): Array<{ to: string; subject: string; text: string; html: string; sentAt: string }>
  deadLetters(): Record<string, unknown[]>
  executions(): unknown[]
  /** What the Stripe simulator holds: every PaymentIntent and refund (recovery checks: who was charged, what was given back). */
  stripe(): { paymentIntents: unknown[]; refunds: unknown[] }
  /** Plays the customer's part of 3-D Secure at the Stripe simulator (no browser here). */
  completeAuthentication(paymentIntentId: string, outcome: 'succeeded' | 'failed'): void
  /** The simulator's PaymentIntents made for one of our payments (their metadata.paymentId), oldest first. */
  paymentIntentsOfPayment(paymentId: string): Array<{ id: string; status: string }>
  /** The fault switches (src/local/faults.ts): their state, and setting some (FaultSwitchError when invalid). */
  faults: { snapshot(): FaultState; set(changes: Record<string, unknown>): FaultState }
}

const AuthenticationBody = Type.Object({ outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]) })
const PaymentParams = Type.Object({ paymentId: Type.String({ minLength: 1, maxLength: 64 }) })

/** Every switch with the values it takes (the first is normal). */
const FaultStateSchema = Type.Object(
  Object.fromEntries(Object.entries(FAULT_SWITCHES).map(([name, values]) => [name, Type.Union(values.map((value) => Type.Literal(value)))]))
)
// Names and values are checked by the registry, whose messages name the switch and what it takes.
const FaultChanges = Type.Record(Type.String(), Type.String(), { description: 'switch → value, e.g. {"stripe.refunds":"fail"}; "ok" restores' })

export function localRoutes(inspection: Inspection): FastifyPluginAsyncTypebox {
  return async (app) => {
    const hidden = { hide: true, tags: ['local'] }
    app.get('/mailbox', { config: { auth: 'public' }, schema: { ...hidden, response: { 200: MailboxResponse } } }, async () => ({
      messages: inspection.mailbox()
    }))
    app.get('/dead-letters', { config: { auth: 'public' }, schema: hidden }, async () => ({ queues: inspection.deadLetters() }))
    app.get('/executions', { config: { auth: 'public' }, schema: hidden }, async () => ({ executions: inspection.executions() }))
    app.get('/stripe', { config: { auth: 'public' }, schema: hidden }, async () => inspection.stripe())
    app.post<{ Params: { id: string }; Body: { outcome: 'succeeded' | 'failed' } }>(
      '/stripe/payment-intents/:id/authenticate',
      { config: { auth: 'public' }, schema: { ...hidden, body: AuthenticationBody } },
      async (request, reply) => {
        try {
          inspection.completeAuthentication(request.params.id, request.body.outcome)
        } catch (error) {
          throw new ConflictError((error as Error).message)
        }
        return reply.code(202).send({ paymentIntentId: request.params.id, outcome: request.body.outcome })
      }
    )
    app.post<{ Params: { paymentId: string }; Body: { outcome: 'succeeded' | 'failed' } }>(
      '/payments/:paymentId/authenticate',
      { config: { auth: 'public' }, schema: { ...hidden, params: PaymentParams, body: AuthenticationBody } },
      async (request, reply) => {
        const { paymentId } = request.params
        const intents = inspection.paymentIntentsOfPayment(paymentId)
        // One intent per payment (its Stripe idempotency key is the paymentId); should there be more,
        // the one waiting for the customer is meant, else the newest explains the 409.
        const intent = intents.find((entry) => entry.status === 'requires_action') ?? intents.at(-1)
        if (!intent) throw new NotFoundError(`No PaymentIntent at the Stripe simulator for payment ${paymentId}`)
        try {
          inspection.completeAuthentication(intent.id, request.body.outcome)
        } catch (error) {
          throw new ConflictError((error as Error).message)
        }
        return reply.code(202).send({ paymentId, paymentIntentId: intent.id, outcome: request.body.outcome })
      }
    )
    // Must not touch DynamoDB: it answers while the `dynamodb` switch makes the store unavailable.
    app.get('/faults', { config: { auth: 'public' }, schema: { ...hidden, response: { 200: FaultStateSchema } } }, async () => inspection.faults.snapshot())
    app.post(
      '/faults',
      { config: { auth: 'public' }, schema: { ...hidden, body: FaultChanges, response: { 200: FaultStateSchema } } },
      async (request) => {
        try {
          return inspection.faults.set(request.body)
        } catch (error) {
          if (error instanceof FaultSwitchError) throw new ValidationError(error.message)
          throw error
        }
      }
    )
  }
}
