// Outbox on DynamoDB: one item per event not yet published, in the outbox table (its stream feeds the
// relay). `outboxPut` is the same item as a transaction part, for repositories that write an event
// together with the change it reports.
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'

type ConditionalUpdate = UpdateCommandInput & { UpdateExpression: string }
import type { Outbox, OutboxEntry, PendingEvent } from '../../ports/outbox'
import { conditionally } from './conditional'

export function outboxItem(entry: OutboxEntry, now = Date.now()): PendingEvent & { eventId: string } {
  return { eventId: entry.event.eventId, topicArn: entry.topicArn, event: entry.event, writtenAt: now, attempts: 0 }
}

/** The outbox write as one item of a TransactWriteItems (never overwrites: event ids are unique). */
export function outboxPut(tableName: string, entry: OutboxEntry) {
  return { Put: { TableName: tableName, Item: outboxItem(entry), ConditionExpression: 'attribute_not_exists(eventId)' } }
}

/**
 * A conditional update and the events that report it, in one transaction (so the change is never
 * stored without its events). False when the update's condition did not hold (or a concurrent
 * transaction on the item won): the caller re-reads and decides again.
 */
export async function updateWithEvents(documents: DynamoDBDocumentClient, update: ConditionalUpdate, outboxTable: string | undefined, events: OutboxEntry[]): Promise<boolean> {
  if (!outboxTable) throw new Error(`A write to ${update.TableName} carries events, but its repository was built without an outbox table`)
  return conditionally(() => documents.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, ...events.map((entry) => outboxPut(outboxTable, entry))] })))
}

export class DynamoOutbox implements Outbox {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async save(entry: OutboxEntry): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: outboxItem(entry) }))
  }

  async get(eventId: string): Promise<PendingEvent | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { eventId }, ConsistentRead: true }))
    return result.Item as PendingEvent | undefined
  }

  async pending(limit: number): Promise<PendingEvent[]> {
    // The table holds only events in flight, so a scan reads little.
    const items: PendingEvent[] = []
    let startKey: Record<string, unknown> | undefined
    do {
      const page = await this.documents.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }))
      items.push(...((page.Items ?? []) as PendingEvent[]))
      startKey = page.LastEvaluatedKey
    } while (startKey && items.length < limit * 10)
    return items.sort((a, b) => a.writtenAt - b.writtenAt).slice(0, limit)
  }

  async remove(eventId: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { eventId } }))
  }

  async failed(eventId: string): Promise<void> {
    // Not applied when the event is gone (published meanwhile): nothing to count.
    await conditionally(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId },
          ConditionExpression: 'attribute_exists(eventId)',
          UpdateExpression: 'ADD attempts :one',
          ExpressionAttributeValues: { ':one': 1 }
        })
      )
    )
  }
}
