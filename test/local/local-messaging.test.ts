// Tests of the embedded runtime's SNS → SQS → worker bus, wired from test/fixtures/messaging.template.yaml:
// filter-policy routing, raw vs wrapped bodies, the SQS record shape, batch sizes, partial and whole
// batch failures, redrive to dead-letter queues, visibility timeouts, and correlation ids reaching the
// workers' log lines through createSqsWorker.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import type { SQSEvent, SQSRecord } from 'aws-lambda'
import { createMessaging, type MessagingOptions } from '../../src/local/sns-sqs/messaging'
import type { Log } from '../../src/local/log'
import { SNS_SENDER_ID } from '../../src/local/sns-sqs/topics'
import { md5OfMessageAttributes } from '../../src/local/sns-sqs/checksums'
import { resourceNames } from '../../src/local/template/names'
import { loadTemplate, parseTemplate } from '../../src/local/template/template'
import { createLogger } from '../../src/logger'
import type { EventEnvelope } from '../../src/ports/event-bus'
import { createSqsWorker } from '../../src/workers/sqs-worker'
import { loadAwsEvent } from '../helpers/aws-events'
import { LogCapture } from '../helpers/log-capture'

type Handler = (event: SQSEvent) => unknown

const template = loadTemplate(fileURLToPath(new URL('../fixtures/messaging.template.yaml', import.meta.url)))
const fixture = loadAwsEvent<SQSEvent>('sqs-event.concrete.json')
const names = resourceNames(template, { stackName: 'test' })
const PAYMENT_TOPIC = names.ref('PaymentEventsTopic') as string
const ORDER_TOPIC = names.ref('OrderEventsTopic') as string
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let sequence = 0
function envelope(eventType: string, data: Record<string, unknown> = {}, correlationId = 'corr-1'): EventEnvelope {
  sequence += 1
  return { eventId: `evt-${sequence}`, eventType, version: 1, occurredAt: new Date(0).toISOString(), correlationId, data }
}

interface Invocation {
  functionLogicalId: string
  records: SQSRecord[]
}

/** A bus on the test template whose workers are `handlers` (missing ones succeed). */
function setup(t: Test, handlers: Record<string, Handler> = {}, overrides: Partial<MessagingOptions> = {}) {
  const invocations: Invocation[] = []
  const logged: Array<{ level: keyof Log; obj: object; msg: string }> = []
  const record = (level: keyof Log) => (obj: object, msg: string) => void logged.push({ level, obj, msg })
  const messaging = createMessaging({
    template,
    names,
    redeliveryDelayMs: 1,
    log: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    invoke: async (functionLogicalId, event) => {
      const sqsEvent = event as SQSEvent
      invocations.push({ functionLogicalId, records: sqsEvent.Records })
      return handlers[functionLogicalId]?.(sqsEvent)
    },
    ...overrides
  })
  t.teardown(() => messaging.close())
  const of = (functionLogicalId: string) => invocations.filter((invocation) => invocation.functionLogicalId === functionLogicalId)
  return { messaging, bus: messaging.bus, invocations, logged, of }
}

/** The envelope a record carries, raw or inside an SNS notification. */
function carried(record: SQSRecord): EventEnvelope {
  const body = JSON.parse(record.body) as { Type?: string; Message?: string }
  return JSON.parse(body.Type === 'Notification' ? (body.Message as string) : record.body) as EventEnvelope
}
const typesOf = (invocations: Invocation[]) => invocations.flatMap((invocation) => invocation.records.map((record) => carried(record).eventType)).sort()
const idOf = (record: SQSRecord) => carried(record).data.id

t.test('FilterPolicy routes events; a filtered-out event never reaches a queue', async (t) => {
  const { bus, messaging, invocations, of } = setup(t)
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { amount: 500 }))
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_REFUNDED', { amount: 700 }))
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_FAILED', { amount: 20000 }))
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_FAILED', { amount: 50 }))
  await bus.publish(ORDER_TOPIC, envelope('ORDER_CREATED'))
  await messaging.idle()

  t.strictSame(typesOf(of('OrderWorkerFunction')), ['PAYMENT_CONFIRMED', 'PAYMENT_FAILED', 'PAYMENT_FAILED'], 'attribute filter: payment outcomes only')
  t.strictSame(typesOf(of('NotificationWorkerFunction')), ['ORDER_CREATED', 'PAYMENT_FAILED'], 'unfiltered order events + body filter: large failures only')
  const large = of('NotificationWorkerFunction').flatMap((invocation) => invocation.records).map(carried).find((event) => event.eventType === 'PAYMENT_FAILED')
  t.equal(large?.data.amount, 20000)
  t.notOk(typesOf(invocations).includes('PAYMENT_REFUNDED'), 'no worker saw the refund')
  t.strictSame(messaging.deadLetters('AuditQueue').map((record) => carried(record).eventType), ['ORDER_CREATED'], 'inline subscription, no consumer: held')
})

