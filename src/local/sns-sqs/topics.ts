// SNS topics and their SQS subscriptions, in memory, for the embedded runtime. Takes the same Publish
// request the AWS adapter sends, validates it as SNS does (unknown topic → NotFound, bad attributes →
// InvalidParameterValue), applies each subscription's filter policy and puts the message into the
// subscribed queues before returning, as SNS accepts a message once it is stored for delivery.
// Bodies follow SNS's documented SQS delivery: the raw message with attributes mapped to SQS message
// attributes (RawMessageDelivery), or the JSON notification envelope otherwise.
import { randomUUID } from 'node:crypto'
import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns'
import type { SQSMessageAttributes } from 'aws-lambda'
import { LOCAL_REGION } from '../template/names'
import { compileFilterPolicy, type MessageFilter } from './filter-policy'
import type { Queue } from './queue'
import type { SubscriptionDefinition, TopicDefinition } from './wiring'

/** The sender SQS reports for messages SNS delivers (SNS's own principal, as seen in real events). */
export const SNS_SENDER_ID = 'AIDAIT2UOQQY3AUEKVGXU'
const MAX_MESSAGE_BYTES = 256 * 1024
const SNS_HOST = `https://sns.${LOCAL_REGION}.amazonaws.com`

/** An SNS API error; `name` is the SDK's exception name, so callers can handle both sides alike. */
export class SnsError extends Error {
  constructor(name: 'NotFoundException' | 'InvalidParameterException' | 'InvalidParameterValueException', message: string) {
    super(message)
    this.name = name
  }
}

interface Subscription {
  arn: string
  queue: Queue
  raw: boolean
  accepts: MessageFilter
}

export class Topics {
  private readonly topics = new Map<string, Subscription[]>()

  constructor(topics: TopicDefinition[], subscriptions: SubscriptionDefinition[], queueByArn: (arn: string) => Queue | undefined) {
    for (const topic of topics) this.topics.set(topic.arn, [])
    for (const subscription of subscriptions) {
      const list = this.topics.get(subscription.topicArn)
      if (!list) throw new Error(`template: ${subscription.id}: TopicArn ${subscription.topicArn} is not a topic of the template`)
      const queue = queueByArn(subscription.queueArn)
      if (!queue) throw new Error(`template: ${subscription.id}: Endpoint ${subscription.queueArn} is not a queue of the template`)
      const filter = subscription.filterPolicy === undefined ? undefined : compileFilterPolicy(subscription.filterPolicy, subscription.filterPolicyScope)
      list.push({
        arn: `${subscription.topicArn}:${randomUUID()}`,
        queue,
        raw: subscription.rawMessageDelivery,
        accepts: filter ?? (() => true)
      })
    }
  }

  /** SNS Publish: returns the MessageId once the message is in every matching subscription's queue. */
  publish(input: PublishCommandInput): { MessageId: string } {
    const subscriptions = input.TopicArn ? this.topics.get(input.TopicArn) : undefined
    if (!subscriptions) {
      throw new SnsError('NotFoundException', `Topic does not exist: ${input.TopicArn ?? '(no TopicArn)'} (local topics: ${[...this.topics.keys()].join(', ')})`)
    }
    const message = input.Message
    if (!message) throw new SnsError('InvalidParameterException', 'Invalid parameter: Empty message')
    if (input.MessageStructure !== undefined) throw new SnsError('InvalidParameterException', 'MessageStructure is not emulated locally')
    const attributes = input.MessageAttributes ?? {}
    validateAttributes(attributes)
    if (Buffer.byteLength(message) + attributesSize(attributes) > MAX_MESSAGE_BYTES) {
      throw new SnsError('InvalidParameterException', 'Invalid parameter: Message too long')
    }

    const messageId = randomUUID()
    const timestamp = new Date().toISOString()
    for (const subscription of subscriptions) {
      if (!subscription.accepts({ message, attributes })) continue
      if (subscription.raw) {
        subscription.queue.send({ body: message, messageAttributes: sqsAttributes(attributes), senderId: SNS_SENDER_ID })
      } else {
        const notification = notificationBody(input.TopicArn as string, subscription.arn, messageId, timestamp, input.Subject, message, attributes)
        subscription.queue.send({ body: notification, senderId: SNS_SENDER_ID })
      }
    }
    return { MessageId: messageId }
  }
}

/** The JSON document SNS delivers to a non-raw SQS subscription (keys in SNS's order). */
function notificationBody(
  topicArn: string,
  subscriptionArn: string,
  messageId: string,
  timestamp: string,
  subject: string | undefined,
  message: string,
  attributes: Record<string, MessageAttributeValue>
): string {
  const names = Object.keys(attributes)
  return JSON.stringify({
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    ...(subject === undefined ? {} : { Subject: subject }),
    Message: message,
    Timestamp: timestamp,
    SignatureVersion: '1',
    // Not signed locally: there is no SNS certificate to sign with, and queue consumers do not verify.
    Signature: Buffer.from('unsigned local notification').toString('base64'),
    SigningCertURL: `${SNS_HOST}/SimpleNotificationService-local.pem`,
    UnsubscribeURL: `${SNS_HOST}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
    ...(names.length === 0
      ? {}
      : {
          MessageAttributes: Object.fromEntries(
            names.map((name) => {
              const attribute = attributes[name] as MessageAttributeValue
              const value = attribute.StringValue ?? Buffer.from(attribute.BinaryValue ?? new Uint8Array()).toString('base64')
              return [name, { Type: attribute.DataType, Value: value }]
            })
          )
        })
  })
}

/** SNS message attributes as the SQS message attributes of a raw delivery. */
function sqsAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => {
      const dataType = attribute.DataType as string
      return [
        name,
        dataType.startsWith('Binary')
          ? { binaryValue: Buffer.from(attribute.BinaryValue ?? new Uint8Array()).toString('base64'), stringListValues: [], binaryListValues: [], dataType }
          : { stringValue: attribute.StringValue, stringListValues: [], binaryListValues: [], dataType }
      ]
    })
  )
}

function validateAttributes(attributes: Record<string, MessageAttributeValue>): void {
  for (const [name, attribute] of Object.entries(attributes)) {
    const invalid = (detail: string) => new SnsError('InvalidParameterValueException', `The message attribute '${name}' ${detail}`)
    const type = attribute.DataType
    if (!type) throw invalid('must contain a non-empty attribute type')
    if (type.startsWith('Binary')) {
      if (!attribute.BinaryValue || attribute.BinaryValue.length === 0) throw invalid('must contain non-empty binary value')
      continue
    }
    if (!type.startsWith('String') && !type.startsWith('Number')) throw invalid(`has an invalid message attribute type ${type}`)
    const value = attribute.StringValue
    if (value === undefined || value === '') throw invalid('must contain non-empty message attribute value')
    if (type.startsWith('Number') && !Number.isFinite(Number(value))) throw invalid(`has an invalid numeric value ${value}`)
    if (type === 'String.Array' && !isJsonArray(value)) throw invalid('must be a JSON array of strings, numbers, true, false or null')
  }
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text))
  } catch {
    return false
  }
}

/** SNS counts attribute names, types and values toward the 256 KiB message limit. */
function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (total, [name, attribute]) =>
      total + Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '') + Buffer.byteLength(attribute.StringValue ?? '') + (attribute.BinaryValue?.length ?? 0),
    0
  )
}
