// The SES v2 mailer adapter sends exactly this SendEmail request (SES cannot run here).
import t from 'tap'
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2'
import { SesMailer } from '../src/adapters/aws/ses-mailer'

t.test('send → one SendEmailCommand with sender, recipient, subject and text body', async (t) => {
  const sent: unknown[] = []
  const client = { send: async (command: unknown) => void sent.push(command) } as unknown as Pick<SESv2Client, 'send'>
  await new SesMailer(client, 'Shop <no-reply@shop.example>').send({ to: 'ann@example.com', subject: 'Verify', text: 'Click here' })
  t.equal(sent.length, 1)
  t.type(sent[0], SendEmailCommand)
  t.same((sent[0] as SendEmailCommand).input, {
    FromEmailAddress: 'Shop <no-reply@shop.example>',
    Destination: { ToAddresses: ['ann@example.com'] },
    Content: {
      Simple: {
        Subject: { Data: 'Verify', Charset: 'UTF-8' },
        Body: { Text: { Data: 'Click here', Charset: 'UTF-8' } }
      }
    }
  })
})

t.test('an SES failure propagates so the caller (a queue worker) can retry', async (t) => {
  const client = { send: async () => Promise.reject(new Error('Throttling')) } as unknown as Pick<SESv2Client, 'send'>
  await t.rejects(new SesMailer(client, 'a@b.c').send({ to: 'x@example.com', subject: 's', text: 't' }), /Throttling/)
})
