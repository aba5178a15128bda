// The content of every email (NotificationService.compose renders it; nothing is sent here): each
// message's facts in both parts, HTML escaping of every value, the plain-text part left unescaped,
// links from PUBLIC_BASE_URL, money in its currency, and the events that send nothing.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Order } from '../../src/domain/order'
import type { EventEnvelope } from '../../src/ports/event-bus'
import { NotificationService, type NotificationSources } from '../../src/services/notification-service'
import { lifetimeInWords } from '../../src/services/notifications/views'
import { projectRoot } from '../helpers/build'

const BASE = 'https://shop.example/'

function order(fields: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    userId: 'u1',
    userEmail: 'ann@example.com',
    status: 'confirmed',
    items: [
      { productId: 'p1', name: 'Mug', unitPrice: 1250, quantity: 2, lineTotal: 2500 },
      { productId: 'p2', name: 'Tee', unitPrice: 2000, quantity: 1, lineTotal: 2000 }
    ],
    currency: 'usd',
    subtotal: 4500,
    total: 4500,
    shippingAddress: { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    reservation: 'committed',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...fields
  }
}

function service(orders: Order[] = [order()], accounts: Record<string, string> = { 'ann@example.com': 'Ann' }) {
  const sources: NotificationSources = {
    verificationTokens: { emailVerificationToken: (userId, email) => `verify.${userId}.${email}` },
    resetLinks: {
      prepareResetLink: async (email, eventId) => (accounts[email] === undefined ? undefined : { email, firstName: accounts[email] as string, token: `reset.${eventId}` })
    },
    orders: { get: async (id) => orders.find((entry) => entry.id === id) }
  }
  const sent: unknown[] = []
  const done = new Set<string>()
  const notifications = new NotificationService(
    { send: async (message) => void sent.push(message) },
    {
      // In memory (the DynamoDB claims are tested in test/integration/notifications.test.ts): claimed until completed.
      claim: async (_consumer, eventId) => (done.has(eventId) ? 'done' : 'claimed'),
      complete: async (_consumer, eventId) => void done.add(eventId),
      release: async () => undefined
    },
    sources,
    { publicBaseUrl: BASE, shopName: 'Acme & Sons', emailVerifyTtlSeconds: 86_400 }
  )
  return { notifications, sent }
}

function event(eventType: string, data: Record<string, unknown>, eventId = 'evt-1'): EventEnvelope {
  return { eventId, eventType, version: 1, occurredAt: '2026-12-01T00:00:00.000Z', correlationId: 'c', data }
}

const statusEvent = (status: string, extra: Record<string, unknown> = {}, orderId = 'ord_1') =>
  event('ORDER_STATUS_UPDATED', { orderId, userId: 'u1', previousStatus: 'x', status, ...extra })

t.test('verification: a link to /verify-email with the token, its lifetime, both parts, signed by the shop', async (t) => {
  const mail = await service().notifications.compose(event('USER_CREATED', { userId: 'u1', email: 'ann@example.com', firstName: 'Ann' }))
  const link = `https://shop.example/verify-email?token=${encodeURIComponent('verify.u1.ann@example.com')}`
  t.equal(mail?.to, 'ann@example.com')
  t.equal(mail?.subject, 'Verify your email address')
  t.match(mail?.text, `Hello Ann,`)
  t.ok(mail?.text.includes(`\n${link}\n`), 'the link on a line of its own in the text part')
  t.match(mail?.text, /expires in 24 hours/)
  t.ok(mail?.text.endsWith('\n\n-- \nAcme & Sons\n'), 'the text part is signed with the shop name, unescaped')
  t.ok(mail?.html.startsWith('<!doctype html>\n<html lang="en">'))
  t.match(mail?.html, '<title>Verify your email address</title>')
  t.ok(mail?.html.includes('Acme &amp; Sons'), 'the shop name, escaped in HTML')
  t.ok(mail?.html.includes(`href="${link.replace(/\//g, '&#x2F;').replace(/=/g, '&#x3D;')}"`), 'the link in an href (escaped: the browser reads it back as the same URL)')
  const resend = await service().notifications.compose(event('VERIFICATION_REQUESTED', { userId: 'u1', email: 'ann@example.com', firstName: 'Ann' }))
  t.equal(resend?.subject, 'Verify your email address', 'a resend (VERIFICATION_REQUESTED) is the same email')
})

