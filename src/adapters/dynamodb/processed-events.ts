// ProcessedEvents on the short-lived-records table (TTL'd dedup records).
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { ProcessedEvents } from '../../ports/processed-events'

/** Longer than SQS's maximum retention (14 days), so no redelivery outlives its record. */
const DEDUP_SECONDS = 15 * 86_400

export class DynamoProcessedEvents implements ProcessedEvents {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async has(consumer: string, eventId: string): Promise<boolean> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `processed#${consumer}#${eventId}` }, ConsistentRead: true })
    )
    return result.Item !== undefined
  }

  async remember(consumer: string, eventId: string): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `processed#${consumer}#${eventId}`, expiresAt: Math.floor(Date.now() / 1000) + DEDUP_SECONDS }
      })
    )
  }
}
