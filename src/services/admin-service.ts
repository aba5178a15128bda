// The back office's reads: orders of every customer (one status, one customer, or all; newest first),
// an account by email, and every product with its stock bookkeeping, active or not. Lists are read
// from indexes by the repositories (never a table scan). Their `lastKey` cursors are signed for the
// list and its filter, so a cursor of one list (or of the same list with other filters) is refused.
import { NotFoundError } from '../domain/errors'
import type { OrderStatus } from '../domain/order'
import type { Product } from '../domain/product'
import { normaliseEmail, type User, type UserRecord } from '../domain/user'
import type { BackOfficeQueries } from '../ports/back-office-queries'
import type { ProductRepository } from '../ports/product-repository'
import type { UserRepository } from '../ports/user-repository'
import type { CursorCodec } from './cursor'
import { orderView, type OrderView } from './order-service'

export interface AdminOrdersQuery {
  status?: OrderStatus
  userId?: string
  limit: number
  lastKey?: string
}

export interface AdminProductsQuery {
  active?: boolean
  limit: number
  lastKey?: string
}

export class AdminService {
  constructor(
    private readonly lists: BackOfficeQueries,
    private readonly users: UserRepository,
    private readonly products: ProductRepository,
    private readonly cursors: CursorCodec
  ) {}

  async listOrders(query: AdminOrdersQuery): Promise<{ orders: OrderView[]; count: number; lastKey?: string }> {
    const filter = { ...(query.status ? { status: query.status } : {}), ...(query.userId ? { userId: query.userId } : {}) }
    const scope = `admin-orders:${JSON.stringify([query.status ?? null, query.userId ?? null])}`
    const startKey = query.lastKey === undefined ? undefined : this.cursors.decode(query.lastKey, scope)
    const page = await this.lists.orders(filter, query.limit, startKey)
    return {
      orders: page.orders.map(orderView),
      count: page.orders.length,
      ...(page.lastKey ? { lastKey: this.cursors.encode(page.lastKey, scope) } : {})
    }
  }

  /** The account with this email (compared normalised), as a list: none or one. Never the password hash. */
  async findUsers(email: string): Promise<{ users: User[] }> {
    const record = await this.users.findByEmail(normaliseEmail(email))
    return { users: record ? [adminUserView(record)] : [] }
  }

  async listProducts(query: AdminProductsQuery): Promise<{ products: Product[]; lastKey?: string }> {
    const scope = `admin-products:${JSON.stringify(query.active ?? null)}`
    const startKey = query.lastKey === undefined ? undefined : this.cursors.decode(query.lastKey, scope)
    const page = await this.lists.products({ active: query.active, limit: query.limit, startKey })
    const products = page.products.map(adminProductView)
    return page.lastKey ? { products, lastKey: this.cursors.encode(page.lastKey, scope) } : { products }
  }

  /** Any product, active or not; NotFound only when there is none. */
  async getProduct(id: string): Promise<Product> {
    const product = await this.products.get(id)
    if (!product) throw new NotFoundError('Product not found.')
    return adminProductView(product)
  }
}

/**
 * The fields of a user an admin sees, named one by one: the stored record also holds the password
 * hash and other secrets of the account (reset nonces, ...), and a new one must never leak by default.
 */
function adminUserView(record: UserRecord): User {
  const { id, email, firstName, lastName, roles, emailVerified, createdAt, updatedAt } = record
  return { id, email, firstName, lastName, roles, emailVerified, createdAt, updatedAt }
}

/** Every field of the domain's product, and nothing the storage adds (the `listing` index key). */
function adminProductView(product: Product): Product {
  const { id, name, description, price, currency, active, stock, reserved, available, createdAt, updatedAt } = product
  return { id, name, description, price, currency, active, stock, reserved, available, createdAt, updatedAt }
}
