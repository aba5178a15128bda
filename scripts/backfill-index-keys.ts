// Gives orders and products stored before the back-office indexes (byCreatedAt, byListing) their
// index keys, once, after the stack update that adds the indexes. Scans both tables (conditional
// updates: safe to run while the app serves, and to run again). AWS credentials and region as for
// the AWS CLI; AWS_ENDPOINT_URL for another endpoint (e.g. DynamoDB Local).
//   npx tsx scripts/backfill-index-keys.ts <stack>-orders <stack>-products
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { backfillIndexKeys } from '../src/adapters/dynamodb/index-key-backfill'
import { documentClient } from '../src/composition/builders'

const [ordersTable, productsTable] = process.argv.slice(2)
if (!ordersTable || !productsTable) {
  console.error('usage: tsx scripts/backfill-index-keys.ts <orders table> <products table>')
  process.exit(2)
}
const client = new DynamoDBClient({ ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}) })
try {
  const done = await backfillIndexKeys(documentClient(client), { ordersTable, productsTable })
  console.log(`orders given their kind: ${done.orders}; products given their listing: ${done.products}`)
} finally {
  client.destroy()
}
