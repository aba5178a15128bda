// One-off migration for tables that hold items from before the back-office indexes: gives each order
// its `kind` (byCreatedAt) and each product its `listing` (byListing), which the repositories write on
// every new item, so GET /admin/orders and /admin/products show the old ones too. It scans, so an
// operator runs it once (scripts/backfill-index-keys.ts), never the app. Every update is conditional
// on the key still missing (and, for a product, on `active` being what was read), so it can run while
// the app serves, and again, without changing anything the app wrote meanwhile.
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ORDER_KIND } from '../../domain/order'
import { updateIf } from './conditional'
import { listingOf } from './product-listing'

/** Items per scan page; pages are read until the table ends. */
const PAGE = 200

export interface BackfillTables {
  ordersTable: string
  productsTable: string
}

/** How many items each table was missing the key on (and got it). */
export async function backfillIndexKeys(documents: DynamoDBDocumentClient, tables: BackfillTables): Promise<{ orders: number; products: number }> {
  const orders = await eachMissing(documents, tables.ordersTable, 'kind', (item) =>
    updateIf(documents, {
      TableName: tables.ordersTable,
      Key: { id: item.id },
      ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(kind)',
      UpdateExpression: 'SET kind = :kind',
      ExpressionAttributeValues: { ':kind': ORDER_KIND }
    })
  )
  const products = await eachMissing(documents, tables.productsTable, 'listing', (item) =>
    updateIf(documents, {
      TableName: tables.productsTable,
      Key: { id: item.id },
      ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(listing) AND active = :active',
      UpdateExpression: 'SET listing = :listing',
      ExpressionAttributeValues: { ':active': item.active === true, ':listing': listingOf(item.active === true) }
    })
  )
  return { orders, products }
}

/** Calls `update` for every item without `attribute`; counts those it applied to. */
async function eachMissing(
  documents: DynamoDBDocumentClient,
  tableName: string,
  attribute: string,
  update: (item: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>
): Promise<number> {
  let updated = 0
  let startKey: Record<string, unknown> | undefined
  // Bounded by the table: each round reads the next page until DynamoDB says the table ended.
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        Limit: PAGE,
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
        FilterExpression: 'attribute_not_exists(#attribute)',
        ExpressionAttributeNames: { '#attribute': attribute, '#active': 'active' },
        ProjectionExpression: 'id, #active'
      })
    )
    for (const item of page.Items ?? []) if (await update(item)) updated += 1
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return updated
}
