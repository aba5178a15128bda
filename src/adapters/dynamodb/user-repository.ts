// UserRepository on DynamoDB: the users table is keyed by normalised email (so registration is one
// conditional put), with the `byId` index for lookups by id.
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ConflictError } from '../../domain/errors'
import type { UserRecord } from '../../domain/user'
import type { OutboxEntry } from '../../ports/outbox'
import type { PasswordChange, ProfileChange, UserRepository } from '../../ports/user-repository'
import { isConditionFailed, setClause, updateIf } from './conditional'
import { outboxPut } from './outbox-store'

export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The transactional outbox: USER_CREATED is written with the account. */
    private readonly outboxTable: string
  ) {}

  async create(user: UserRecord, events: OutboxEntry[]): Promise<void> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...user }, ConditionExpression: 'attribute_not_exists(email)' } },
            ...events.map((entry) => outboxPut(this.outboxTable, entry))
          ]
        })
      )
    } catch (error) {
      // Taken, or being registered by a concurrent request right now: either way not this one's.
      if (isConditionFailed(error)) throw new ConflictError('An account with this email already exists.')
      throw error
    }
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

  async updateProfile(email: string, userId: string, names: ProfileChange, now: string): Promise<UserRecord | undefined> {
    const set = setClause({ firstName: names.firstName, lastName: names.lastName, updatedAt: now })
    return (await updateIf(this.documents, {
      TableName: this.tableName,
      Key: { email },
      ConditionExpression: 'id = :id',
      UpdateExpression: set.expression,
      ExpressionAttributeNames: set.names,
      ExpressionAttributeValues: { ...set.values, ':id': userId }
    })) as UserRecord | undefined
  }

  async startPasswordReset(email: string, nonce: string, eventId: string): Promise<UserRecord | undefined> {
    return (await updateIf(this.documents, {
      TableName: this.tableName,
      Key: { email },
      // A second delivery of the same event must not replace the nonce the first one mailed.
      ConditionExpression: 'attribute_exists(email) AND (attribute_not_exists(passwordResetEventId) OR passwordResetEventId <> :eventId)',
      UpdateExpression: 'SET passwordResetNonce = :nonce, passwordResetEventId = :eventId',
      ExpressionAttributeValues: { ':nonce': nonce, ':eventId': eventId }
    })) as UserRecord | undefined
  }

  async completePasswordReset(change: PasswordChange & { nonce: string }): Promise<UserRecord | undefined> {
    return (await updateIf(this.documents, {
      TableName: this.tableName,
      Key: { email: change.email },
      ConditionExpression: 'id = :id AND passwordResetNonce = :nonce',
      // Every session goes: no session's tokens are kept.
      UpdateExpression: `${NEW_PASSWORD} REMOVE passwordResetNonce, tokenGenerationKeepsSession`,
      ExpressionAttributeValues: { ...newPasswordValues(change), ':nonce': change.nonce }
    })) as UserRecord | undefined
  }

  async changePassword(change: PasswordChange & { expectedHash: string; keepSession: string }): Promise<UserRecord | undefined> {
    return (await updateIf(this.documents, {
      TableName: this.tableName,
      Key: { email: change.email },
      ConditionExpression: 'id = :id AND passwordHash = :expected',
      // A reset link mailed before the change must not undo it.
      UpdateExpression: `${NEW_PASSWORD}, tokenGenerationKeepsSession = :keep REMOVE passwordResetNonce`,
      ExpressionAttributeValues: { ...newPasswordValues(change), ':expected': change.expectedHash, ':keep': change.keepSession }
    })) as UserRecord | undefined
  }
}

/** The new hash, and the next token generation (tokens of older ones are refused: TokenGenerations). */
const NEW_PASSWORD = 'SET passwordHash = :hash, updatedAt = :now, tokenGeneration = if_not_exists(tokenGeneration, :zero) + :one'

function newPasswordValues(change: PasswordChange): Record<string, unknown> {
  return { ':id': change.userId, ':hash': change.passwordHash, ':now': change.now, ':zero': 0, ':one': 1 }
}
