// Unit tests of createSqsWorker on hand-built SQS records: raw and SNS-wrapped bodies, correlation ids
// restored onto the log lines, and batchItemFailures for failed and malformed records.
import { Writable } from 'node:stream'
import t from 'tap'
import type { SQSRecord } from 'aws-lambda'
import { createLogger } from '../../src/logger'
import type { EventEnvelope } from '../../src/ports/event-bus'
import { createSqsWorker, parseRecord } from '../../src/workers/sqs-worker'

const envelope: EventEnvelope = {
  eventId: 'evt-1',
  eventType: 'ORDER_CREATED',
  version: 1,
  occurredAt: '2026-01-02T03:04:05.678Z',
  correlationId: 'corr-1',
  data: { orderId: 'o-1' }
}

function record(messageId: string, body: string, correlationAttribute?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'AIDAIT2UOQQY3AUEKVGXU', ApproximateFirstReceiveTimestamp: '2' },
    messageAttributes: correlationAttribute
      ? { correlationId: { stringValue: correlationAttribute, stringListValues: [], binaryListValues: [], dataType: 'String' } }
      : {},
    md5OfBody: 'unused',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:q',
    awsRegion: 'local'
  }
}

const wrapped = (message: string, correlationId?: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: 'arn:aws:sns:local:000000000000:t',
    Message: message,
    Timestamp: '2026-01-02T03:04:05.678Z',
    ...(correlationId ? { MessageAttributes: { correlationId: { Type: 'String', Value: correlationId } } } : {})
  })

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  return { lines, logger: createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'local' }, stream) }
}

t.test('parseRecord reads raw and SNS-wrapped envelopes', async (t) => {
  t.strictSame(parseRecord(record('m1', JSON.stringify(envelope))), { envelope })
  t.strictSame(parseRecord(record('m2', wrapped(JSON.stringify(envelope), 'other'))), { envelope }, "the envelope's own correlation id wins")
  const { correlationId: _omitted, ...withoutCorrelation } = envelope
  t.strictSame(parseRecord(record('m3', JSON.stringify(withoutCorrelation), 'from-attribute')), { envelope: { ...envelope, correlationId: 'from-attribute' } })
  t.strictSame(parseRecord(record('m4', wrapped(JSON.stringify(withoutCorrelation), 'from-notification'))), {
    envelope: { ...envelope, correlationId: 'from-notification' }
  })
  t.match(parseRecord(record('m5', 'not json', 'corr-x')), { problem: /not JSON/, correlationId: 'corr-x' })
  t.match(parseRecord(record('m6', wrapped('not json', 'corr-y'))), { problem: /Message is not JSON/, correlationId: 'corr-y' })
  t.match(parseRecord(record('m7', JSON.stringify({ hello: 'world' }))), { problem: /not an event envelope/ })
})

t.test('failed and malformed records are reported; the others are handled with correlated logs', async (t) => {
  const { lines, logger } = capture()
  const handled: string[] = []
  const worker = createSqsWorker({
    name: 'notification',
    logger,
    async handle(event, sqsRecord, log) {
      if (event.data.orderId === 'boom') throw new Error('handler failed')
      handled.push(sqsRecord.messageId)
      log.info({ orderId: event.data.orderId }, 'sent')
    }
  })
  const response = await worker({
    Records: [
      record('ok-raw', JSON.stringify(envelope)),
      record('bad-json', '{', 'corr-bad'),
      record('boom', JSON.stringify({ ...envelope, correlationId: 'corr-boom', data: { orderId: 'boom' } })),
      record('ok-wrapped', wrapped(JSON.stringify({ ...envelope, correlationId: 'corr-2' })))
    ]
  })

  t.strictSame(response, { batchItemFailures: [{ itemIdentifier: 'bad-json' }, { itemIdentifier: 'boom' }] })
  t.strictSame(handled, ['ok-raw', 'ok-wrapped'])
  t.match(lines, [
    { level: 30, msg: 'sent', worker: 'notification', messageId: 'ok-raw', correlationId: 'corr-1', eventType: 'ORDER_CREATED', eventId: 'evt-1', orderId: 'o-1' },
    { level: 50, msg: /malformed/, messageId: 'bad-json', correlationId: 'corr-bad', problem: /not JSON/ },
    { level: 50, msg: /handling failed/, messageId: 'boom', correlationId: 'corr-boom', err: { message: 'handler failed' } },
    { level: 30, msg: 'sent', messageId: 'ok-wrapped', correlationId: 'corr-2' }
  ])
  t.equal(lines.length, 4)
})

t.test('an empty batch succeeds', async (t) => {
  const { logger } = capture()
  const worker = createSqsWorker({ name: 'w', logger, handle: async () => undefined })
  t.strictSame(await worker({ Records: [] }), { batchItemFailures: [] })
})
