// The SES v2 mailer adapter sends exactly this SendEmail request (SES cannot run here): once through a
// stand-in client, and once through the real SDK client to a loopback HTTP stand-in of the SES v2
// endpoint, asserting the request on the wire.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2'
import { SesMailer } from '../../src/adapters/aws/ses-mailer'

const MESSAGE = { to: 'ann@example.com', subject: 'Verify', text: 'Click here', html: '<p>Click <a href="https://shop.example/x">here</a></p>' }

/** What SES v2 SendEmail is asked for MESSAGE: both parts, UTF-8, from the configured sender. */
const EXPECTED_REQUEST = {
  FromEmailAddress: 'Shop <no-reply@shop.example>',
  Destination: { ToAddresses: ['ann@example.com'] },
  Content: {
    Simple: {
      Subject: { Data: 'Verify', Charset: 'UTF-8' },
      Body: {
        Text: { Data: 'Click here', Charset: 'UTF-8' },
        Html: { Data: '<p>Click <a href="https://shop.example/x">here</a></p>', Charset: 'UTF-8' }
      }
    }
  }
}

t.test('send → one SendEmailCommand with sender, recipient, subject, and both parts (text and HTML)', async (t) => {
  const sent: unknown[] = []
  const client = { send: async (command: unknown) => void sent.push(command) } as unknown as Pick<SESv2Client, 'send'>
  await new SesMailer(client, 'Shop <no-reply@shop.example>').send(MESSAGE)
  t.equal(sent.length, 1)
  t.type(sent[0], SendEmailCommand)
  t.same((sent[0] as SendEmailCommand).input, EXPECTED_REQUEST)
})

t.test('on the wire: POST /v2/email/outbound-emails with the JSON body SES documents', async (t) => {
  const requests: Array<{ method?: string; url?: string; body: unknown }> = []
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: 'm-1' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const client = new SESv2Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
  })
  t.teardown(() => client.destroy())
  await new SesMailer(client, 'Shop <no-reply@shop.example>').send(MESSAGE)
  t.equal(requests.length, 1)
  t.match(requests[0], { method: 'POST', url: '/v2/email/outbound-emails' })
  t.same(requests[0]?.body, EXPECTED_REQUEST)
})

t.test('an SES failure propagates so the caller (a queue worker) can retry', async (t) => {
  const client = { send: async () => Promise.reject(new Error('Throttling')) } as unknown as Pick<SESv2Client, 'send'>
  await t.rejects(new SesMailer(client, 'a@b.c').send({ to: 'x@example.com', subject: 's', text: 't', html: '<p>t</p>' }), /Throttling/)
})
