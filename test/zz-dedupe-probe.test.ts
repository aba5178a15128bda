import t from 'tap'
import { writeFileSync } from 'node:fs'
import { build } from './helpers/build'
import { openShop } from './helpers/orders'
import { bearer, uniqueEmail } from './helpers/users'

const adminEmail = uniqueEmail('admin')
t.test('probe', async (t) => {
  const { app, runtime } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail } })
  const shop = await openShop(app, runtime, adminEmail)
  const customer = await shop.customer()
  const out: Record<string, unknown> = {}
  const clean = (r: { statusCode: number; json: () => Record<string, unknown> }) => { const b = r.json(); delete b.requestId; return [r.statusCode, b] }
  for (const [name, url, token, payload] of [
    ['orders', '/orders', customer.token, { items: [{ productId: 'x', quantity: 1 }], shippingAddress: { street: 'a', city: 'b', postalCode: '1', country: 'US' } }],
    ['payments', '/payments', customer.token, { orderId: 'o', paymentMethodId: 'pm' }],
    ['refunds', '/payments/pay_x/refunds', shop.adminToken, { amount: 1, reason: 'x' }]
  ] as const) {
    for (const key of [undefined, '', 'clé', 'x'.repeat(256)]) {
      const headers: Record<string, string> = { ...bearer(token) }
      if (key !== undefined) headers['idempotency-key'] = key
      out[`${name} ${JSON.stringify(key)?.slice(0, 8)}`] = clean(await app.inject({ method: 'POST', url, headers, payload }))
      const noauth: Record<string, string> = {}
      if (key !== undefined) noauth['idempotency-key'] = key
      out[`${name} ${JSON.stringify(key)?.slice(0, 8)} noauth`] = clean(await app.inject({ method: 'POST', url, headers: noauth, payload }))
    }
  }
  writeFileSync(process.env.PROBE_OUT as string, JSON.stringify(out, null, 1))
})
