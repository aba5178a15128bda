// Reads the messaging resources of template.yaml (SNS topics and subscriptions, SQS queues and their
// redrive policies, SQS event sources of functions) into plain definitions with local names, for the
// embedded runtime's bus (messaging.ts). Anything that would change delivery semantics and is not
// emulated (FIFO, event filtering on the mapping) stops startup with a message naming the resource,
// rather than delivering differently from AWS.
import { logicalIdOf } from '../template/names'
import { resolveIntrinsics, resourcesOfType, type CloudFormationTemplate, type IntrinsicContext } from '../template/template'
import type { FilterPolicyScope } from './filter-policy'
import type { Log } from '../log'

export interface QueueDefinition {
  logicalId: string
  name: string
  arn: string
  url: string
  visibilityTimeoutSeconds?: number
  delaySeconds: number
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number }
}

export interface TopicDefinition {
  logicalId: string
  name: string
  arn: string
}

export interface SubscriptionDefinition {
  /** The subscription's logical id, or `<Topic>.Subscription[i]` for an inline one. */
  id: string
  topicArn: string
  queueArn: string
  rawMessageDelivery: boolean
  filterPolicy?: unknown
  filterPolicyScope: FilterPolicyScope
}

export interface EventSourceDefinition {
  /** `<Function>.Events.<Name>` or the EventSourceMapping's logical id. */
  id: string
  functionLogicalId: string
  queueArn: string
  batchSize: number
  reportBatchItemFailures: boolean
  enabled: boolean
  maximumConcurrency?: number
}

export interface MessagingDefinition {
  topics: TopicDefinition[]
  queues: QueueDefinition[]
  subscriptions: SubscriptionDefinition[]
  eventSources: EventSourceDefinition[]
}

const DEFAULT_BATCH_SIZE = 10
/** SNS protocols that deliver to a person, not to the app. */
const PEOPLE_PROTOCOLS: ReadonlySet<string> = new Set(['email', 'email-json', 'sms'])