t.test('raw delivery: the body is the envelope and SNS attributes become SQS message attributes', async (t) => {
  const { bus, messaging, of } = setup(t)
  const event = envelope('PAYMENT_CONFIRMED', { amount: 500 }, 'corr-raw')
  await bus.publish(PAYMENT_TOPIC, event)
  await messaging.idle()

  const record = of('OrderWorkerFunction')[0]?.records[0] as SQSRecord
  t.equal(record.body, JSON.stringify(event))
  t.strictSame(record.messageAttributes, {
    eventType: { stringValue: 'PAYMENT_CONFIRMED', stringListValues: [], binaryListValues: [], dataType: 'String' },
    correlationId: { stringValue: 'corr-raw', stringListValues: [], binaryListValues: [], dataType: 'String' }
  })
  t.match(record.md5OfMessageAttributes, /^[0-9a-f]{32}$/)
  t.equal(record.md5OfMessageAttributes, md5OfMessageAttributes(record.messageAttributes))
})

t.test('wrapped delivery: the body is the SNS notification and the SQS message has no attributes', async (t) => {
  const { bus, messaging, of } = setup(t)
  const event = envelope('ORDER_CREATED', { orderId: 'o-1' }, 'corr-wrapped')
  await bus.publish(ORDER_TOPIC, event)
  await messaging.idle()

  const record = of('NotificationWorkerFunction')[0]?.records[0] as SQSRecord
  const notification = JSON.parse(record.body) as Record<string, unknown>
  t.match(notification, {
    Type: 'Notification',
    MessageId: UUID,
    TopicArn: ORDER_TOPIC,
    Message: JSON.stringify(event),
    Timestamp: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    SignatureVersion: '1',
    SigningCertURL: /^https:\/\/sns\.local\.amazonaws\.com\/.+\.pem$/
  })
  t.strictSame(notification.MessageAttributes, {
    eventType: { Type: 'String', Value: 'ORDER_CREATED' },
    correlationId: { Type: 'String', Value: 'corr-wrapped' }
  })
  t.match(notification.UnsubscribeURL, `SubscriptionArn=${ORDER_TOPIC}:`)
  t.notOk('Subject' in notification)
  t.strictSame(record.messageAttributes, {})
  t.notOk('md5OfMessageAttributes' in record, 'SQS omits the digest when there are no attributes')
})

t.test('workers receive real SQS records (compared with a captured event)', async (t) => {
  const { bus, messaging, of } = setup(t)
  const before = Date.now()
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED'))
  await messaging.idle()

  const [invocation] = of('OrderWorkerFunction')
  t.strictSame(Object.keys(invocation ?? {}), ['functionLogicalId', 'records'])
  const record = invocation?.records[0] as SQSRecord
  const reference = fixture.Records[0] as SQSRecord
  t.strictSame(Object.keys(record).sort(), Object.keys(reference).sort(), 'same fields as the captured record')
  t.strictSame(Object.keys(record.attributes).sort(), Object.keys(reference.attributes).sort())
  t.strictSame(Object.keys(record.messageAttributes.eventType ?? {}).sort(), Object.keys(reference.messageAttributes.Attribute1 ?? {}).sort())
  t.match(record.messageId, UUID)
  t.ok(record.receiptHandle.length > 20, 'an opaque receipt handle')
  t.equal(record.md5OfBody, createHash('md5').update(record.body).digest('hex'))
  t.equal(record.eventSource, 'aws:sqs')
  t.equal(record.eventSourceARN, names.getAtt('OrderQueue', 'Arn'))
  t.equal(record.eventSourceARN, 'arn:aws:sqs:local:000000000000:test-OrderQueue')
  t.equal(record.awsRegion, 'local')
  t.equal(record.attributes.ApproximateReceiveCount, '1')
  t.equal(record.attributes.SenderId, SNS_SENDER_ID)
  const sent = Number(record.attributes.SentTimestamp)
  t.ok(sent >= before, 'SentTimestamp is epoch ms')
  t.ok(Number(record.attributes.ApproximateFirstReceiveTimestamp) >= sent)
})

