// The back office's product list, read from the byListing index of the products table (never a scan).
// A boolean cannot be an index key, so every write of the repository keeps the `listing` attribute
// ('active' | 'inactive') equal to `active`. The index is KEYS_ONLY: reservations ADD to a product's
// counters on every order, and with the attributes projected each of them would also write the index
// (one hot partition, 'active', for the whole shop); keys only, the index is written when a product is
// created or (de)activated, and each page is read again from the table, strongly consistent.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ValidationError } from '../../domain/errors'
import type { Product } from '../../domain/product'
import type { ProductPage, StartKey } from '../../ports/product-repository'
import { batchGetById } from './batch-get'

export type Listing = 'active' | 'inactive'

/** Without a filter: active products first, then inactive ones, each newest first. */
const LISTINGS: readonly Listing[] = ['active', 'inactive']

/** Queries per page at most (a page of keys is far below the 1 MB a query returns, so one or two do). */
const MAX_ROUNDS = 10

export function listingOf(active: boolean): Listing {
  return active ? 'active' : 'inactive'
}

/**
 * A page of products, newest first: only active or inactive ones, or (active undefined) both, one
 * partition after the other. `lastKey` is the index's own key, which names its partition, or
 * `{ listing }` alone when the next page starts at the beginning of the next partition.
 */
export async function productsByListing(
  documents: DynamoDBDocumentClient,
  tableName: string,
  options: { active?: boolean; limit: number; startKey?: StartKey }
): Promise<ProductPage> {
  const { active, limit, startKey } = options
  const partitions = active === undefined ? LISTINGS : [listingOf(active)]
  let partition = startKey ? partitions.indexOf(startKey.listing as Listing) : 0
  // Only keys this function returned come back (the cursor is signed, per filter); anything else is refused.
  if (partition < 0) throw new ValidationError('lastKey is invalid', { field: 'lastKey' })
  let key: StartKey | undefined = startKey?.id === undefined ? undefined : startKey
  const ids: string[] = []
  for (let round = 0; round < MAX_ROUNDS && partition < partitions.length && ids.length < limit; round++) {
    const result = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byListing',
        KeyConditionExpression: 'listing = :listing',
        ExpressionAttributeValues: { ':listing': partitions[partition] },
        ScanIndexForward: false,
        Limit: limit - ids.length,
        ExclusiveStartKey: key
      })
    )
    ids.push(...(result.Items ?? []).map((item) => String(item.id)))
    key = result.LastEvaluatedKey
    if (key === undefined) partition += 1
  }
  const found = await batchGetById<Product>(documents, tableName, ids)
  // The index is eventually consistent: a product (de)activated a moment ago is shown as it is now,
  // and left out of a list of the other kind.
  const products = ids.map((id) => found.get(id)).filter((product): product is Product => product !== undefined && (active === undefined || product.active === active))
  const lastKey = key ?? (partition < partitions.length ? { listing: partitions[partition] } : undefined)
  return lastKey ? { products, lastKey } : { products }
}
