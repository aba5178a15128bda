// SessionStore on DynamoDB: one item per refresh-token family; rotation is a conditional update on
// the current token id, so two concurrent uses of one refresh token cannot both succeed.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { RotationResult, Session, SessionStore } from '../../ports/session-store'
import { conditionally } from './conditional'

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async create(session: Session): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: session, ConditionExpression: 'attribute_not_exists(id)' }))
  }

  async rotate(sessionId: string, fromTokenId: string, toTokenId: string, expiresAt: number): Promise<RotationResult> {
    const rotated = await conditionally(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: sessionId },
          ConditionExpression: 'attribute_exists(id) AND currentTokenId = :from AND revoked = :false',
          UpdateExpression: 'SET currentTokenId = :to, expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':from': fromTokenId, ':to': toTokenId, ':false': false, ':expiresAt': expiresAt }
        })
      )
    )
    if (rotated) return 'rotated'
    const current = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { id: sessionId }, ConsistentRead: true }))
    const session = current.Item as Session | undefined
    if (!session) return 'missing'
    if (session.revoked) return 'revoked'
    await this.setRevoked(sessionId)
    return 'reused'
  }

  async revoke(sessionId: string, userId: string): Promise<void> {
    await conditionally(() => this.setRevoked(sessionId, userId))
  }

  async revokeAllForUser(userId: string, exceptSessionId?: string): Promise<void> {
    let lastKey: Record<string, unknown> | undefined
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byUser',
          KeyConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
          ExclusiveStartKey: lastKey
        })
      )
      const others = (page.Items ?? []).filter((item) => item.id !== exceptSessionId)
      await Promise.all(others.map((item) => this.revoke(String(item.id), userId)))
      lastKey = page.LastEvaluatedKey
    } while (lastKey)
  }

  private async setRevoked(sessionId: string, userId?: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: sessionId },
        ConditionExpression: userId ? 'attribute_exists(id) AND userId = :userId' : 'attribute_exists(id)',
        UpdateExpression: 'SET revoked = :true',
        ExpressionAttributeValues: userId ? { ':true': true, ':userId': userId } : { ':true': true }
      })
    )
  }
}
