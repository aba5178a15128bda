// One SQS standard queue, in memory, for the embedded runtime. Follows SQS's documented semantics:
// a received message stays invisible for the visibility timeout and comes back unless deleted with
// its latest receipt handle; every receive increments ApproximateReceiveCount; with a redrive policy,
// a message already received maxReceiveCount times moves to the dead-letter queue when it would be
// received again, so a poison message never blocks the others.
import { randomBytes, randomUUID } from 'node:crypto'
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda'
import { LOCAL_REGION } from '../template/names'
import type { QueueDefinition } from './wiring'
import { md5OfBody, md5OfMessageAttributes } from './checksums'

export interface SendMessageInput {
  body: string
  messageAttributes?: SQSMessageAttributes
  /** The principal that sent the message (for SNS deliveries, SNS's own). */
  senderId: string
}

interface StoredMessage {
  messageId: string
  body: string
  messageAttributes: SQSMessageAttributes
  md5OfBody: string
  md5OfMessageAttributes?: string
  sentTimestamp: number
  senderId: string
  receiveCount: number
  firstReceiveTimestamp?: number
  /** Epoch ms from which the message can be received; later than now while it is in flight. */
  visibleAt: number
  receiptHandle?: string
  deadLetterSourceArn?: string
}

export class Queue {
  readonly logicalId: string
  readonly name: string
  readonly arn: string
  readonly url: string
  private readonly messages: StoredMessage[] = []
  private readonly listeners = new Set<() => void>()
  private redrive?: { queue: Queue; maxReceiveCount: number }

  constructor(
    private readonly definition: QueueDefinition,
    private readonly visibilityTimeoutMs: number
  ) {
    this.logicalId = definition.logicalId
    this.name = definition.name
    this.arn = definition.arn
    this.url = definition.url
  }

  /** Where messages go after maxReceiveCount receives (the queue's RedrivePolicy). */
  setDeadLetterQueue(queue: Queue, maxReceiveCount: number): void {
    this.redrive = { queue, maxReceiveCount }
  }

  /** `listener` runs whenever a message may have become receivable (pollers wake up on it). */
  onAvailable(listener: () => void): void {
    this.listeners.add(listener)
  }

  /** Messages held, in flight or not. */
  get depth(): number {
    return this.messages.length
  }

  send(input: SendMessageInput, now = Date.now()): string {
    const messageAttributes = structuredClone(input.messageAttributes ?? {})
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      messageAttributes,
      md5OfBody: md5OfBody(input.body),
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      sentTimestamp: now,
      senderId: input.senderId,
      receiveCount: 0,
      visibleAt: now + this.definition.delaySeconds * 1000
    }
    this.accept(message)
    return message.messageId
  }

  /** Receives up to `max` visible messages, as Lambda's poller would hand them to a function. */
  receive(max: number, now = Date.now()): SQSRecord[] {
    const records: SQSRecord[] = []
    for (const message of [...this.messages]) {
      if (records.length >= max) break
      if (message.visibleAt > now) continue
      if (this.redrive && message.receiveCount >= this.redrive.maxReceiveCount) {
        this.remove(message)
        this.redrive.queue.accept({ ...message, visibleAt: now, receiptHandle: undefined, deadLetterSourceArn: this.arn })
        continue
      }
      message.receiveCount += 1
      message.firstReceiveTimestamp ??= now
      message.receiptHandle = randomBytes(48).toString('base64')
      message.visibleAt = now + this.visibilityTimeoutMs
      records.push(this.toRecord(message))
    }
    return records
  }

  /** Deletes the message if `receiptHandle` is its latest one (an older handle deletes nothing, as on SQS). */
  delete(receiptHandle: string): boolean {
    const message = this.byReceipt(receiptHandle)
    if (message) this.remove(message)
    return message !== undefined
  }

  /** Makes an in-flight message visible again after `delayMs` (ChangeMessageVisibility). */
  changeVisibility(receiptHandle: string, delayMs: number, now = Date.now()): void {
    const message = this.byReceipt(receiptHandle)
    if (!message) return
    message.visibleAt = now + delayMs
    if (delayMs <= 0) this.notify()
  }

  /**
   * The earliest time any held message is (or becomes) receivable; undefined when empty. Already
   * visible messages count too, so a poller that raced the clock polls again instead of stalling.
   */
  nextVisibleAt(): number | undefined {
    return this.messages.reduce<number | undefined>((next, message) => (next === undefined || message.visibleAt < next ? message.visibleAt : next), undefined)
  }

  /** What the queue holds, as records, without receiving anything (local inspection). */
  peek(): SQSRecord[] {
    return this.messages.map((message) => this.toRecord(message))
  }

  private accept(message: StoredMessage): void {
    this.messages.push(message)
    this.notify()
  }

  private remove(message: StoredMessage): void {
    this.messages.splice(this.messages.indexOf(message), 1)
  }

  private byReceipt(receiptHandle: string): StoredMessage | undefined {
    return this.messages.find((message) => message.receiptHandle === receiptHandle)
  }

  private notify(): void {
    for (const listener of this.listeners) listener()
  }

  private toRecord(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: message.senderId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? ''),
        ...(message.deadLetterSourceArn ? { DeadLetterQueueSourceArn: message.deadLetterSourceArn } : {})
      },
      messageAttributes: structuredClone(message.messageAttributes),
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: LOCAL_REGION
    }
  }
}
