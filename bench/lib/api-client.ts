// The API driven over HTTP from outside the server, as benchmarks need it set up: accounts
// (register, verify through the local mailbox, log in), products, orders. Any unexpected status
// fails with the response body, so a broken setup never turns into a misleading benchmark.
import { setTimeout as sleep } from 'node:timers/promises'

export const BENCH_PASSWORD = 'correct horse battery'
export const SHIPPING_ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }

export interface Session {
  userId: string
  token: string
  roles: string[]
}

export interface OrderSummary {
  id: string
  status: string
}

export interface OrderLine {
  productId: string
  quantity: number
}

let emailCounter = 0
export function uniqueEmail(prefix: string): string {
  emailCounter += 1
  return `${prefix}-${process.pid}-${emailCounter}-${Date.now()}@example.com`
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

export const orderRequest = (items: OrderLine[]) => ({ items, shippingAddress: SHIPPING_ADDRESS })

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  /** `method path` with an optional JSON body; throws unless the status is `expected`. */
  async call<T>(method: string, path: string, options: { token?: string; body?: unknown; expected?: number } = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? bearer(options.token) : {})
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    })
    const text = await response.text()
    if (response.status !== (options.expected ?? 200)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
    return JSON.parse(text) as T
  }

  async register(email: string, password = BENCH_PASSWORD): Promise<void> {
    await this.call('POST', '/users/register', { body: { email, password, firstName: 'Bench', lastName: 'Mark' }, expected: 201 })
  }

  async login(email: string, password = BENCH_PASSWORD): Promise<Session> {
    const { token, user } = await this.call<{ token: string; user: { id: string; roles: string[] } }>('POST', '/users/login', { body: { email, password } })
    return { userId: user.id, token, roles: user.roles }
  }

  /** Registers, verifies the email with the link sent to the local mailbox, and logs in. */
  async verifiedSession(email: string, timeoutMs = 30_000): Promise<Session> {
    await this.register(email)
    await this.call('POST', '/users/verify-email', { body: { token: await this.verificationToken(email, timeoutMs) } })
    return this.login(email)
  }

  /** The token of the verification email to `email`, once the notification worker has sent it. */
  private async verificationToken(email: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { messages } = await this.call<{ messages: Array<{ to: string; text: string }> }>('GET', '/_local/mailbox')
      const match = /token=([^\s&]+)/.exec(messages.reverse().find((message) => message.to === email)?.text ?? '')
      if (match) return decodeURIComponent(match[1] as string)
      if (Date.now() > deadline) throw new Error(`no verification email to ${email} within ${timeoutMs} ms`)
      await sleep(100)
    }
  }

  async createProduct(adminToken: string, fields: { name: string; price: number; stock: number; currency?: string }): Promise<{ id: string }> {
    const { product } = await this.call<{ product: { id: string } }>('POST', '/products', {
      token: adminToken,
      body: { description: 'Benchmark product', currency: 'usd', ...fields },
      expected: 201
    })
    return product
  }

  async placeOrder(token: string, items: OrderLine[]): Promise<OrderSummary> {
    const { order } = await this.call<{ order: OrderSummary }>('POST', '/orders', { token, body: orderRequest(items), expected: 201 })
    return order
  }

  async order(token: string, id: string): Promise<OrderSummary> {
    return (await this.call<{ order: OrderSummary }>('GET', `/orders/${id}`, { token })).order
  }

  /** Polls the order until it has `status`; throws when it reaches another final state or time runs out. */
  async waitForOrderStatus(token: string, id: string, status: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const order = await this.order(token, id)
      if (order.status === status) return
      if (order.status === 'cancelled') throw new Error(`order ${id} was cancelled while waiting for ${status}`)
      if (Date.now() > deadline) throw new Error(`order ${id} is still ${order.status} after ${timeoutMs} ms (waiting for ${status})`)
      await sleep(50)
    }
  }
}
