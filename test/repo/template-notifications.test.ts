// The notification queue's wiring in template.yaml: subscribed to the events that send an email (and
// only those), each topic allowed to send to it by the queue policy (SNS cannot deliver to an SQS queue
// whose policy does not let that topic's ARN in), and nothing else allowed.
import t from 'tap'
import { join } from 'node:path'
import { loadTemplate, resourcesOfType } from '../../src/local/template/template'
import { projectRootFrom } from '../../src/infra/project-root'

const template = loadTemplate(join(projectRootFrom(import.meta.url), 'template.yaml'))

/** A `!Ref X` or `!GetAtt X.Arn` target's logical id. */
function target(value: unknown): string | undefined {
  const ref = (value as { Ref?: unknown } | null)?.Ref
  if (typeof ref === 'string') return ref
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt']
  if (Array.isArray(getAtt)) return String(getAtt[0])
  if (typeof getAtt === 'string') return getAtt.split('.')[0]
  return undefined
}

const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription')
  .map(([id, subscription]) => ({
    id,
    topic: target(subscription.Properties?.TopicArn),
    queue: target(subscription.Properties?.Endpoint),
    protocol: subscription.Properties?.Protocol,
    raw: subscription.Properties?.RawMessageDelivery,
    eventTypes: ((subscription.Properties?.FilterPolicy as { eventType?: string[] } | undefined)?.eventType ?? []).slice().sort()
  }))

t.test('the notification queue gets exactly the events that send an email, from the topic each is published on', async (t) => {
  const toNotifications = subscriptions.filter((subscription) => subscription.queue === 'NotificationQueue')
  t.same(
    Object.fromEntries(toNotifications.map((subscription) => [subscription.topic, subscription.eventTypes])),
    {
      UserEventsTopic: ['PASSWORD_RESET_REQUESTED', 'USER_CREATED', 'VERIFICATION_REQUESTED'],
      OrderEventsTopic: ['ORDER_STATUS_UPDATED'],
      PaymentEventsTopic: ['PAYMENT_REFUNDED']
    }
  )
  for (const subscription of toNotifications) {
    t.equal(subscription.protocol, 'sqs', subscription.id)
    t.equal(subscription.raw, true, `${subscription.id}: raw delivery (the worker reads the envelope as the body)`)
  }
})

t.test('every SNS → SQS subscription is let in by its queue policy, with the topic as SourceArn; no other topic is', async (t) => {
  const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy')
  for (const queue of new Set(subscriptions.filter((subscription) => subscription.protocol === 'sqs').map((subscription) => subscription.queue))) {
    const allowed = policies
      .filter(([, policy]) => ((policy.Properties?.Queues ?? []) as unknown[]).map(target).includes(queue))
      .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
      .filter((statement) => statement.Effect === 'Allow' && statement.Action === 'sqs:SendMessage')
      .flatMap((statement) => {
        t.same(statement.Principal, { Service: 'sns.amazonaws.com' }, `${queue}: SNS only`)
        t.equal(target(statement.Resource), queue, `${queue}: on this queue`)
        const sourceArn = (statement.Condition as { ArnEquals?: Record<string, unknown> } | undefined)?.ArnEquals?.['aws:SourceArn']
        t.ok(sourceArn, `${queue}: limited by SourceArn`)
        return [sourceArn].flat().map(target)
      })
      .sort()
    const subscribed = [...new Set(subscriptions.filter((subscription) => subscription.queue === queue).map((subscription) => subscription.topic))].sort()
    t.same(allowed, subscribed, `${queue}: the policy lets in exactly the topics subscribed to it`)
  }
})
