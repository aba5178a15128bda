// Port: publish domain events to a topic. AWS: SNS (adapters/aws/sns-event-bus.ts). Local: an
// in-process bus wired from template.yaml (src/local/sns-sqs/messaging.ts).

/** The envelope every event travels in (DESIGN.md section 6). */
export interface EventEnvelope<TData = Record<string, unknown>> {
  eventId: string
  eventType: string
  version: number
  occurredAt: string
  correlationId: string
  data: TData
}

export interface EventBus {
  /**
   * Publishes one event to the topic with this ARN. The event type and correlation id also travel as
   * message attributes (`eventType`, `correlationId`) so subscriptions can filter on them.
   */
  publish(topicArn: string, event: EventEnvelope): Promise<void>
}
