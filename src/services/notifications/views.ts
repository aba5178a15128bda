// The values each email template places, computed here (typed, formatted for people) so that the
// templates stay logic-less: money through formatMoney (its currency's decimals), cancel reasons in
// words, links built from PUBLIC_BASE_URL, a tracking link only when it is https.
import { formatMoney } from '../../domain/money'
import type { CancelReason, Order, Shipment } from '../../domain/order'

export interface LinkView {
  firstName: string
  link: string
  /** How long the link works, in words ("24 hours"). */
  expires: string
}

/** `${base}${path}?token=…`, whatever trailing slash the base has. */
export function tokenLink(publicBaseUrl: string, path: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`
}

/** 3600 → "1 hour", 86400 → "24 hours", 90 → "2 minutes" (rounded up: a link never lives shorter than said). */
export function lifetimeInWords(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.ceil(seconds / 60), 'minute']
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`
}

export interface OrderView {
  orderId: string
  lines: Array<{ name: string; quantity: number; unitPrice: string; lineTotal: string }>
  subtotal: string
  total: string
  address: { street: string; city: string; postalCode: string; country: string }
}

export function orderView(order: Order): OrderView {
  const money = (amount: number) => formatMoney(amount, order.currency)
  return {
    orderId: order.id,
    lines: order.items.map((line) => ({ name: line.name, quantity: line.quantity, unitPrice: money(line.unitPrice), lineTotal: money(line.lineTotal) })),
    subtotal: money(order.subtotal),
    total: money(order.total),
    address: { ...order.shippingAddress }
  }
}

export interface ShippedView {
  orderId: string
  carrier?: string
  trackingNumber?: string
  /** Only an https link is ever placed in an email (anything else is left out, not linked). */
  trackingUrl?: string
}

export function shippedView(orderId: string, shipment: Shipment | undefined): ShippedView {
  if (!shipment) return { orderId }
  const trackingUrl = shipment.trackingUrl !== undefined && isHttps(shipment.trackingUrl) ? shipment.trackingUrl : undefined
  return { orderId, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, ...(trackingUrl ? { trackingUrl } : {}) }
}

function isHttps(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:'
  } catch {
    return false
  }
}

/** Why an order was cancelled, in words that complete "… because …". */
export const CANCEL_REASON_WORDS: Record<CancelReason, string> = {
  out_of_stock: 'some items were out of stock',
  payment_timeout: 'payment was not received in time',
  customer: 'you cancelled it',
  admin: 'it was cancelled by our team',
  payment_failed: 'the payment failed'
}

export interface CancelledView {
  orderId: string
  total: string
  reason: string
  /** The order may have been paid: say that a refund follows (in its own email). */
  mayBePaid: boolean
}

export function cancelledView(order: Order, reason: CancelReason | undefined): CancelledView {
  return {
    orderId: order.id,
    total: formatMoney(order.total, order.currency),
    reason: CANCEL_REASON_WORDS[reason ?? order.cancelReason ?? 'admin'],
    mayBePaid: order.paymentId !== undefined
  }
}

export interface RefundedView {
  orderId: string
  /** This refund. */
  amount: string
  /** Everything refunded so far, and what was paid: said only when the refund is partial. */
  partial?: { refunded: string; paid: string }
}

export function refundedView(orderId: string, refund: { refundedNow: number; amountRefunded: number; amount: number; currency: string }): RefundedView {
  const money = (amount: number) => formatMoney(amount, refund.currency)
  const partial = refund.amountRefunded < refund.amount ? { partial: { refunded: money(refund.amountRefunded), paid: money(refund.amount) } } : {}
  return { orderId, amount: money(refund.refundedNow), ...partial }
}
