// The wrapper every SQS worker Lambda uses: turns each record back into its event envelope (raw SNS
// delivery, or the SNS notification JSON around it), puts the event's correlation id on a child
// logger so every line the handler logs carries it, and reports the records that failed as
// `batchItemFailures` so only those are retried (the mapping must enable ReportBatchItemFailures).
// A malformed body is a failure like any other — logged, retried, and finally dead-lettered — never
// a crash of the batch.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import type { Logger } from '../logger'
import type { EventEnvelope } from '../ports/event-bus'

export interface SqsWorkerOptions<T> {
  /** The worker's name, on every log line. */
  name: string
  logger: Logger
  /** Handles one event; throws to have this record retried. Must be idempotent (SQS redelivers). */
  handle(envelope: EventEnvelope<T>, record: SQSRecord, log: Logger): Promise<void>
}

export type SqsWorker = (event: SQSEvent) => Promise<SQSBatchResponse>

export function createSqsWorker<T = Record<string, unknown>>(options: SqsWorkerOptions<T>): SqsWorker {
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
    for (const record of event.Records) {
      const base = { worker: options.name, messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount) }
      const parsed = parseRecord<T>(record)
      if ('problem' in parsed) {
        options.logger.child({ ...base, correlationId: parsed.correlationId }).error({ problem: parsed.problem }, 'malformed message; it will be retried, then dead-lettered')
        batchItemFailures.push({ itemIdentifier: record.messageId })
        continue
      }
      const { envelope } = parsed
      const log = options.logger.child({ ...base, correlationId: envelope.correlationId, eventType: envelope.eventType, eventId: envelope.eventId })
      try {
        await options.handle(envelope, record, log)
      } catch (error) {
        log.error({ err: error }, 'event handling failed; it will be retried')
        batchItemFailures.push({ itemIdentifier: record.messageId })
      }
    }
    return { batchItemFailures }
  }
}

type ParsedRecord<T> = { envelope: EventEnvelope<T> } | { problem: string; correlationId?: string }

/** The envelope in `record`, with its correlation id restored from the message attributes if missing. */
export function parseRecord<T = Record<string, unknown>>(record: SQSRecord): ParsedRecord<T> {
  let body: unknown
  try {
    body = JSON.parse(record.body)
  } catch {
    return { problem: 'body is not JSON', correlationId: record.messageAttributes.correlationId?.stringValue }
  }
  // Non-raw SNS delivery: the envelope is the notification's Message, attributes are in the notification.
  let attributeCorrelationId = record.messageAttributes.correlationId?.stringValue
  if (isObject(body) && body.Type === 'Notification' && typeof body.Message === 'string') {
    const attributes = isObject(body.MessageAttributes) ? body.MessageAttributes : {}
    const correlation = attributes.correlationId
    attributeCorrelationId = isObject(correlation) && typeof correlation.Value === 'string' ? correlation.Value : undefined
    try {
      body = JSON.parse(body.Message)
    } catch {
      return { problem: 'notification Message is not JSON', correlationId: attributeCorrelationId }
    }
  }
  if (!isObject(body)) return { problem: 'body is not an event envelope', correlationId: attributeCorrelationId }
  const { eventId, eventType, version, occurredAt, data } = body
  if (typeof eventId !== 'string' || typeof eventType !== 'string' || typeof version !== 'number' || typeof occurredAt !== 'string' || !isObject(data)) {
    return { problem: 'body is not an event envelope (eventId, eventType, version, occurredAt, data)', correlationId: attributeCorrelationId }
  }
  const correlationId = typeof body.correlationId === 'string' && body.correlationId ? body.correlationId : (attributeCorrelationId ?? eventId)
  return { envelope: { eventId, eventType, version, occurredAt, correlationId, data: data as T } }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
