// AttemptCounter on the short-lived-records table: one item per key and fixed window, incremented
// atomically (ADD) by every instance, removed by TTL after its window.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { AttemptCounter } from '../../ports/attempt-counter'

export class DynamoAttemptCounter implements AttemptCounter {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly windowSeconds: number,
    private readonly now: () => number = () => Date.now()
  ) {}

  async current(key: string): Promise<{ count: number; resetsInSeconds: number }> {
    const { pk, windowEnd } = this.window(key)
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }))
    return { count: Number(result.Item?.count ?? 0), resetsInSeconds: Math.max(1, windowEnd - Math.floor(this.now() / 1000)) }
  }

  async increment(key: string): Promise<void> {
    const { pk, windowEnd } = this.window(key)
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk },
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': windowEnd }
      })
    )
  }

  async reset(key: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: this.window(key).pk } }))
  }

  private window(key: string): { pk: string; windowEnd: number } {
    const nowSeconds = Math.floor(this.now() / 1000)
    const windowStart = nowSeconds - (nowSeconds % this.windowSeconds)
    return { pk: `attempts#${key}#${windowStart}`, windowEnd: windowStart + this.windowSeconds }
  }
}
