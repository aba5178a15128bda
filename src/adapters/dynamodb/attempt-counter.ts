// AttemptCounter on the short-lived-records table: one item per key and fixed window, kept two
// windows by TTL (a window is the "previous" one during the next). A reservation reads the previous
// window's count (settled: nothing is added to it any more) and adds one to the current window's item
// in a single conditional update, so concurrent attempts on every instance never pass the limit.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { AttemptCounter, Reservation } from '../../ports/attempt-counter'
import { conditionally } from './conditional'
import { allowanceInCurrent, positionAt, retryAfterSeconds } from './sliding-window'

export class DynamoAttemptCounter implements AttemptCounter {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly windowSeconds: number,
    private readonly now: () => number = () => Date.now()
  ) {}

  async reserve(key: string, limit: number): Promise<Reservation> {
    const nowMs = this.now()
    const { startSeconds, elapsed } = positionAt(nowMs, this.windowSeconds)
    const previous = await this.count(key, startSeconds - this.windowSeconds)
    const allowance = allowanceInCurrent(limit, previous, elapsed)
    const rejected = async (current?: number): Promise<Reservation> => ({
      granted: false,
      retryAfterSeconds: retryAfterSeconds(limit, previous, current ?? (await this.count(key, startSeconds)), nowMs, this.windowSeconds)
    })
    // The previous window's weight only shrinks as this one goes on: at no earlier moment of this
    // window was there room, so nothing is counted in it yet.
    if (allowance <= 0) return rejected(0)
    const pk = this.pk(key, startSeconds)
    const counted = await conditionally(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :allowance',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':allowance': allowance, ':expiresAt': startSeconds + 2 * this.windowSeconds }
        })
      )
    )
    if (!counted) return rejected()
    return { granted: true, release: () => this.release(pk) }
  }

  async reset(key: string): Promise<void> {
    const { startSeconds } = positionAt(this.now(), this.windowSeconds)
    await Promise.all(
      [startSeconds, startSeconds - this.windowSeconds].map((start) =>
        this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: this.pk(key, start) } }))
      )
    )
  }

  private async release(pk: string): Promise<void> {
    // Condition false: already reset (or expired), nothing to give back.
    await conditionally(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'ADD #count :minusOne',
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 }
        })
      )
    )
  }

  private async count(key: string, startSeconds: number): Promise<number> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: this.pk(key, startSeconds) }, ConsistentRead: true }))
    return Number(result.Item?.count ?? 0)
  }

  private pk(key: string, startSeconds: number): string {
    return `attempts#${key}#${startSeconds}`
  }
}
