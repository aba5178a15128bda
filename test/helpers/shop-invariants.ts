// DESIGN section 7's money and stock invariants, checked from the outside against a running local
// server: its DynamoDB Local tables (read directly; a test may scan) and its Stripe simulator's
// PaymentIntents and refunds (GET /_local/stripe). Used by the crash and outage tests.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { Order } from '../../src/domain/order'
import type { Product } from '../../src/domain/product'
import type { HttpAnswer } from './server-process'

export const LOCAL_STACK = 'commerce-local'
const SETTLED_PAID = new Set(['confirmed', 'processing', 'shipped', 'delivered'])

interface StripeView {
  paymentIntents: Array<{ id: string; amount: number; status: string; metadata: Record<string, string> }>
  refunds: Array<{ id: string; amount: number; payment_intent: string; status: string }>
}

export interface ShopState {
  orders: Order[]
  products: Product[]
  stripe: StripeView
}

export async function readShopState(dynamodbPort: string, call: (method: string, path: string) => Promise<HttpAnswer>): Promise<ShopState> {
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dynamodbPort}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' }
  })
  const documents = DynamoDBDocumentClient.from(client)
  try {
    const scan = async <T>(table: string): Promise<T[]> => {
      const items: T[] = []
      let startKey: Record<string, unknown> | undefined
      for (let page = 0; page < 100; page++) {
        const result = await documents.send(new ScanCommand({ TableName: `${LOCAL_STACK}-${table}`, ConsistentRead: true, ExclusiveStartKey: startKey }))
        items.push(...((result.Items ?? []) as T[]))
        startKey = result.LastEvaluatedKey
        if (!startKey) break
      }
      return items
    }
    const stripe = await call('GET', '/_local/stripe')
    if (stripe.status !== 200) throw new Error(`GET /_local/stripe answered ${stripe.status}`)
    return { orders: await scan<Order>('orders'), products: await scan<Product>('products'), stripe: stripe.body as unknown as StripeView }
  } finally {
    client.destroy()
  }
}

export function unsettledOrders(state: ShopState): Order[] {
  return state.orders.filter((order) => order.status === 'pending' || order.status === 'awaiting_payment')
}

/** Every violated invariant, described; empty when all hold. */
export function invariantViolations(state: ShopState, initialStock: Map<string, number>): string[] {
  const problems: string[] = []
  for (const order of unsettledOrders(state)) problems.push(`order ${order.id} is still ${order.status}`)

  for (const product of state.products) {
    const initial = initialStock.get(product.id)
    if (initial === undefined) continue
    const reservedUnits = unitsOf(state.orders, product.id, (order) => order.reservation === 'reserved')
    const soldUnits = unitsOf(state.orders, product.id, (order) => order.reservation === 'committed')
    if (product.stock - product.reserved !== product.available) problems.push(`product ${product.id}: stock ${product.stock} - reserved ${product.reserved} != available ${product.available}`)
    if (product.reserved !== reservedUnits) problems.push(`product ${product.id}: reserved ${product.reserved} != units of open orders ${reservedUnits}`)
    if (product.stock !== initial - soldUnits) problems.push(`product ${product.id}: stock ${product.stock} != ${initial} - sold ${soldUnits}`)
    if (product.available < 0) problems.push(`product ${product.id}: available ${product.available} < 0`)
  }

  const orders = new Map(state.orders.map((order) => [order.id, order]))
  const refunded = new Map<string, number>()
  for (const refund of state.stripe.refunds) {
    if (refund.status === 'succeeded' || refund.status === 'pending') refunded.set(refund.payment_intent, (refunded.get(refund.payment_intent) ?? 0) + refund.amount)
  }
  const keptCharges = new Map<string, string[]>()
  for (const intent of state.stripe.paymentIntents) {
    if (intent.status !== 'succeeded') continue
    const orderId = intent.metadata.orderId as string
    const kept = intent.amount - (refunded.get(intent.id) ?? 0)
    if (kept <= 0) continue
    keptCharges.set(orderId, [...(keptCharges.get(orderId) ?? []), intent.id])
    const order = orders.get(orderId)
    if (!order || !SETTLED_PAID.has(order.status)) {
      problems.push(`charge ${intent.id} keeps ${kept} for order ${orderId}, which is ${order?.status ?? 'missing'}`)
    } else if (order.paymentId !== intent.metadata.paymentId) {
      problems.push(`charge ${intent.id} (payment ${intent.metadata.paymentId}) is not the payment of confirmed order ${orderId} (${order.paymentId})`)
    }
  }
  for (const [orderId, charges] of keptCharges) if (charges.length > 1) problems.push(`order ${orderId} has ${charges.length} charges: ${charges.join(', ')}`)
  return problems
}

function unitsOf(orders: Order[], productId: string, holds: (order: Order) => boolean): number {
  return orders.filter(holds).reduce((sum, order) => sum + order.items.filter((line) => line.productId === productId).reduce((units, line) => units + line.quantity, 0), 0)
}
