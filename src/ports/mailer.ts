// Port: send one email. AWS: SES v2 (adapters/aws/ses-mailer.ts). Local: an in-memory mailbox
// readable at GET /_local/mailbox (src/local/ses/mailbox.ts).

export interface EmailMessage {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>
}
