// Port: product storage, keyed by product id. Reservations (orders) write the same items directly in
// their own transactions, so implementations must keep the attribute names of domain/product.ts.
import type { Product, ProductFields } from '../domain/product'

export type StartKey = Record<string, unknown>

export interface ProductPage {
  products: Product[]
  /** Where the next page starts; absent on the last page. */
  lastKey?: StartKey
}

export interface ProductRepository {
  /** Stores a new product; ConflictError if the id is taken (a conditional write). */
  create(product: Product): Promise<void>
  /** A strongly consistent read. */
  get(id: string): Promise<Product | undefined>
  /** The products with these ids that exist (strongly consistent), by id; unknown ids are absent. */
  getMany(ids: readonly string[]): Promise<Map<string, Product>>
  /** Up to `limit` products from `startKey` on; only active ones when `activeOnly`. */
  listPage(options: { limit: number; startKey?: StartKey; activeOnly?: boolean }): Promise<ProductPage>
  /**
   * Applies the changes in one conditional write and returns the updated product, or undefined when
   * there is none. Setting `stock` keeps `available = stock - reserved`; ConflictError when the new
   * stock is below the units reserved by open orders.
   */
  update(id: string, changes: Partial<ProductFields>, now: string): Promise<Product | undefined>
}
