// Inspection routes of the embedded runtime, mounted under /_local only in local mode (never on AWS):
// the local mailbox, dead-letter queues and workflow executions.
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const MailboxResponse = Type.Object({
  messages: Type.Array(Type.Object({ to: Type.String(), subject: Type.String(), text: Type.String(), sentAt: Type.String() }))
})

export interface LocalInspection {
  mailbox(): Array<{ to: string; subject: string; text: string; sentAt: string }>
  deadLetters(): Record<string, unknown[]>
  executions(): unknown[]
}

export function localRoutes(inspection: LocalInspection): FastifyPluginAsyncTypebox {
  return async (app) => {
    const hidden = { hide: true, tags: ['local'] }
    app.get('/mailbox', { config: { auth: 'public' }, schema: { ...hidden, response: { 200: MailboxResponse } } }, async () => ({
      messages: inspection.mailbox()
    }))
    app.get('/dead-letters', { config: { auth: 'public' }, schema: hidden }, async () => ({ queues: inspection.deadLetters() }))
    app.get('/executions', { config: { auth: 'public' }, schema: hidden }, async () => ({ executions: inspection.executions() }))
  }
}
