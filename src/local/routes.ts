// Inspection routes of the embedded runtime, mounted under /_local only in local mode (never on AWS):
// the local mailbox, dead-letter queues and workflow executions, and the fault switches.
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FAULT_SWITCHES, FaultSwitchError, type FaultState } from './faults'
import { ConflictError, ValidationError } from '../domain/errors'

const MailboxResponse = Type.Object({
  messages: Type.Array(Type.Object({ to: Type.String(), subject: Type.String(), text: Type.String(), sentAt: Type.String() }))
})

export interface Inspection {
  mailbox(): Array<{ to: string; subject: string; text: string; sentAt: string }>
  deadLetters(): Record<string, unknown[]>
  executions(): unknown[]
  /** What the Stripe simulator holds: every PaymentIntent and refund (recovery checks: who was charged, what was given back). */
  stripe(): { paymentIntents: unknown[]; refunds: unknown[] }
  /** Plays the customer's part of 3-D Secure at the Stripe simulator (no browser here). */
  completeAuthentication(paymentIntentId: string, outcome: 'succeeded' | 'failed'): void
  /** The fault switches (src/local/faults.ts): their state, and setting some (FaultSwitchError when invalid). */
  faults: { snapshot(): FaultState; set(changes: Record<string, unknown>): FaultState }
}

const AuthenticationBody = Type.Object({ outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]) })

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
