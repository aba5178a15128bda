// EventClaims on the short-lived-records table, with the same records as DynamoProcessedEvents: an
// item without a claim holder is an event handled (so records written by either count as done), an
// item with one is a claim in progress until its lease ends. All expire by TTL after the redelivery
// horizon.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { ClaimOutcome, EventClaims } from '../../ports/event-claims'
import { conditionally } from './conditional'

/** Longer than SQS's maximum retention (14 days), so no redelivery outlives its record (as DynamoProcessedEvents). */
const DEDUP_SECONDS = 15 * 86_400

export class DynamoEventClaims implements EventClaims {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)
  ) {}

  async claim(consumer: string, eventId: string, holder: string, leaseSeconds: number): Promise<ClaimOutcome> {
    const now = this.nowSeconds()
    const claimed = await conditionally(() =>
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: this.key(consumer, eventId), claimHolder: holder, leaseUntil: now + leaseSeconds, expiresAt: now + DEDUP_SECONDS },
          // New, or a claim whose holder's lease ended (it died mid-way): never a record of work done.
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_exists(claimHolder) AND leaseUntil < :now)',
          ExpressionAttributeValues: { ':now': now }
        })
      )
    )
    if (claimed) return 'claimed'
    const current = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: this.key(consumer, eventId) }, ConsistentRead: true }))
    // Gone meanwhile (released by a holder that failed): another delivery is about to claim it; not ours now.
    if (!current.Item) return 'busy'
    return current.Item.claimHolder === undefined ? 'done' : 'busy'
  }

  async complete(consumer: string, eventId: string): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: this.key(consumer, eventId), expiresAt: this.nowSeconds() + DEDUP_SECONDS } })
    )
  }

  async release(consumer: string, eventId: string, holder: string): Promise<void> {
    await conditionally(() =>
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: this.key(consumer, eventId) },
          ConditionExpression: 'claimHolder = :holder',
          ExpressionAttributeValues: { ':holder': holder }
        })
      )
    )
  }

  private key(consumer: string, eventId: string): string {
    return `processed#${consumer}#${eventId}`
  }
}