export function readMessagingDefinition(template: CloudFormationTemplate, names: IntrinsicContext, log: Log): MessagingDefinition {
  const resolve = (value: unknown) => resolveIntrinsics(value, names)
  const required = (value: string | undefined, what: string) => {
    if (value === undefined) throw new Error(`template: cannot name ${what} locally`)
    return value
  }

  const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, resource]): QueueDefinition => {
    const properties = resource.Properties ?? {}
    if (isTrue(resolve(properties.FifoQueue))) throw unsupported(logicalId, 'FIFO queues')
    const redrive = parseJson(resolve(properties.RedrivePolicy)) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined
    return {
      logicalId,
      name: required(names.getAtt(logicalId, 'QueueName'), logicalId),
      arn: required(names.getAtt(logicalId, 'Arn'), logicalId),
      url: required(names.ref(logicalId), logicalId),
      visibilityTimeoutSeconds: optionalInteger(resolve(properties.VisibilityTimeout), `${logicalId}.VisibilityTimeout`),
      delaySeconds: optionalInteger(resolve(properties.DelaySeconds), `${logicalId}.DelaySeconds`) ?? 0,
      redrive: redrive && {
        deadLetterTargetArn: String(redrive.deadLetterTargetArn),
        maxReceiveCount: requiredInteger(redrive.maxReceiveCount, `${logicalId}.RedrivePolicy.maxReceiveCount`)
      }
    }
  })

  const topics: TopicDefinition[] = []
  const subscriptions: SubscriptionDefinition[] = []
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    if (isTrue(resolve(resource.Properties?.FifoTopic))) throw unsupported(logicalId, 'FIFO topics')
    const arn = required(names.ref(logicalId), logicalId)
    topics.push({ logicalId, name: required(names.getAtt(logicalId, 'TopicName'), logicalId), arn })
    const inline = (resolve(resource.Properties?.Subscription) ?? []) as Array<{ Protocol?: unknown; Endpoint?: unknown }>
    inline.forEach((subscription, index) => {
      const id = `${logicalId}.Subscription[${index}]`
      if (subscription.Protocol !== 'sqs') return warnProtocol(log, id, subscription.Protocol)
      // Inline subscriptions cannot set attributes: no filter policy, never raw delivery.
      subscriptions.push({ id, topicArn: arn, queueArn: String(subscription.Endpoint), rawMessageDelivery: false, filterPolicyScope: 'MessageAttributes' })
    })
  }

  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    const properties = resource.Properties ?? {}
    const protocol = resolve(properties.Protocol)
    // Deliveries to people (the alarm email): nothing of the app listens there, so nothing to emulate or warn about.
    if (typeof protocol === 'string' && PEOPLE_PROTOCOLS.has(protocol)) continue
    if (protocol !== 'sqs') {
      warnProtocol(log, logicalId, protocol)
      continue
    }
    const scope = resolve(properties.FilterPolicyScope) ?? 'MessageAttributes'
    if (scope !== 'MessageAttributes' && scope !== 'MessageBody') throw new Error(`template: ${logicalId}: FilterPolicyScope must be MessageAttributes or MessageBody`)
    subscriptions.push({
      id: logicalId,
      topicArn: String(resolve(properties.TopicArn)),
      queueArn: String(resolve(properties.Endpoint)),
      rawMessageDelivery: isTrue(resolve(properties.RawMessageDelivery)),
      filterPolicy: parseJson(resolve(properties.FilterPolicy)),
      filterPolicyScope: scope
    })
  }

  const eventSources: EventSourceDefinition[] = []
  for (const [functionLogicalId, resource] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const events = (resource.Properties?.Events ?? {}) as Record<string, { Type?: string; Properties?: Record<string, unknown> }>
    for (const [name, event] of Object.entries(events)) {
      const id = `${functionLogicalId}.Events.${name}`
      if (event.Type === 'SNS') log.warn({ event: id }, 'SNS → Lambda event sources are not emulated locally; subscribe a queue instead')
      if (event.Type !== 'SQS') continue
      const properties = event.Properties ?? {}
      eventSources.push(eventSource(id, functionLogicalId, resolve(properties.Queue), properties, resolve))
    }
  }
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const properties = resource.Properties ?? {}
    const sourceArn = String(resolve(properties.EventSourceArn))
    if (!sourceArn.startsWith('arn:aws:sqs:')) continue
    const functionName = String(resolve(properties.FunctionName))
    const functionLogicalId = logicalIdOf(template, names, functionName)
    if (!functionLogicalId) throw new Error(`template: ${logicalId}: FunctionName ${functionName} is not a function of the template`)
    eventSources.push(eventSource(logicalId, functionLogicalId, sourceArn, properties, resolve))
  }

  return { topics, queues, subscriptions, eventSources }
}

function eventSource(
  id: string,
  functionLogicalId: string,
  queueArn: unknown,
  properties: Record<string, unknown>,
  resolve: (value: unknown) => unknown
): EventSourceDefinition {
  if (properties.FilterCriteria !== undefined) throw unsupported(id, 'FilterCriteria on an event source')
  const responseTypes = (resolve(properties.FunctionResponseTypes) ?? []) as unknown[]
  const scaling = resolve(properties.ScalingConfig) as { MaximumConcurrency?: unknown } | undefined
  return {
    id,
    functionLogicalId,
    queueArn: String(queueArn),
    batchSize: optionalInteger(resolve(properties.BatchSize), `${id}.BatchSize`) ?? DEFAULT_BATCH_SIZE,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    enabled: properties.Enabled === undefined || isTrue(resolve(properties.Enabled)),
    maximumConcurrency: optionalInteger(scaling?.MaximumConcurrency, `${id}.ScalingConfig.MaximumConcurrency`)
  }
}

function warnProtocol(log: Log, id: string, protocol: unknown): void {
  log.warn({ subscription: id, protocol }, 'only sqs subscriptions are emulated locally; this one receives nothing')
}

function unsupported(id: string, what: string): Error {
  return new Error(`template: ${id}: ${what} are not emulated by the embedded runtime`)
}

/** CloudFormation takes booleans as `true` or `'true'`. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true'
}

/** Policies may be written as objects or as JSON text. */
function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

function optionalInteger(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : requiredInteger(value, what)
}

function requiredInteger(value: unknown, what: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new Error(`template: ${what} must be a non-negative integer (got ${JSON.stringify(value)})`)
  }
  return number
}