t.test('every value is HTML-escaped in the HTML part and left as it is in the text part; the subject is one line', async (t) => {
  const hostile = '<script>alert("x")</script> & O\'Brien'
  const mail = await service().notifications.compose(event('USER_CREATED', { userId: 'u1', email: 'ann@example.com', firstName: hostile }))
  t.notOk(mail?.html.includes('<script>'), 'no markup from data')
  t.ok(mail?.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; O&#39;Brien'))
  t.ok(mail?.text.includes(`Hello ${hostile},`), 'the text part is not HTML: no entities there')
  const multiline = await service([order({ id: 'ord_1\r\nBcc: x@example.com' })]).notifications.compose(statusEvent('delivered', {}, 'ord_1\r\nBcc: x@example.com'))
  t.equal(multiline?.subject, 'Order ord_1 Bcc: x@example.com delivered', 'line breaks in a subject value become spaces (no header injection)')
})

t.test('the templates never place a value unescaped ({{{…}}} or {{&…}}) and live in code, not files read at run time', async (t) => {
  const dir = join(projectRoot, 'src', 'services', 'notifications')
  const files = [...readdirSync(dir).map((name) => join(dir, name)), ...readdirSync(join(dir, 'templates')).map((name) => join(dir, 'templates', name))].filter((file) => file.endsWith('.ts'))
  t.ok(files.length >= 9, `${files.length} files`)
  for (const file of files) {
    const source = readFileSync(file, 'utf8')
    t.notMatch(source, /\{\{\{|\{\{&/, `${file}: no unescaped placement`)
    t.notMatch(source, /readFile|node:fs/, `${file}: nothing read from disk`)
  }
})

t.test('password reset: only for a real account, a link to /reset-password that works once, within an hour', async (t) => {
  const { notifications } = service()
  const mail = await notifications.compose(event('PASSWORD_RESET_REQUESTED', { email: 'ann@example.com' }, 'evt-reset'))
  t.equal(mail?.to, 'ann@example.com')
  t.equal(mail?.subject, 'Reset your password')
  t.ok(mail?.text.includes('\nhttps://shop.example/reset-password?token=reset.evt-reset\n'), 'the link, built from PUBLIC_BASE_URL (no double slash)')
  t.match(mail?.text, /works once and expires in 1 hour/)
  t.match(mail?.html, /Choose a new password<\/a>/)
  t.equal(await notifications.compose(event('PASSWORD_RESET_REQUESTED', { email: 'nobody@example.com' })), undefined, 'unknown email: nothing to send')
})

t.test('order confirmed: each line as name × quantity with its price, the totals, the shipping address', async (t) => {
  const mail = await service().notifications.compose(statusEvent('confirmed'))
  t.equal(mail?.to, 'ann@example.com')
  t.equal(mail?.subject, 'Order ord_1 confirmed')
  for (const part of [mail?.text, mail?.html]) {
    t.match(part, /Mug × 2/)
    t.match(part, /Tee × 1/)
    t.match(part, /\$25\.00/)
    t.match(part, /\$20\.00/)
    t.match(part, /Total/)
    t.match(part, /\$45\.00/)
    t.match(part, /1 Main St/)
    t.match(part, /12345 Springfield/)
  }
  t.match(mail?.text, 'Mug × 2  $25.00\nTee × 1  $20.00\n', 'one line per item in the text part')
  const yen = await service([order({ currency: 'jpy', items: [{ productId: 'p', name: 'Tea', unitPrice: 1500, quantity: 1, lineTotal: 1500 }], subtotal: 1500, total: 1500 })]).notifications.compose(statusEvent('confirmed'))
  t.match(yen?.text, /Total: ¥1,500\n/, 'a currency without decimals (minor units are yen)')
})

t.test('shipped: carrier, tracking number and an https tracking link; a non-https link is not placed', async (t) => {
  const shipment = { carrier: 'UPS', trackingNumber: '1Z999', trackingUrl: 'https://track.example/1Z999?a=1&b=2' }
  const mail = await service([order({ status: 'shipped', shipment })]).notifications.compose(statusEvent('shipped'))
  t.equal(mail?.subject, 'Order ord_1 shipped')
  t.match(mail?.text, /Carrier: UPS\nTracking number: 1Z999\nTrack it here: https:\/\/track\.example\/1Z999\?a=1&b=2\n/)
  t.match(mail?.html, 'href="https:&#x2F;&#x2F;track.example&#x2F;1Z999?a&#x3D;1&amp;b&#x3D;2"')
  const unsafe = await service([order({ status: 'shipped', shipment: { carrier: 'UPS', trackingNumber: '1', trackingUrl: 'javascript:alert(1)' } })]).notifications.compose(statusEvent('shipped'))
  t.notMatch(unsafe?.html, /javascript/, 'never linked')
  t.notMatch(unsafe?.text, /Track it here/)
  const bare = await service([order({ status: 'shipped' })]).notifications.compose(statusEvent('shipped'))
  t.match(bare?.text, /is on its way/, 'no shipment stored: still told it left')
  t.notMatch(bare?.text, /Carrier/)
})

t.test('delivered', async (t) => {
  const mail = await service([order({ status: 'delivered' })]).notifications.compose(statusEvent('delivered'))
  t.equal(mail?.subject, 'Order ord_1 delivered')
  t.match(mail?.text, /has been delivered/)
  t.match(mail?.html, /has been delivered/)
})

t.test('cancelled: the reason in words (the one the event reports), and a refund note when it may have been paid', async (t) => {
  const words = { out_of_stock: 'some items were out of stock', payment_timeout: 'payment was not received in time', customer: 'you cancelled it', admin: 'it was cancelled by our team', payment_failed: 'the payment failed' }
  for (const [reason, text] of Object.entries(words)) {
    const mail = await service([order({ status: 'cancelled', cancelReason: 'admin' })]).notifications.compose(statusEvent('cancelled', { cancelReason: reason }))
    t.equal(mail?.subject, 'Order ord_1 cancelled')
    t.match(mail?.text, `Your order ord_1 ($45.00) was cancelled because ${text}.`, reason)
    t.match(mail?.html, text.replace(/'/g, '&#39;'))
    t.notMatch(mail?.text, /refund/, 'never paid: no refund note')
  }
  const paid = await service([order({ status: 'cancelled', cancelReason: 'customer', paymentId: 'pay_1' })]).notifications.compose(statusEvent('cancelled'))
  t.match(paid?.text, /because you cancelled it/, 'no reason in the event: the order\'s')
  t.match(paid?.text, /you will get an email when the refund is made/)
})

t.test('refunded: the amount formatted in its currency; a partial refund says how much of what was paid', async (t) => {
  const { notifications } = service()
  const full = await notifications.compose(event('PAYMENT_REFUNDED', { paymentId: 'pay_1', orderId: 'ord_1', amount: 4500, currency: 'usd', amountRefunded: 4500, refundedNow: 4500, status: 'refunded' }))
  t.equal(full?.subject, 'Refund for order ord_1')
  t.match(full?.text, /We refunded \$45\.00 for your order ord_1\./)
  t.notMatch(full?.text, /So far/)
  const partial = await notifications.compose(event('PAYMENT_REFUNDED', { paymentId: 'pay_1', orderId: 'ord_1', amount: 4500, currency: 'eur', amountRefunded: 1500, refundedNow: 1000, status: 'partially_refunded' }))
  t.match(partial?.text, /We refunded €10\.00/)
  t.match(partial?.text, /So far €15\.00 of the €45\.00 you paid has been refunded\./)
  t.match(partial?.html, /<strong>€10\.00<\/strong>/)
  t.equal(await notifications.compose(event('PAYMENT_REFUNDED', { paymentId: 'p', orderId: 'ord_1', amount: 4500, currency: 'usd', amountRefunded: 0, refundedNow: 0 })), undefined, 'nothing refunded: no email')
})

t.test('no email for other events and statuses; a malformed event or a missing order is an error (retried, then the DLQ)', async (t) => {
  const { notifications } = service()
  for (const status of ['pending', 'awaiting_payment', 'processing']) t.equal(await notifications.compose(statusEvent(status)), undefined, status)
  t.equal(await notifications.compose(event('ORDER_CREATED', { orderId: 'ord_1' })), undefined)
  t.equal(await notifications.compose(event('PAYMENT_CONFIRMED', { orderId: 'ord_1' })), undefined)
  await t.rejects(notifications.compose(statusEvent('confirmed', {}, 'ord_missing')), /order ord_missing not found/)
  await t.rejects(notifications.compose(event('USER_CREATED', { userId: 'u1', firstName: 'Ann' })), /email is not a non-empty string/)
  await t.rejects(notifications.compose(event('PAYMENT_REFUNDED', { orderId: 'ord_1', amount: '45', currency: 'usd', amountRefunded: 1, refundedNow: 1 })), /amount is not an integer/)
})

t.test('handle: sends the composed email once per event id', async (t) => {
  const { notifications, sent } = service()
  t.equal(await notifications.handle(statusEvent('confirmed')), true)
  t.equal(sent.length, 1)
  t.equal(await notifications.handle(statusEvent('confirmed')), false, 'the same event again: nothing')
  t.equal(sent.length, 1)
  t.equal(await notifications.handle(event('ORDER_STATUS_UPDATED', { orderId: 'ord_1', status: 'processing' }, 'evt-2')), false, 'nothing to send')
  t.equal(sent.length, 1)
})

t.test('lifetimes in words', async (t) => {
  t.equal(lifetimeInWords(3600), '1 hour')
  t.equal(lifetimeInWords(86_400), '24 hours')
  t.equal(lifetimeInWords(90), '2 minutes')
  t.equal(lifetimeInWords(60), '1 minute')
})
