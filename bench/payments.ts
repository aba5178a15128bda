// The payments benchmark: POST /payments throughput and latency of `node dist/server.js` on the
// embedded runtime, charging through the real Stripe SDK against the local Stripe simulator. An order
// is paid once, so every request pays its own order, prepared (awaiting_payment) beforehand.
// Needs a fresh build (`npm run bench` builds first).
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import { PRODUCT_LIMITS } from '../src/domain/product'
import { ApiClient, bearer, uniqueEmail } from './lib/api-client'
import type { Benchmark } from './lib/benchmark'
import { mapWithConcurrency } from './lib/concurrency'
import { startEmbeddedServer } from './lib/embedded-server'
import { openShop } from './lib/shop'
import { table } from './lib/markdown'

const PRODUCTS = 4
/** Requests in flight while preparing orders and checking them afterwards. */
const SETUP_CONCURRENCY = 16
const PAYMENT_METHOD = 'pm_card_visa'

interface PaymentsSettings {
  connections: number
  warmupOrders: number
  orders: number
}

interface PaymentRun {
  result: autocannon.Result
  /** Requests autocannon built; more than the orders would mean an order was paid twice. */
  built: number
}

export const payments: Benchmark = {
  name: 'payments',
  title: 'Payments: POST /payments against the local Stripe simulator',
  async run({ quick }) {
    const settings: PaymentsSettings = quick ? { connections: 16, warmupOrders: 32, orders: 128 } : { connections: 16, warmupOrders: 200, orders: 2000 }
    const adminEmail = uniqueEmail('bench-admin')
    const server = await startEmbeddedServer({ ADMIN_EMAILS: adminEmail })
    try {
      const api = new ApiClient(server.url)
      const { productIds, customer } = await openShop(api, adminEmail, { count: PRODUCTS, price: 2599 })

      const prepareStarted = performance.now()
      const orderIds = await mapWithConcurrency(Array.from({ length: settings.warmupOrders + settings.orders }), SETUP_CONCURRENCY, async (_, index) => {
        const order = await api.placeOrder(customer.token, [{ productId: productIds[index % productIds.length] as string, quantity: 1 }])
        return order.id
      })
      await mapWithConcurrency(orderIds, SETUP_CONCURRENCY, (id) => api.waitForOrderStatus(customer.token, id, 'awaiting_payment', 600_000))
      const prepareSeconds = (performance.now() - prepareStarted) / 1000

      const warmup = await pay(server.url, customer.token, orderIds.slice(0, settings.warmupOrders), settings.connections)
      const measured = await pay(server.url, customer.token, orderIds.slice(settings.warmupOrders), settings.connections)

      // The saga learns of each payment through the bus (PAYMENT_CONFIRMED → order-events worker →
      // SendTaskSuccess → ConfirmOrder), after the response: check that every measured order got there.
      const settleStarted = performance.now()
      const confirmed = await mapWithConcurrency(orderIds.slice(settings.warmupOrders), SETUP_CONCURRENCY, (id) =>
        api.waitForOrderStatus(customer.token, id, 'confirmed', 120_000).then(
          () => true,
          () => false
        )
      )
      const settleSeconds = (performance.now() - settleStarted) / 1000
      return report(settings, { warmup, measured }, { prepareSeconds, settleSeconds, confirmed: confirmed.filter(Boolean).length })
    } finally {
      await server.stop()
    }
  }
}

/** POST /payments once per order in `orderIds`, each with a fresh Idempotency-Key. */
async function pay(baseUrl: string, token: string, orderIds: string[], connections: number): Promise<PaymentRun> {
  let built = 0
  const result = await autocannon({
    url: `${baseUrl}/payments`,
    connections: Math.min(connections, orderIds.length),
    amount: orderIds.length,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/payments',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        // Called once per request sent; past the last order it would repeat one (and get a 409), which `built` reports.
        setupRequest: (request) => {
          const orderId = orderIds[built++ % orderIds.length]
          return {
            ...request,
            headers: { ...request.headers, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ orderId, paymentMethodId: PAYMENT_METHOD })
          }
        }
      }
    ]
  })
  return { result, built }
}

function report(
  settings: PaymentsSettings,
  runs: { warmup: PaymentRun; measured: PaymentRun },
  after: { prepareSeconds: number; settleSeconds: number; confirmed: number }
): string {
  const row = (label: string, orders: number, { result, built }: PaymentRun) => {
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .map(([code, stats]) => `${code}: ${stats.count ?? 0}`)
      .join(', ')
    return [
      label,
      orders,
      built,
      (result.requests.total / result.duration).toFixed(0),
      result.latency.p50,
      result.latency.p99,
      result.latency.max,
      statuses,
      result.errors + result.timeouts
    ]
  }
  const { result } = runs.measured
  const oks = result.statusCodeStats?.['200']?.count ?? 0
  return [
    '### POST /payments',
    '',
    `\`node dist/server.js\` on the embedded runtime (LOG_LEVEL=warn); one verified customer, ${PRODUCTS} products with stock ` +
      `${PRODUCT_LIMITS.stockMax}. ${settings.warmupOrders + settings.orders} orders of 1 unit were placed first and polled (GET /orders/{id}) ` +
      `until awaiting_payment (${after.prepareSeconds.toFixed(1)} s). Then autocannon, ${settings.connections} connections, sends one ` +
      `POST /payments per order — each request a different order and a fresh Idempotency-Key, \`${PAYMENT_METHOD}\` — ` +
      `${settings.warmupOrders} as a warm-up, then ${settings.orders} measured. req/s = completed requests ÷ the run's duration; latencies in ms.`,
    '',
    table(['run', 'orders', 'requests sent', 'req/s', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'responses by status', 'errors / timeouts'], [
      row('warm-up', settings.warmupOrders, runs.warmup),
      row('**measured**', settings.orders, runs.measured)
    ]),
    '',
    `**${oks} of ${settings.orders} measured payments answered 200** at ${(result.requests.total / result.duration).toFixed(0)} req/s, ` +
      `p99 ${result.latency.p99} ms. Afterwards ${after.confirmed} of the ${settings.orders} orders reached confirmed ` +
      `(all checked within ${after.settleSeconds.toFixed(1)} s of the run's end). Issue 5 sets no numeric goal for this benchmark.`,
    '',
    'Caveats: each payment is a PaymentIntent created and confirmed through the real `stripe` SDK over HTTP against the local simulator, ' +
      'which adds no latency of its own (Stripe is a network round trip away); its webhooks come back to the same server. That server also runs, in ' +
      'the same Node process, the bus, the order-events worker that resumes each saga, the saga (ConfirmOrder) and the confirmation ' +
      'email — so this throughput includes that background work, part of which may still run after the last response. DynamoDB Local ' +
      '(Java) and autocannon share this machine with the server.'
  ].join('\n')
}
