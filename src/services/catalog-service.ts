// The catalog: public browsing of active products, and admin create/update (including stock).
// Inactive products are invisible to the public (not listed, 404 by id). Pagination cursors are
// opaque and signed (CursorCodec), scoped to this list.
import { randomUUID } from 'node:crypto'
import { NotFoundError, ValidationError } from '../domain/errors'
import { publicProduct, validProductFields, type Product, type ProductFields, type PublicProduct } from '../domain/product'
import type { ProductRepository } from '../ports/product-repository'
import type { CursorCodec } from './cursor'

export const LIST_LIMIT = { min: 1, max: 100, default: 20 } as const

const CURSOR_SCOPE = 'products'

export type NewProduct = Omit<ProductFields, 'active'> & { active?: boolean }

export interface ProductList {
  products: PublicProduct[]
  lastKey?: string
}

export class CatalogService {
  constructor(
    private readonly products: ProductRepository,
    private readonly cursors: CursorCodec
  ) {}

  async list(options: { limit?: number; lastKey?: string } = {}): Promise<ProductList> {
    const limit = options.limit ?? LIST_LIMIT.default
    if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
      throw new ValidationError(`limit must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`, { field: 'limit' })
    }
    const startKey = options.lastKey === undefined ? undefined : this.cursors.decode(options.lastKey, CURSOR_SCOPE)
    const page = await this.products.listPage({ limit, startKey, activeOnly: true })
    const products = page.products.map(publicProduct)
    return page.lastKey ? { products, lastKey: this.cursors.encode(page.lastKey, CURSOR_SCOPE) } : { products }
  }

  /** An active product, as anyone may see it; NotFound for unknown and inactive ones alike. */
  async get(id: string): Promise<PublicProduct> {
    const product = await this.products.get(id)
    if (!product?.active) throw new NotFoundError('Product not found.')
    return publicProduct(product)
  }

  async create(input: NewProduct): Promise<Product> {
    const fields = validProductFields({
      name: input.name,
      description: input.description,
      price: input.price,
      currency: input.currency,
      stock: input.stock,
      active: input.active ?? true
    })
    const now = new Date().toISOString()
    const product: Product = { id: randomUUID(), ...fields, reserved: 0, available: fields.stock, createdAt: now, updatedAt: now }
    await this.products.create(product)
    return product
  }

  /** Applies the given fields (others unchanged); ConflictError if stock would go below what orders hold. */
  async update(id: string, input: Partial<ProductFields>): Promise<Product> {
    // Only the settable fields, whatever else the caller passed.
    const changes = validProductFields({
      name: input.name,
      description: input.description,
      price: input.price,
      currency: input.currency,
      active: input.active,
      stock: input.stock
    })
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new ValidationError('Nothing to update: give at least one of name, description, price, currency, active, stock.', { field: 'body' })
    }
    const updated = await this.products.update(id, changes, new Date().toISOString())
    if (!updated) throw new NotFoundError('Product not found.')
    return updated
  }
}
