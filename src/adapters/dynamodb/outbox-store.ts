// Outbox on DynamoDB: one item per deferred event in the outbox table. The table is empty in normal
// operation (an event lands here only when its publish failed), so the relay's scan reads little.
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Outbox, PendingEvent } from '../../ports/outbox'

export class DynamoOutbox implements Outbox {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async save(pending: PendingEvent): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { eventId: pending.event.eventId, ...pending } }))
  }

  async pending(limit: number): Promise<PendingEvent[]> {
    const items: PendingEvent[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.documents.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }))
      items.push(...((page.Items ?? []) as PendingEvent[]))
      startKey = page.LastEvaluatedKey
    } while (startKey && items.length < limit * 10)
    return items.sort((a, b) => a.deferredAt - b.deferredAt).slice(0, limit)
  }

  async remove(eventId: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { eventId } }))
  }

  async failed(eventId: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({ TableName: this.tableName, Key: { eventId }, UpdateExpression: 'ADD attempts :one', ExpressionAttributeValues: { ':one': 1 } })
    )
  }
}
