// BackOfficeQueries on DynamoDB: the orders table's indexes (order-queries.ts) and the products
// table's byListing index (product-listing.ts).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { BackOfficeQueries, OrderFilter } from '../../ports/back-office-queries'
import type { OrderPage } from '../../ports/order-repository'
import type { ProductPage, StartKey } from '../../ports/product-repository'
import { ordersNewestFirst } from './order-queries'
import { productsByListing } from './product-listing'

export class DynamoBackOfficeQueries implements BackOfficeQueries {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly ordersTable: string,
    private readonly productsTable: string
  ) {}

  orders(filter: OrderFilter, limit: number, startKey?: StartKey): Promise<OrderPage> {
    return ordersNewestFirst(this.documents, this.ordersTable, filter, limit, startKey)
  }

  products(options: { active?: boolean; limit: number; startKey?: StartKey }): Promise<ProductPage> {
    return productsByListing(this.documents, this.productsTable, options)
  }
}
