// Helpers for the tests of accounts and of what the services publish: the events that reach the bus,
// and the emails and reset links the notification worker mails.
import type { EventEnvelope } from '../../src/ports/event-bus'
import type { EmbeddedRuntime } from '../../src/local/runtime'

/** Records every event published on the runtime's bus from now on (after the outbox relay). */
export function recordEvents(runtime: EmbeddedRuntime) {
  const events: EventEnvelope[] = []
  const bus = runtime.messaging.bus
  const publish = bus.publish.bind(bus)
  bus.publish = async (topicArn, event) => {
    events.push(event)
    return publish(topicArn, event)
  }
  return {
    /** Every event published so far, in order, as it reached the bus. */
    all: events,
    /** The events of `type` published so far, once everything in flight has settled. */
    async of(type: string): Promise<EventEnvelope[]> {
      await runtime.idle()
      return events.filter((event) => event.eventType === type)
    }
  }
}

/** The emails sent to `email` so far, once everything in flight has settled. */
export async function mailTo(runtime: EmbeddedRuntime, email: string) {
  await runtime.idle()
  return runtime.mailbox.messages().filter((message) => message.to === email)
}

/** The token of the newest password-reset link mailed to `email` (undefined when none was). */
export async function resetTokenFromMailbox(runtime: EmbeddedRuntime, email: string): Promise<string | undefined> {
  const messages = (await mailTo(runtime, email)).reverse()
  for (const message of messages) {
    const match = /\/reset-password\?token=([^\s&"<]+)/.exec(message.text)
    if (match) return decodeURIComponent(match[1] as string)
  }
  return undefined
}

/** The claims of a token, unverified (what the test wants to look at). */
export const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
