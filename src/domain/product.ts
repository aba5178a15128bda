// The product as stored in the products table, its public view, and the limits every writer (API,
// seed data) is held to. Money is in integer minor units of a lower-case ISO 4217 currency.
// `available` is kept equal to `stock - reserved` by every write, so an inventory reservation can be
// a single conditional update on `available` (attribute names are shared with the inventory code).
import { ValidationError } from './errors'

export interface Product {
  id: string
  name: string
  description: string
  /** Integer minor units (e.g. cents), >= 0. */
  price: number
  /** Lower-case ISO 4217 code, as Stripe writes it (e.g. `usd`). */
  currency: string
  active: boolean
  /** Units on hand. */
  stock: number
  /** Units held by unpaid orders. */
  reserved: number
  /** `stock - reserved`: what can still be ordered. */
  available: number
  createdAt: string
  updatedAt: string
}

/** What anyone may see of an active product. */
export type PublicProduct = Pick<Product, 'id' | 'name' | 'description' | 'price' | 'currency' | 'available'>

/** The fields an admin sets; reserved and available only ever change through stock and orders. */
export const PRODUCT_FIELDS = ['name', 'description', 'price', 'currency', 'active', 'stock'] as const satisfies ReadonlyArray<keyof Product>
export type ProductFields = Pick<Product, (typeof PRODUCT_FIELDS)[number]>

export const PRODUCT_LIMITS = {
  nameMaxLength: 200,
  descriptionMaxLength: 2000,
  priceMax: 100_000_000,
  stockMax: 1_000_000,
  currencyPattern: '^[a-z]{3}$'
} as const

const CURRENCY = new RegExp(PRODUCT_LIMITS.currencyPattern)

export function publicProduct(product: Product): PublicProduct {
  const { id, name, description, price, currency, available } = product
  return { id, name, description, price, currency, available: Math.max(0, available) }
}

/**
 * Checks (and normalises: trims text) the given fields; throws ValidationError naming the first bad
 * field. The route schemas check the same limits first; this keeps other writers (seed data, future
 * workers) to them too.
 */
export function validProductFields<T extends Partial<ProductFields>>(fields: T): T {
  const checked = { ...fields }
  if (checked.name !== undefined) {
    if (typeof checked.name !== 'string') throw invalid('name', 'must be a string')
    checked.name = checked.name.trim()
    if (checked.name.length < 1 || checked.name.length > PRODUCT_LIMITS.nameMaxLength) {
      throw invalid('name', `must be 1 to ${PRODUCT_LIMITS.nameMaxLength} characters`)
    }
  }
  if (checked.description !== undefined) {
    if (typeof checked.description !== 'string') throw invalid('description', 'must be a string')
    checked.description = checked.description.trim()
    if (checked.description.length > PRODUCT_LIMITS.descriptionMaxLength) {
      throw invalid('description', `must be at most ${PRODUCT_LIMITS.descriptionMaxLength} characters`)
    }
  }
  if (checked.price !== undefined && !isIntegerIn(checked.price, 0, PRODUCT_LIMITS.priceMax)) {
    throw invalid('price', `must be an integer number of minor units from 0 to ${PRODUCT_LIMITS.priceMax}`)
  }
  if (checked.currency !== undefined && (typeof checked.currency !== 'string' || !CURRENCY.test(checked.currency))) {
    throw invalid('currency', 'must be a lower-case ISO 4217 code, e.g. usd')
  }
  if (checked.stock !== undefined && !isIntegerIn(checked.stock, 0, PRODUCT_LIMITS.stockMax)) {
    throw invalid('stock', `must be an integer from 0 to ${PRODUCT_LIMITS.stockMax}`)
  }
  if (checked.active !== undefined && typeof checked.active !== 'boolean') throw invalid('active', 'must be a boolean')
  return checked
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

function invalid(field: string, rule: string): ValidationError {
  return new ValidationError(`${field} ${rule}`, { field })
}
