// UserRepository on DynamoDB: the users table is keyed by normalised email (so registration is one
// conditional put), with the `byId` index for lookups by id.
import { DeleteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ConflictError } from '../../domain/errors'
import type { UserRecord } from '../../domain/user'
import type { UserRepository } from '../../ports/user-repository'
import { putIfAbsent, updateIf } from './conditional'

export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async create(user: UserRecord): Promise<void> {
    if (!(await putIfAbsent(this.documents, this.tableName, { ...user }, 'email'))) {
      throw new ConflictError('An account with this email already exists.')
    }
  }

  async remove(email: string, id: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { email }, ConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': id } })
    )
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { email }, ConsistentRead: true }))
    return result.Item as UserRecord | undefined
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byId',
        KeyConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': id },
        Limit: 1
      })
    )
    return result.Items?.[0] as UserRecord | undefined
  }

  async markEmailVerified(email: string, roles: UserRecord['roles'], now: string): Promise<UserRecord | undefined> {
    return (await updateIf(this.documents, {
      TableName: this.tableName,
      Key: { email },
      ConditionExpression: 'attribute_exists(email)',
      UpdateExpression: 'SET emailVerified = :true, #roles = :roles, updatedAt = :now',
      ExpressionAttributeNames: { '#roles': 'roles' },
      ExpressionAttributeValues: { ':true': true, ':roles': roles, ':now': now }
    })) as UserRecord | undefined
  }
}