t.test("SQS's MD5 of message attributes matches known digests", async (t) => {
  // Digests computed by SQS, as recorded in the tests of two SQS emulators (sqslite, LocalStack).
  t.equal(
    md5OfMessageAttributes({
      ordinal: { dataType: 'Number', stringValue: '1' },
      category: { dataType: 'String', stringValue: 'test' }
    }),
    'd21ae90c49061e927f57df5f5d72be1f'
  )
  t.equal(md5OfMessageAttributes({ timestamp: { dataType: 'Number', stringValue: '1493147359900' } }), '235c5c510d26fb653d073faed50ae77c')
  t.equal(md5OfMessageAttributes({}), undefined)
})

t.test('publish resolves once the message is queued, before any worker runs', async (t) => {
  const { bus, messaging, invocations } = setup(t)
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED'))
  t.equal(invocations.length, 0)
  await messaging.idle()
  t.equal(invocations.length, 1)
})

t.test('BatchSize is respected', async (t) => {
  const { bus, messaging, of } = setup(t)
  for (let index = 0; index < 5; index++) await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: index }))
  for (let index = 0; index < 7; index++) await bus.publish(ORDER_TOPIC, envelope('ORDER_CREATED', { id: index }))
  await messaging.idle()

  const sizes = (functionLogicalId: string) => of(functionLogicalId).map((invocation) => invocation.records.length).sort()
  t.strictSame(sizes('OrderWorkerFunction'), [1, 2, 2], 'BatchSize 2')
  t.strictSame(sizes('NotificationWorkerFunction'), [2, 5], 'BatchSize 5')
  const ids = of('OrderWorkerFunction').flatMap((invocation) => invocation.records.map(idOf))
  t.strictSame(ids.sort(), [0, 1, 2, 3, 4], 'each message delivered once')
})

t.test('partial batch failure redelivers only the reported record, with ApproximateReceiveCount 2', async (t) => {
  const { bus, messaging, of } = setup(t, {
    OrderWorkerFunction: (event) => ({
      batchItemFailures: event.Records.filter((record) => idOf(record) === 'b' && record.attributes.ApproximateReceiveCount === '1').map((record) => ({
        itemIdentifier: record.messageId
      }))
    })
  })
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: 'a' }))
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: 'b' }))
  await messaging.idle()

  const seen = of('OrderWorkerFunction').map((invocation) => invocation.records.map((record) => [idOf(record), record.attributes.ApproximateReceiveCount]))
  t.strictSame(seen, [[['a', '1'], ['b', '1']], [['b', '2']]])
  const [first, second] = of('OrderWorkerFunction')
  t.equal(second?.records[0]?.messageId, first?.records[1]?.messageId, 'the same message, redelivered')
  t.not(second?.records[0]?.receiptHandle, first?.records[1]?.receiptHandle, 'with a new receipt handle')
  t.strictSame(messaging.deadLetters('OrderDlq'), [])
})

t.test('a poison message ends in the DLQ after maxReceiveCount; the others keep flowing', async (t) => {
  const { bus, messaging, of } = setup(t, {
    OrderWorkerFunction: (event) => ({
      batchItemFailures: event.Records.filter((record) => idOf(record) === 'poison').map((record) => ({ itemIdentifier: record.messageId }))
    })
  })
  for (const id of ['poison', 'g1', 'g2', 'g3']) await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id }))
  await messaging.idle()

  const deliveries = of('OrderWorkerFunction').flatMap((invocation) => invocation.records.map((record) => `${idOf(record)}#${record.attributes.ApproximateReceiveCount}`))
  t.strictSame(deliveries.filter((delivery) => delivery.startsWith('poison')), ['poison#1', 'poison#2', 'poison#3'], 'maxReceiveCount 3')
  t.strictSame(deliveries.filter((delivery) => delivery.startsWith('g')).sort(), ['g1#1', 'g2#1', 'g3#1'])
  t.ok(deliveries.indexOf('g3#1') < deliveries.indexOf('poison#2'), 'good messages were not held up behind the poison one')

  const [dead, ...more] = messaging.deadLetters('OrderDlq')
  t.equal(more.length, 0)
  t.equal(idOf(dead as SQSRecord), 'poison')
  t.equal(dead?.attributes.ApproximateReceiveCount, '3')
  t.equal(dead?.attributes.DeadLetterQueueSourceArn, names.getAtt('OrderQueue', 'Arn'))
  t.equal(dead?.eventSourceARN, names.getAtt('OrderDlq', 'Arn'))
  t.strictSame(messaging.deadLetters('test-OrderDlq'), [dead], 'by queue name')
  t.strictSame(messaging.deadLetters(names.getAtt('OrderDlq', 'Arn') as string), [dead], 'by ARN')
  t.strictSame(messaging.deadLetterQueues(), { OrderDlq: [dead], NotificationDlq: [] })
  t.throws(() => messaging.deadLetters('NoSuchQueue'), /No local queue NoSuchQueue/)

  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: 'g4' }))
  await messaging.idle()
  t.equal(idOf(of('OrderWorkerFunction').at(-1)?.records[0] as SQSRecord), 'g4', 'the queue still flows')
})

