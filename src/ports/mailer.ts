// Port: send one email. AWS: SES v2 (adapters/aws/ses-mailer.ts). Local: an in-memory mailbox
// readable at GET /_local/mailbox (src/local/ses/mailbox.ts).

/** One email: always both a plain-text and an HTML part (rendered from one template, services/notifications/). */
export interface EmailMessage {
  to: string
  subject: string
  text: string
  html: string
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>
}
