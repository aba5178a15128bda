// The back office's order lists, newest first, each read from an index of the orders table (never a
// scan):
// - one status: byStatus (status, createdAt), read backwards;
// - one customer: byUser (userId, createdAt), read backwards; with a status too, the status is a
//   filter on the customer's orders (a customer has few, so little is read and dropped);
// - neither: byCreatedAt (kind, createdAt), where `kind` is the same constant (ORDER_KIND) on every
//   order. One partition key value puts the whole index in one partition, which DynamoDB serves at
//   about 1,000 writes per second: the index is KEYS_ONLY, so it is written once per order (when it
//   is placed; its key never changes and nothing else is projected), not on every status change,
//   which keeps that limit at about 1,000 orders placed per second. Beyond that, shard `kind` (e.g.
//   order#0..order#9) and merge the shards' pages. Each page is read again from the table.
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORDER_KIND, type Order } from '../../domain/order'
import type { OrderFilter } from '../../ports/back-office-queries'
import type { OrderPage } from '../../ports/order-repository'
import { batchGetById } from './batch-get'

type StartKey = Record<string, unknown>

/** Queries per page at most when a filter drops items: then the page may be short, with a `lastKey`. */
const MAX_ROUNDS = 10

export async function ordersNewestFirst(
  documents: DynamoDBDocumentClient,
  tableName: string,
  filter: OrderFilter,
  limit: number,
  startKey?: StartKey
): Promise<OrderPage> {
  if (filter.userId !== undefined) {
    const byUser: QueryCommandInput = {
      TableName: tableName,
      IndexName: 'byUser',
      KeyConditionExpression: 'userId = :userId',
      ExpressionAttributeValues: { ':userId': filter.userId, ...(filter.status ? { ':status': filter.status } : {}) },
      ...(filter.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {})
    }
    return queryBackwards(documents, byUser, ['id', 'userId', 'createdAt'], limit, startKey)
  }
  if (filter.status !== undefined) {
    const byStatus: QueryCommandInput = {
      TableName: tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': filter.status }
    }
    return queryBackwards(documents, byStatus, ['id', 'status', 'createdAt'], limit, startKey)
  }
  const keys = await queryBackwards(
    documents,
    { TableName: tableName, IndexName: 'byCreatedAt', KeyConditionExpression: 'kind = :kind', ExpressionAttributeValues: { ':kind': ORDER_KIND } },
    ['id', 'kind', 'createdAt'],
    limit,
    startKey
  )
  const ids = keys.orders.map((order) => order.id)
  const found = await batchGetById<Order>(documents, tableName, ids)
  const orders = ids.map((id) => found.get(id)).filter((order): order is Order => order !== undefined)
  return keys.lastKey ? { orders, lastKey: keys.lastKey } : { orders }
}

/**
 * Up to `limit` items of `query`, newest first, from `startKey` on. A FilterExpression applies after
 * Limit, so a query may return fewer than asked (even none) before the index ends: read on until the
 * page is full (then the next page starts after its last item, whose index key is `keyAttributes`),
 * the index ends, or MAX_ROUNDS.
 */
async function queryBackwards(
  documents: DynamoDBDocumentClient,
  query: QueryCommandInput,
  keyAttributes: readonly string[],
  limit: number,
  startKey: StartKey | undefined
): Promise<OrderPage> {
  const orders: Order[] = []
  let key = startKey
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = await documents.send(new QueryCommand({ ...query, ScanIndexForward: false, Limit: limit, ExclusiveStartKey: key }))
    orders.push(...((result.Items ?? []) as Order[]))
    key = result.LastEvaluatedKey
    if (orders.length > limit) {
      orders.length = limit
      const last = orders[limit - 1] as unknown as Record<string, unknown>
      return { orders, lastKey: Object.fromEntries(keyAttributes.map((attribute) => [attribute, last[attribute]])) }
    }
    if (key === undefined || orders.length === limit) break
  }
  return key ? { orders, lastKey: key } : { orders }
}
