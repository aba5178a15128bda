// IdempotencyStore on the short-lived-records table: one item per (scope, key) under `idem#<scope>#<key>`.
// Claim, complete and release are conditional writes, so exactly one request holds a key at a time; the
// response body is kept as JSON text, so what is replayed is byte for byte what was stored.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { IdempotencyClaim, IdempotencyRecord, IdempotencyStore, StoredResponse } from '../../ports/idempotency-store'
import { conditionally, setClause } from './conditional'

const IN_PROGRESS = 'in_progress'
const COMPLETED = 'completed'

interface IdempotencyItem {
  pk: string
  status: typeof IN_PROGRESS | typeof COMPLETED
  fingerprint: string
  claimId: string
  leaseExpiresAt?: number
  statusCode?: number
  responseBody?: string
  expiresAt: number
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async get(scope: string, key: string, now: number): Promise<IdempotencyRecord | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: pkOf(scope, key) }, ConsistentRead: true }))
    const item = result.Item as IdempotencyItem | undefined
    // TTL deletes expired items only eventually (often days later); until then they must not count.
    if (!item || item.expiresAt <= Math.floor(now / 1000)) return undefined
    if (item.status === COMPLETED) {
      const body: unknown = item.responseBody === undefined ? undefined : JSON.parse(item.responseBody)
      return { status: COMPLETED, fingerprint: item.fingerprint, response: { statusCode: Number(item.statusCode), body } }
    }
    return { status: IN_PROGRESS, fingerprint: item.fingerprint, claimId: item.claimId, leaseExpiresAt: Number(item.leaseExpiresAt) }
  }

  async claim(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean> {
    const item: IdempotencyItem = {
      pk: pkOf(scope, key),
      status: IN_PROGRESS,
      fingerprint: claim.fingerprint,
      claimId: claim.claimId,
      leaseExpiresAt: claim.leaseExpiresAt,
      expiresAt: claim.expiresAt
    }
    const put = new PutCommand({
      TableName: this.tableName,
      Item: item,
      // Free, expired (TTL pending), or abandoned by a crashed request that sent the same request.
      ConditionExpression:
        'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :now AND fingerprint = :fingerprint)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':nowSeconds': Math.floor(claim.now / 1000),
        ':now': claim.now,
        ':inProgress': IN_PROGRESS,
        ':fingerprint': claim.fingerprint
      }
    })
    return conditionally(() => this.documents.send(put))
  }

  async complete(scope: string, key: string, claimId: string, response: StoredResponse, expiresAt: number): Promise<boolean> {
    const responseBody = JSON.stringify(response.body) as string | undefined
    const set = setClause({ status: COMPLETED, statusCode: response.statusCode, expiresAt, responseBody })
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: { pk: pkOf(scope, key) },
      ConditionExpression: 'claimId = :claimId AND #status = :inProgress',
      UpdateExpression: `${set.expression} REMOVE leaseExpiresAt`,
      ExpressionAttributeNames: set.names,
      ExpressionAttributeValues: { ':claimId': claimId, ':inProgress': IN_PROGRESS, ...set.values }
    })
    return conditionally(() => this.documents.send(update))
  }

  async release(scope: string, key: string, claimId: string): Promise<boolean> {
    const remove = new DeleteCommand({
      TableName: this.tableName,
      Key: { pk: pkOf(scope, key) },
      ConditionExpression: 'claimId = :claimId AND #status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':claimId': claimId, ':inProgress': IN_PROGRESS }
    })
    return conditionally(() => this.documents.send(remove))
  }
}

function pkOf(scope: string, key: string): string {
  // The key comes last and may contain anything; a `#` in the scope could make two scopes collide.
  if (scope.includes('#') || scope === '') throw new Error(`idempotency scope must be non-empty and free of '#': ${JSON.stringify(scope)}`)
  return `idem#${scope}#${key}`
}
