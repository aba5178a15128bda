// Mailer port on Amazon SES v2: SendEmail with a simple message carrying both parts (plain text and
// HTML, SES builds the multipart/alternative MIME message), so every mail client shows one of them.
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import type { EmailMessage, Mailer } from '../../ports/mailer'

export class SesMailer implements Mailer {
  constructor(
    private readonly client: Pick<SESv2Client, 'send'>,
    private readonly from: string
  ) {}

  async send(message: EmailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' }
            }
          }
        }
      })
    )
  }
}
