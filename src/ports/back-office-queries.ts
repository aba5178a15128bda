// Port: the back office's lists, apart from the repositories the saga and the workers use (so their
// bundles do not carry them). Each is read from an index, never a table scan; a page continues from
// `startKey`, the `lastKey` of the previous page of the same filter.
import type { OrderStatus } from '../domain/order'
import type { OrderPage } from './order-repository'
import type { ProductPage, StartKey } from './product-repository'

/** Which orders a list shows: all of them, one status, one customer's, or both. */
export interface OrderFilter {
  status?: OrderStatus
  userId?: string
}

export interface BackOfficeQueries {
  /** Orders matching `filter`, newest first, up to `limit`. Eventually consistent, as indexes are. */
  orders(filter: OrderFilter, limit: number, startKey?: StartKey): Promise<OrderPage>
  /** Active or inactive products only, or both (active ones first), each newest first; up to `limit`. */
  products(options: { active?: boolean; limit: number; startKey?: StartKey }): Promise<ProductPage>
}
