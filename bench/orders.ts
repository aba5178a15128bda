// The orders benchmark: POST /orders and GET /orders/{id} throughput and latency of
// `node dist/server.js` on the embedded runtime, with a verified admin, products with the largest
// stock allowed, and one customer. Needs a fresh build (`npm run bench` builds first).
import { PRODUCT_LIMITS } from '../src/domain/product'
import { ApiClient, bearer, orderRequest, uniqueEmail } from './lib/api-client'
import type { Benchmark } from './lib/benchmark'
import { startEmbeddedServer } from './lib/embedded-server'
import { openShop } from './lib/shop'
import { compareThroughput, type ThroughputSettings } from './lib/http-throughput'
import { table } from './lib/markdown'

/** Orders are spread over several products so that reservations do not all contend for one item. */
const PRODUCTS = 4

export const orders: Benchmark = {
  name: 'orders',
  title: 'Orders: POST /orders and GET /orders/{id} on the embedded runtime',
  async run({ quick }) {
    const settings: ThroughputSettings = quick
      ? { connections: 16, pipelining: 1, warmupSeconds: 1, roundSeconds: 3, rounds: 2 }
      : { connections: 16, pipelining: 1, warmupSeconds: 5, roundSeconds: 10, rounds: 5 }
    const adminEmail = uniqueEmail('bench-admin')
    const server = await startEmbeddedServer({ ADMIN_EMAILS: adminEmail })
    try {
      const api = new ApiClient(server.url)
      const { productIds, customer } = await openShop(api, adminEmail, { count: PRODUCTS, price: 1999 })
      const [firstProduct = '', secondProduct = ''] = productIds
      const fixed = await api.placeOrder(customer.token, [{ productId: firstProduct, quantity: 1 }])
      await api.waitForOrderStatus(customer.token, fixed.id, 'awaiting_payment')

      const headers = { ...bearer(customer.token), 'content-type': 'application/json' }
      const [place, read] = await compareThroughput(
        [
          {
            label: 'POST /orders',
            url: `${server.url}/orders`,
            requests: productIds.map((productId) => ({ method: 'POST', path: '/orders', headers, body: JSON.stringify(orderRequest([{ productId, quantity: 1 }])) }))
          },
          { label: 'GET /orders/{id}', url: `${server.url}/orders/${fixed.id}`, headers: bearer(customer.token) }
        ],
        settings
      )
      if (!place || !read) throw new Error('missing throughput result')

      // Sagas started by the last POST round may still be running: how long until a new order gets through?
      const probeStarted = performance.now()
      const probe = await api.placeOrder(customer.token, [{ productId: secondProduct, quantity: 1 }])
      await api.waitForOrderStatus(customer.token, probe.id, 'awaiting_payment', 600_000)
      const probeSeconds = (performance.now() - probeStarted) / 1000

      const rows = [place, read].map((result) => [
        `\`${result.label}\``,
        Math.round(result.medianRequestsPerSecond),
        result.rounds.map(Math.round).join(', '),
        result.medianP50Ms,
        result.medianP99Ms,
        result.failures
      ])
      return [
        '### POST /orders and GET /orders/{id}',
        '',
        `\`node dist/server.js\` on the embedded runtime (LOG_LEVEL=warn); an admin (ADMIN_EMAILS, email verified through /_local/mailbox) ` +
          `created ${PRODUCTS} products with stock ${PRODUCT_LIMITS.stockMax} each, so no order runs out; one verified customer places every order. ` +
          `autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}; ${settings.warmupSeconds} s warm-up each, then ` +
          `${settings.rounds} rounds of ${settings.roundSeconds} s per endpoint, alternating. POST /orders orders 1 unit of one product, each ` +
          'connection cycling through the products (no Idempotency-Key); GET /orders/{id} reads one existing order (awaiting_payment) as its owner.',
        '',
        table(['endpoint', 'median req/s', 'req/s per round', 'median p50 (ms)', 'median p99 (ms)', 'non-2xx / errors'], rows),
        '',
        `After the last round, a new order took ${probeSeconds.toFixed(1)} s to reach awaiting_payment.`,
        '',
        'Caveats: every POST /orders starts an order-processing saga, and on the embedded runtime the saga (ReserveInventory — a DynamoDB ' +
          'transaction — then AwaitPayment, which stores the task token on the order) runs in the same Node process as the API, as do the ' +
          'local bus and its workers; so POST /orders throughput includes that background work, and sagas still running when a POST round ' +
          'ends compete with the GET round that follows. On AWS the saga runs in other Lambdas. DynamoDB Local (Java) and autocannon share this ' +
          'machine with the server: the numbers describe the embedded runtime on this machine, not a deployment on AWS.'
      ].join('\n')
    } finally {
      await server.stop()
    }
  }
}
