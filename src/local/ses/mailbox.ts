// Mailer port for the embedded runtime: keeps sent messages in memory, readable at GET /_local/mailbox
// (both parts, as SES would send them).
import type { EmailMessage, Mailer } from '../../ports/mailer'

export interface MailboxEntry extends EmailMessage {
  sentAt: string
}

export class Mailbox implements Mailer {
  private readonly entries: MailboxEntry[] = []

  constructor(private readonly limit = 1_000) {}

  async send(message: EmailMessage): Promise<void> {
    this.entries.push({ to: message.to, subject: message.subject, text: message.text, html: message.html, sentAt: new Date().toISOString() })
    if (this.entries.length > this.limit) this.entries.shift()
  }

  messages(): MailboxEntry[] {
    return [...this.entries]
  }
}