t.test('a throwing worker gets the whole batch again', async (t) => {
  let calls = 0
  const { bus, messaging, of, logged } = setup(t, {
    NotificationWorkerFunction: () => {
      calls += 1
      if (calls === 1) throw new Error('smtp down')
    }
  })
  await bus.publish(ORDER_TOPIC, envelope('ORDER_CREATED', { id: 1 }))
  await bus.publish(ORDER_TOPIC, envelope('ORDER_CREATED', { id: 2 }))
  await messaging.idle()

  const [first, second, ...rest] = of('NotificationWorkerFunction')
  t.equal(rest.length, 0)
  t.strictSame(second?.records.map((record) => record.messageId).sort(), first?.records.map((record) => record.messageId).sort())
  t.strictSame(second?.records.map((record) => record.attributes.ApproximateReceiveCount), ['2', '2'])
  t.match(logged, [{ level: 'error', msg: /worker failed/, obj: { err: { message: 'smtp down' }, functionLogicalId: 'NotificationWorkerFunction' } }])
})

t.test('a worker that throws synchronously or rejects never crashes the process', async (t) => {
  let calls = 0
  const { bus, messaging, logged } = setup(t, {}, {
    invoke: (): Promise<unknown> => {
      calls += 1
      if (calls === 1) throw new Error('sync throw')
      return calls === 2 ? Promise.reject(new Error('rejected')) : Promise.resolve()
    }
  })
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED'))
  await messaging.idle()
  t.equal(calls, 3, 'retried after each failure, then succeeded (maxReceiveCount 3)')
  t.strictSame(messaging.deadLetters('OrderDlq'), [])
  t.strictSame(
    logged.map((entry) => (entry.obj as { err: Error }).err.message),
    ['sync throw', 'rejected']
  )
})

t.test('without ReportBatchItemFailures a returned batchItemFailures is ignored', async (t) => {
  const { bus, messaging, of } = setup(t, {
    NotificationWorkerFunction: (event) => ({ batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) })
  })
  await bus.publish(ORDER_TOPIC, envelope('ORDER_CREATED'))
  await messaging.idle()
  t.equal(of('NotificationWorkerFunction').length, 1)
  t.strictSame(messaging.deadLetters('NotificationDlq'), [])
})

t.test('a malformed batch response fails the whole batch', async (t) => {
  let calls = 0
  const { bus, messaging, of, logged } = setup(t, {
    OrderWorkerFunction: () => {
      calls += 1
      return calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : { batchItemFailures: [] }
    }
  })
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: 'a' }))
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', { id: 'b' }))
  await messaging.idle()
  const [, second] = of('OrderWorkerFunction')
  t.strictSame(second?.records.map((record) => [idOf(record), record.attributes.ApproximateReceiveCount]), [['a', '2'], ['b', '2']])
  t.match(logged, [{ level: 'warn', msg: /invalid batch response/ }])
})

t.test('a message whose worker outlives the visibility timeout is received again', async (t) => {
  let release: () => void = () => undefined
  const stuck = new Promise<void>((resolve) => (release = resolve))
  const { bus, messaging, of } = setup(
    t,
    {
      OrderWorkerFunction: async (event) => {
        if (event.Records[0]?.attributes.ApproximateReceiveCount === '1') return stuck
        release()
      }
    },
    { visibilityTimeoutMs: 5 }
  )
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED'))
  await messaging.idle()
  const [first, second] = of('OrderWorkerFunction')
  t.equal(second?.records[0]?.messageId, first?.records[0]?.messageId)
  t.equal(second?.records[0]?.attributes.ApproximateReceiveCount, '2')
  t.strictSame(messaging.deadLetters('OrderQueue'), [], 'deleted by the second receive; the stale handle of the first deletes nothing')
})

