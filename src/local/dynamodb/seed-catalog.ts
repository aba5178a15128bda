// The demo catalog (data/demo-catalog.json) loaded into the products table on the embedded runtime's
// first start, so a fresh local shop has something to browse and order. Runs only on an empty table
// (a persisted shop keeps its own catalog); the ids are fixed in the file and every put is
// conditional, so two starts racing on one data folder still store each product once.
import { readFile } from 'node:fs/promises'
import { ConflictError } from '../../domain/errors'
import { validProductFields, type Product } from '../../domain/product'
import type { ProductRepository } from '../../ports/product-repository'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Stores the file's products if the table is empty; returns how many this call stored. */
export async function seedDemoCatalog(repository: ProductRepository, file: string): Promise<number> {
  const products = parseCatalog(await readFile(file, 'utf8'), file)
  const { products: existing } = await repository.listPage({ limit: 1 })
  if (existing.length > 0) return 0
  const stored = await Promise.all(
    products.map(async (product) => {
      try {
        await repository.create(product)
        return 1
      } catch (error) {
        if (error instanceof ConflictError) return 0
        throw error
      }
    })
  )
  return stored.reduce((sum: number, one) => sum + one, 0)
}

function parseCatalog(text: string, file: string): Product[] {
  const document = JSON.parse(text) as { products?: unknown }
  if (!Array.isArray(document.products)) throw new Error(`${file}: expected { "products": [...] }`)
  const now = new Date().toISOString()
  return document.products.map((item: unknown, index) => {
    const where = `${file}: products[${index}]`
    if (!item || typeof item !== 'object') throw new Error(`${where} must be an object`)
    const entry = item as Record<string, unknown>
    if (typeof entry.id !== 'string' || !UUID.test(entry.id)) throw new Error(`${where}.id must be a lower-case uuid`)
    try {
      const fields = validProductFields({
        name: entry.name as string,
        description: entry.description as string,
        price: entry.price as number,
        currency: entry.currency as string,
        stock: entry.stock as number,
        active: (entry.active ?? true) as boolean
      })
      if (Object.values(fields).some((value) => value === undefined)) throw new Error('name, description, price, currency and stock are required')
      return { id: entry.id, ...fields, reserved: 0, available: fields.stock, createdAt: now, updatedAt: now }
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error })
    }
  })
}
