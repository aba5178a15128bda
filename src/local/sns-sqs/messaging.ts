// The embedded runtime's SNS → SQS → worker bus, wired only from template.yaml: topics and their
// subscriptions (filter policies, raw delivery), queues with redrive policies to dead-letter queues,
// and the SQS event sources of worker functions. `bus` is the EventBus port; it publishes the very
// request the SNS adapter sends (publishInput), so both sides share one mapping of events to messages.
// Queues without an event source (dead-letter queues) just hold their messages for inspection.
import type { SQSRecord } from 'aws-lambda'
import type { CloudFormationTemplate, IntrinsicContext } from '../template/template'
import type { EventBus } from '../../ports/event-bus'
import { publishInput } from '../../adapters/aws/sns-event-bus'
import type { FaultSwitches } from '../faults'
import { Queue } from './queue'
import { Topics } from './topics'
import { readMessagingDefinition } from './wiring'
import { QueuePoller, type InvokeFunction } from './queue-poller'
import { silentLog, type Log } from '../log'

export type { InvokeFunction } from './queue-poller'

export interface MessagingOptions {
  template: CloudFormationTemplate
  /** resourceNames(template, { stackName }) */
  names: IntrinsicContext
  /** Runs a worker function locally (a Lambda handler) by its logical id. */
  invoke: InvokeFunction
  /** Overrides every queue's VisibilityTimeout (default: the queue's, else SQS's 30 s). */
  visibilityTimeoutMs?: number
  /** Delay before a failed message is retried; default: when its visibility timeout ends, as on AWS. */
  redeliveryDelayMs?: number
  /** Default: warnings and errors to the console. */
  log?: Log
  /** Fault switches: `events.publish: fail` makes every publish throw. */
  faults?: Pick<FaultSwitches, 'get'>
}

export interface Messaging {
  bus: EventBus
  /** Resolves when every consumed queue is empty and no delivery is in flight. */
  idle(): Promise<void>
  /** The messages a queue holds (meant for dead-letter queues), by logical id, name, URL or ARN. */
  deadLetters(queueLogicalIdOrName: string): SQSRecord[]
  /** Every dead-letter queue (a RedrivePolicy target) with its messages, by logical id. */
  deadLetterQueues(): Record<string, SQSRecord[]>
  /** Stops polling and timers; messages not yet delivered are dropped. */
  close(): Promise<void>
}

const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30

const consoleLog: Log = {
  ...silentLog,
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj)
}

export function createMessaging(options: MessagingOptions): Messaging {
  const log = options.log ?? consoleLog
  const definition = readMessagingDefinition(options.template, options.names, log)

  const queues = definition.queues.map(
    (queue) => new Queue(queue, options.visibilityTimeoutMs ?? (queue.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS) * 1000)
  )
  const queueByArn = (arn: string) => queues.find((queue) => queue.arn === arn)
  const deadLetterQueues = new Set<Queue>()
  for (const queue of definition.queues) {
    if (!queue.redrive) continue
    const target = queueByArn(queue.redrive.deadLetterTargetArn)
    if (!target) throw new Error(`template: ${queue.logicalId}: deadLetterTargetArn ${queue.redrive.deadLetterTargetArn} is not a queue of the template`)
    queueByArn(queue.arn)?.setDeadLetterQueue(target, queue.redrive.maxReceiveCount)
    deadLetterQueues.add(target)
  }

  const topics = new Topics(definition.topics, definition.subscriptions, queueByArn)

  let closed = false
  const waiters: Array<() => void> = []
  const pollers: QueuePoller[] = []
  const isIdle = () => pollers.every((poller) => !poller.busy && poller.queue.depth === 0)
  const settle = () => {
    if (waiters.length > 0 && (closed || isIdle())) for (const resolve of waiters.splice(0)) resolve()
  }
  for (const source of definition.eventSources) {
    if (!source.enabled) continue
    const queue = queueByArn(source.queueArn)
    if (!queue) throw new Error(`template: ${source.id}: Queue ${source.queueArn} is not a queue of the template`)
    pollers.push(new QueuePoller(queue, source, { invoke: options.invoke, log, redeliveryDelayMs: options.redeliveryDelayMs, onSettled: settle }))
  }

  const queueNamed = (id: string) => {
    const queue = queues.find((candidate) => [candidate.logicalId, candidate.name, candidate.url, candidate.arn].includes(id))
    if (!queue) throw new Error(`No local queue ${id} (queues: ${queues.map((candidate) => candidate.logicalId).join(', ')})`)
    return queue
  }

  return {
    bus: {
      async publish(topicArn, event) {
        if (closed) throw new Error('The local message bus is closed')
        if (options.faults?.get('events.publish') === 'fail') {
          // What the SNS client raises when SNS answers 500: the message is not accepted.
          throw Object.assign(new Error('SNS Publish failed (local fault switch events.publish=fail)'), { name: 'InternalErrorException' })
        }
        topics.publish(publishInput(topicArn, event))
      }
    },
    idle() {
      if (closed || isIdle()) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
    deadLetters: (id) => queueNamed(id).peek(),
    deadLetterQueues: () => Object.fromEntries([...deadLetterQueues].map((queue) => [queue.logicalId, queue.peek()])),
    async close() {
      closed = true
      for (const poller of pollers) poller.close()
      settle()
    }
  }
}
