// Strongly consistent reads of many items of one table keyed by `id`, with BatchGetItem: what a
// keys-only index gives back is read again here, and the catalog loads the products of an order.
import { setTimeout as sleep } from 'node:timers/promises'
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

/** BatchGetItem's per-request maximum. */
const BATCH_GET_MAX = 100
const UNPROCESSED_RETRIES = 8

/** The items with these ids that exist, by id; unknown ids are absent. */
export async function batchGetById<T>(documents: DynamoDBDocumentClient, tableName: string, ids: readonly string[]): Promise<Map<string, T>> {
  const found = new Map<string, T>()
  const unique = [...new Set(ids)]
  for (let start = 0; start < unique.length; start += BATCH_GET_MAX) {
    let keys: Record<string, unknown>[] = unique.slice(start, start + BATCH_GET_MAX).map((id) => ({ id }))
    // Under throttling BatchGetItem answers part of the request; the rest comes back as UnprocessedKeys.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new Error(`BatchGetItem on ${tableName} left keys unprocessed after ${UNPROCESSED_RETRIES} retries`)
      if (attempt > 0) await sleep(10 + Math.random() * 20 * 2 ** Math.min(attempt, 5))
      const result = await documents.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }))
      for (const item of result.Responses?.[tableName] ?? []) found.set(String(item.id), item as T)
      keys = result.UnprocessedKeys?.[tableName]?.Keys ?? []
    }
  }
  return found
}
