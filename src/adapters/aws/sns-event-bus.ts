// EventBus on Amazon SNS: one Publish per event, the envelope as the JSON message, and the event type
// and correlation id as String message attributes so subscriptions can filter on them and consumers
// can restore the correlation id without parsing the body. The local bus publishes the same request.
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns'
import type { EventBus, EventEnvelope } from '../../ports/event-bus'

/** The SNS Publish request for one event (shared with the embedded runtime's bus). */
export function publishInput(topicArn: string, event: EventEnvelope): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Message: JSON.stringify(event),
    MessageAttributes: {
      eventType: { DataType: 'String', StringValue: event.eventType },
      correlationId: { DataType: 'String', StringValue: event.correlationId }
    }
  }
}

export class SnsEventBus implements EventBus {
  constructor(private readonly client: Pick<SNSClient, 'send'>) {}

  async publish(topicArn: string, event: EventEnvelope): Promise<void> {
    await this.client.send(new PublishCommand(publishInput(topicArn, event)))
  }
}
