// The setup the orders and payments benchmarks share: an admin (its email in ADMIN_EMAILS, verified
// through the local mailbox), products with the largest stock allowed so no order runs out, and one
// verified customer who places every order.
import { PRODUCT_LIMITS } from '../../src/domain/product'
import { uniqueEmail, type ApiClient, type Session } from './api-client'

export interface BenchShop {
  productIds: string[]
  customer: Session
}

/** `adminEmail` must be in the server's ADMIN_EMAILS. */
export async function openShop(api: ApiClient, adminEmail: string, products: { count: number; price: number }): Promise<BenchShop> {
  const admin = await api.verifiedSession(adminEmail)
  if (!admin.roles.includes('admin')) throw new Error(`${adminEmail} did not get the admin role: is it in ADMIN_EMAILS?`)
  const created = await Promise.all(
    Array.from({ length: products.count }, (_, index) =>
      api.createProduct(admin.token, { name: `Bench product ${index + 1}`, price: products.price, stock: PRODUCT_LIMITS.stockMax })
    )
  )
  const customer = await api.verifiedSession(uniqueEmail('bench-customer'))
  return { productIds: created.map((product) => product.id), customer }
}
