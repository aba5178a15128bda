// Tests of the SNS EventBus adapter: the exact Publish command it builds, and the exact request the
// real SDK client sends for it, against an HTTP stand-in for the SNS endpoint (SNS cannot run here)
// that also answers with SNS's success and error documents.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns'
import { publishInput, SnsEventBus } from '../../src/adapters/aws/sns-event-bus'
import type { EventEnvelope } from '../../src/ports/event-bus'

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:payment-events'
const event: EventEnvelope = {
  eventId: '0b6e6c1e-5d1f-4a43-9c55-3f1d1b7f7e01',
  eventType: 'PAYMENT_CONFIRMED',
  version: 1,
  occurredAt: '2026-01-02T03:04:05.678Z',
  correlationId: 'corr-42',
  data: { orderId: 'o-1', amount: 1999, currency: 'usd' }
}

const PUBLISH_OK = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult>
  <ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata>
</PublishResponse>`
const NOT_FOUND = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>
  <RequestId>9f5b4f0c-8d9e-5b6a-a1c2-3d4e5f6a7b8c</RequestId>
</ErrorResponse>`

interface Recorded {
  method?: string
  url?: string
  headers: IncomingHttpHeaders
  body: string
}

/** An HTTP endpoint standing in for SNS: records each request and answers with `status`/`xml`. */
async function fakeSns(t: Test, status: number, xml: string) {
  const requests: Recorded[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
      response.writeHead(status, { 'content-type': 'text/xml' }).end(xml)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const client = new SNSClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1
  })
  t.teardown(() => client.destroy())
  return { client, requests }
}

t.test('publishInput: the envelope as JSON, event type and correlation id as String attributes', async (t) => {
  const expected: PublishCommandInput = {
    TopicArn: TOPIC_ARN,
    Message: JSON.stringify(event),
    MessageAttributes: {
      eventType: { DataType: 'String', StringValue: 'PAYMENT_CONFIRMED' },
      correlationId: { DataType: 'String', StringValue: 'corr-42' }
    }
  }
  t.strictSame(publishInput(TOPIC_ARN, event), expected)
})

t.test('publish sends exactly one Publish request with that input', async (t) => {
  const { client, requests } = await fakeSns(t, 200, PUBLISH_OK)
  const commands: unknown[] = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ command: context.commandName, input: args.input })
      return next(args)
    },
    { step: 'initialize', name: 'recordCommands' }
  )

  await new SnsEventBus(client).publish(TOPIC_ARN, event)

  t.strictSame(commands, [{ command: 'PublishCommand', input: publishInput(TOPIC_ARN, event) }])
  t.equal(requests.length, 1)
  const [request] = requests
  t.equal(request?.method, 'POST')
  t.equal(request?.url, '/')
  t.match(request?.headers['content-type'], /^application\/x-www-form-urlencoded/)
  t.match(request?.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/sns\/aws4_request/)
  t.strictSame(Object.fromEntries(new URLSearchParams(request?.body)), {
    Action: 'Publish',
    Version: '2010-03-31',
    TopicArn: TOPIC_ARN,
    Message: JSON.stringify(event),
    'MessageAttributes.entry.1.Name': 'eventType',
    'MessageAttributes.entry.1.Value.DataType': 'String',
    'MessageAttributes.entry.1.Value.StringValue': 'PAYMENT_CONFIRMED',
    'MessageAttributes.entry.2.Name': 'correlationId',
    'MessageAttributes.entry.2.Value.DataType': 'String',
    'MessageAttributes.entry.2.Value.StringValue': 'corr-42'
  })
})

t.test('an SNS error rejects the publish with the SDK exception (callers keep the event)', async (t) => {
  const { client, requests } = await fakeSns(t, 404, NOT_FOUND)
  await t.rejects(new SnsEventBus(client).publish(TOPIC_ARN, event), { name: 'NotFoundException', message: 'Topic does not exist' })
  t.equal(requests.length, 1)
})
