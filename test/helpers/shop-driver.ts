// Drives a running local server through its public API, as customers and an admin would: accounts
// verified through the local mailbox, products, and a bounded burst of orders, payments and cancels.
import { randomUUID } from 'node:crypto'
import type { HttpAnswer } from './server-process'

export type Call = (method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number }) => Promise<HttpAnswer>

export const PASSWORD = 'correct horse battery'
export const ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }

export async function verifiedSession(call: Call, email: string): Promise<{ token: string; userId: string }> {
  const registered = await call('POST', '/users/register', { body: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' } })
  if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`)
  let token: string | undefined
  for (let attempt = 0; attempt < 100 && !token; attempt++) {
    const mailbox = await call('GET', '/_local/mailbox')
    const messages = (mailbox.body.messages ?? []) as Array<{ to: string; text: string }>
    const match = /token=([^\s&]+)/.exec(messages.reverse().find((message) => message.to === email)?.text ?? '')
    if (match) token = decodeURIComponent(match[1] as string)
    else await new Promise((resolve) => setTimeout(resolve, 100))
  }
  if (!token) throw new Error(`no verification email for ${email}`)
  const verified = await call('POST', '/users/verify-email', { body: { token } })
  if (verified.status !== 200) throw new Error(`verify ${email}: ${verified.status}`)
  return login(call, email)
}

export async function login(call: Call, email: string): Promise<{ token: string; userId: string }> {
  const session = await call('POST', '/users/login', { body: { email, password: PASSWORD } })
  if (session.status !== 200) throw new Error(`login ${email}: ${session.status}`)
  return { token: session.body.token as string, userId: (session.body.user as { id: string }).id }
}

export async function createProduct(call: Call, adminToken: string, stock: number): Promise<string> {
  const created = await call('POST', '/products', { token: adminToken, body: { name: `Product ${randomUUID().slice(0, 8)}`, description: 'Crash-test stock', price: 1000, currency: 'usd', stock } })
  if (created.status !== 201) throw new Error(`create product: ${created.status} ${JSON.stringify(created.body)}`)
  return (created.body.product as { id: string }).id
}

export type Plan = 'pay' | 'cancel' | 'pay-then-cancel' | 'nothing' | 'pay-twice'

export interface FlowRecord {
  plan: Plan
  orderId?: string
  placed?: number
  /** Every answer to a payment attempt: status and payment status. */
  payments: Array<{ status: number; paymentStatus?: unknown }>
  cancelled?: number
}

/** One customer's story: place, wait until payable, then follow the plan. Stops at the first network error. */
export async function runFlow(call: Call, token: string, productId: string, quantity: number, plan: Plan, progress?: { paid: number }): Promise<FlowRecord> {
  const record: FlowRecord = { plan, payments: [] }
  const placed = await call('POST', '/orders', { token, body: { items: [{ productId, quantity }], shippingAddress: ADDRESS } })
  record.placed = placed.status
  if (placed.status !== 201) return record
  const orderId = (placed.body.order as { id: string }).id
  record.orderId = orderId
  if (plan === 'nothing') return record
  for (let attempt = 0; attempt < 30; attempt++) {
    const current = await call('GET', `/orders/${orderId}`, { token })
    if (current.status !== 200) return record
    if ((current.body.order as { status: string }).status === 'awaiting_payment') break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const pay = async () => {
    const paid = await call('POST', '/payments', { token, body: { orderId, paymentMethodId: 'pm_card_visa' }, headers: { 'idempotency-key': randomUUID() } })
    record.payments.push({ status: paid.status, paymentStatus: paid.body.status })
    if (paid.status === 200 && progress) progress.paid += 1
    return paid.status
  }
  if (plan === 'cancel') {
    record.cancelled = (await call('POST', `/orders/${orderId}/cancel`, { token })).status
    return record
  }
  if ((await pay()) === 0) return record
  if (plan === 'pay-twice') await pay()
  if (plan === 'pay-then-cancel') record.cancelled = (await call('POST', `/orders/${orderId}/cancel`, { token })).status
  return record
}