t.test('the correlation id reaches the worker and its log lines (createSqsWorker)', async (t) => {
  const stream = new LogCapture()
  const lines = stream.lines
  const logger = createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'local' }, stream)
  const handled: EventEnvelope[] = []
  const worker = (name: string) =>
    createSqsWorker({
      name,
      logger,
      async handle(event, record, log) {
        if (event.data.fail && record.attributes.ApproximateReceiveCount === '1') throw new Error('first attempt fails')
        handled.push(event)
        log.info('event handled')
      }
    })
  const { bus, messaging, of } = setup(t, { OrderWorkerFunction: worker('order'), NotificationWorkerFunction: worker('notification') })
  const raw = envelope('PAYMENT_CONFIRMED', { fail: true }, 'corr-raw-1')
  const wrapped = envelope('ORDER_CREATED', {}, 'corr-wrapped-1')
  await bus.publish(PAYMENT_TOPIC, raw)
  await bus.publish(ORDER_TOPIC, wrapped)
  await messaging.idle()

  t.strictSame(handled.map((event) => event.correlationId).sort(), ['corr-raw-1', 'corr-wrapped-1'])
  t.strictSame(handled.find((event) => event.eventId === raw.eventId), raw, 'the envelope arrives intact')
  const orderRecords = of('OrderWorkerFunction').map((invocation) => invocation.records[0] as SQSRecord)
  t.equal(orderRecords.length, 2, 'the failed record was reported and redelivered')
  t.match(
    lines.filter((line) => line.worker === 'order'),
    [
      { level: 50, msg: /handling failed/, correlationId: 'corr-raw-1', eventType: 'PAYMENT_CONFIRMED', messageId: orderRecords[0]?.messageId, err: { message: 'first attempt fails' } },
      { level: 30, msg: 'event handled', correlationId: 'corr-raw-1', eventType: 'PAYMENT_CONFIRMED', messageId: orderRecords[1]?.messageId, receiveCount: 2 }
    ]
  )
  const notificationRecord = of('NotificationWorkerFunction')[0]?.records[0]
  t.match(lines.filter((line) => line.worker === 'notification'), [
    { msg: 'event handled', correlationId: 'corr-wrapped-1', eventType: 'ORDER_CREATED', messageId: notificationRecord?.messageId }
  ])
})

t.test('publishing to an unknown topic, or invalid attributes, rejects as SNS does', async (t) => {
  const { bus, messaging, invocations } = setup(t)
  await t.rejects(bus.publish('arn:aws:sns:local:000000000000:nope', envelope('X')), {
    name: 'NotFoundException',
    message: /Topic does not exist: arn:aws:sns:local:000000000000:nope/
  })
  await t.rejects(bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED', {}, '')), {
    name: 'InvalidParameterValueException',
    message: /correlationId/
  })
  await messaging.idle()
  t.equal(invocations.length, 0)
})

t.test('close stops delivery: publish rejects and idle resolves', async (t) => {
  const { bus, messaging, invocations } = setup(t)
  await bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED'))
  await messaging.close()
  await messaging.idle()
  await t.rejects(bus.publish(PAYMENT_TOPIC, envelope('PAYMENT_CONFIRMED')), /closed/)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(invocations.length, 0, 'the pending delivery was dropped')
})

t.test('template problems stop startup with a message naming the resource', async (t) => {
  const wire = (yaml: string) => () => {
    const broken = parseTemplate(yaml)
    createMessaging({ template: broken, names: resourceNames(broken, { stackName: 's' }), invoke: async () => undefined })
  }
  t.throws(
    wire(`
Resources:
  Topic: { Type: AWS::SNS::Topic }
  Sub: { Type: AWS::SNS::Subscription, Properties: { Protocol: sqs, TopicArn: !Ref Topic, Endpoint: 'arn:aws:sqs:local:000000000000:elsewhere' } }
`),
    /Sub: Endpoint arn:aws:sqs:local:000000000000:elsewhere is not a queue of the template/
  )
  t.throws(
    wire(`
Resources:
  Topic: { Type: AWS::SNS::Topic }
  Queue: { Type: AWS::SQS::Queue }
  Sub:
    Type: AWS::SNS::Subscription
    Properties: { Protocol: sqs, TopicArn: !Ref Topic, Endpoint: !GetAtt Queue.Arn, FilterPolicy: { ip: [{ cidr: 10.0.0.0/8 }] } }
`),
    /cidr operator is not emulated/
  )
  t.throws(wire('Resources:\n  Queue: { Type: AWS::SQS::Queue, Properties: { FifoQueue: true } }\n'), /Queue: FIFO queues are not emulated/)
  t.throws(
    wire('Resources:\n  Queue: { Type: AWS::SQS::Queue, Properties: { RedrivePolicy: { deadLetterTargetArn: arn:aws:sqs:local:000000000000:x, maxReceiveCount: 2 } } }\n'),
    /Queue: deadLetterTargetArn .* is not a queue of the template/
  )
  t.throws(
    wire(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Handler: x.handler, Events: { Q: { Type: SQS, Properties: { Queue: 'arn:aws:sqs:local:000000000000:gone' } } } }
`),
    /Fn\.Events\.Q: Queue .* is not a queue of the template/
  )
})
