// Helpers for order tests: an admin, products created through the API, orders placed and followed
// through the saga on the embedded runtime.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { FastifyInstance } from 'fastify'
import { DynamoOrderRepository } from '../../src/adapters/dynamodb/order-repository'
import { DynamoProductRepository } from '../../src/adapters/dynamodb/product-repository'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { documentClient } from '../../src/composition/builders'
import type { EmbeddedRuntime } from '../../src/local/runtime'
import type { Order } from '../../src/domain/order'
import type { Product } from '../../src/domain/product'
import { bearer, registerVerifiedUser, uniqueEmail } from './users'

export const ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }

export interface Shop {
  adminToken: string
  createProduct(fields?: Partial<{ name: string; price: number; currency: string; stock: number; active: boolean }>): Promise<Product>
  product(id: string): Promise<Product>
  customer(): Promise<{ userId: string; token: string }>
  place(token: string, items: Array<{ productId: string; quantity: number }>, extra?: Record<string, unknown>): Promise<{ statusCode: number; body: Record<string, unknown> }>
  /** The order as stored (with saga internals), once nothing is in flight. */
  settled(orderId: string): Promise<Order>
  /** Places an order of `quantity` × `productId` for `token`'s customer and waits until it awaits payment; its id. */
  payableOrder(token: string, productId: string, quantity?: number): Promise<string>
  /** Waits until the order's saga execution has ended. */
  finished(orderId: string): Promise<void>
}

export async function openShop(app: FastifyInstance, runtime: EmbeddedRuntime, adminEmail: string): Promise<Shop> {
  const { session } = await registerVerifiedUser(app, runtime, adminEmail)
  const adminToken = session.token
  let counter = 0
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  const orders = new DynamoOrderRepository(documents, runtime.config.ORDERS_TABLE, runtime.config.PRODUCTS_TABLE)
  const products = new DynamoProductRepository(documents, runtime.config.PRODUCTS_TABLE)
  const shop: Shop = {
    adminToken,
    async createProduct(fields = {}) {
      counter += 1
      const res = await app.inject({
        method: 'POST',
        url: '/products',
        headers: bearer(adminToken),
        payload: { name: `Product ${counter}`, description: 'A test product', price: 1999, currency: 'usd', stock: 10, ...fields }
      })
      if (res.statusCode !== 201) throw new Error(`create product: ${res.statusCode} ${res.body}`)
      return res.json().product as Product
    },
    async product(id) {
      const product = await products.get(id)
      if (!product) throw new Error(`no product ${id}`)
      return product
    },
    async customer() {
      const { user, session: customerSession } = await registerVerifiedUser(app, runtime, uniqueEmail('customer'))
      return { userId: user.id, token: customerSession.token }
    },
    async place(token, items, extra = {}) {
      const res = await app.inject({ method: 'POST', url: '/orders', headers: bearer(token), payload: { items, shippingAddress: ADDRESS, ...extra } })
      return { statusCode: res.statusCode, body: res.json() }
    },
    async settled(orderId) {
      await runtime.idle()
      return (await orders.get(orderId)) as Order
    },
    async payableOrder(token, productId, quantity = 1) {
      const placed = await shop.place(token, [{ productId, quantity }])
      const orderId = (placed.body.order as { id: string }).id
      const order = await shop.settled(orderId)
      if (order.status !== 'awaiting_payment') throw new Error(`order ${orderId} is ${order.status}, not awaiting_payment`)
      return orderId
    },
    async finished(orderId) {
      const execution = runtime.workflow.executions().find((entry) => entry.name === orderId)
      if (!execution) throw new Error(`no execution for order ${orderId}`)
      await runtime.workflow.finished(execution.executionArn)
      await runtime.idle()
    }
  }
  return shop
}
