// Orders: statuses, the allowed transitions, pricing from the catalog, and what each change of the
// stock reservation does to a product's counters. Pure functions, no I/O.
import { ValidationError } from './errors'

export const ORDER_STATUSES = ['pending', 'awaiting_payment', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export const CANCEL_REASONS = ['out_of_stock', 'payment_timeout', 'customer', 'admin', 'payment_failed'] as const
export type CancelReason = (typeof CANCEL_REASONS)[number]

/** none → reserved (saga) → committed (paid) ; reserved/committed → released (cancelled). */
export type ReservationState = 'none' | 'reserved' | 'committed' | 'released'

export interface OrderLine {
  productId: string
  name: string
  unitPrice: number
  quantity: number
  lineTotal: number
}

export interface ShippingAddress {
  street: string
  city: string
  postalCode: string
  country: string
}

export interface Order {
  id: string
  userId: string
  userEmail: string
  status: OrderStatus
  cancelReason?: CancelReason
  items: OrderLine[]
  currency: string
  subtotal: number
  total: number
  shippingAddress: ShippingAddress
  reservation: ReservationState
  /** The saga's AwaitPayment callback token; never leaves the services. */
  paymentTaskToken?: string
  paymentId?: string
  /** The payment attempt that holds the order (one at a time); never leaves the services. */
  paymentLock?: string
  /**
   * When the payment window was closed (the saga's timeout path or the recovery sweeper, through
   * OrderRepository.closePaymentWindow): from then on no new payment may take the order. Internal.
   */
  paymentWindowClosedAt?: string
  /**
   * Set by the write that cancels an order that may have been paid; removed once a refund intent is
   * written for every payment of it. Read by the recovery sweeper through the sparse index
   * byRefundDue, so a crash between the cancel and the refund intent never keeps the money.
   */
  refundDueAt?: string
  /** The partition key of byRefundDue: present, always REFUND_DUE, exactly when refundDueAt is. */
  refundDue?: typeof REFUND_DUE
  /**
   * The partition key of byCreatedAt (every order, newest first, for the back office): always
   * ORDER_KIND, written by the repository when the order is stored. Internal.
   */
  kind?: typeof ORDER_KIND
  /** How the order travels; set (with shippedAt) by the admin move to `shipped`. */
  shipment?: Shipment
  shippedAt?: string
  deliveredAt?: string
  createdAt: string
  updatedAt: string
}

export interface Shipment {
  carrier: string
  trackingNumber: string
  /** An https link to the carrier's tracking page. */
  trackingUrl?: string
}

/** The one value of `refundDue` (a constant partition: the index holds only orders owing a refund, few at a time). */
export const REFUND_DUE = 'due' as const

/** The one value of `kind`: a constant partition of byCreatedAt, so one index holds every order by time. */
export const ORDER_KIND = 'order' as const

const NEXT: Record<OrderStatus, OrderStatus[]> = {
  pending: ['awaiting_payment', 'cancelled'],
  awaiting_payment: ['confirmed', 'cancelled'],
  confirmed: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: []
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to)
}

export const CANCELLABLE: readonly OrderStatus[] = ORDER_STATUSES.filter((status) => canTransition(status, 'cancelled'))

/** Statuses an admin may set by hand with PUT /orders/{id}/status (the saga owns the others). */
export const ADMIN_SETTABLE: readonly OrderStatus[] = ['processing', 'shipped', 'delivered', 'cancelled']

/** What an admin status change stores besides the status: the shipment and when it left, or when it arrived. */
export interface StatusDetails {
  shipment?: Shipment
  shippedAt?: string
  deliveredAt?: string
}

/**
 * The fields stored with an admin move to `status` at `now`: `shipped` needs the shipment (carrier,
 * tracking number, an https tracking link if any) and records shippedAt; `delivered` records
 * deliveredAt. A shipment with any other status is refused rather than silently dropped.
 */
export function statusDetails(status: OrderStatus, shipment: Shipment | undefined, now: string): StatusDetails {
  if (status !== 'shipped') {
    if (shipment !== undefined) throw new ValidationError('shipment is only given with status shipped', { field: 'shipment' })
    return status === 'delivered' ? { deliveredAt: now } : {}
  }
  if (shipment === undefined) throw new ValidationError('status shipped requires shipment {carrier, trackingNumber, trackingUrl?}', { field: 'shipment' })
  if (shipment.trackingUrl !== undefined && !isHttpsUrl(shipment.trackingUrl)) {
    throw new ValidationError('shipment.trackingUrl must be an https URL', { field: 'shipment.trackingUrl' })
  }
  const { carrier, trackingNumber, trackingUrl } = shipment
  return { shipment: { carrier, trackingNumber, ...(trackingUrl === undefined ? {} : { trackingUrl }) }, shippedAt: now }
}

function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === ''
  } catch {
    return false
  }
}

export const MAX_LINES = 50
export const MAX_QUANTITY = 100

export interface RequestedLine {
  productId: string
  quantity: number
}

/** Duplicate lines of one product are merged; the merged quantity must still be within bounds. */
export function mergeLines(lines: RequestedLine[]): RequestedLine[] {
  const merged = new Map<string, number>()
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity)
  const result = [...merged].map(([productId, quantity]) => ({ productId, quantity }))
  const tooMany = result.find((line) => line.quantity > MAX_QUANTITY)
  if (tooMany) throw new ValidationError(`quantity of product ${tooMany.productId} exceeds ${MAX_QUANTITY}`, { field: 'items' })
  return result
}

export interface CatalogEntry {
  id: string
  name: string
  price: number
  currency: string
  active: boolean
}

/** Prices every line from the catalog (never from the client) in integer minor units. */
export function priceLines(lines: RequestedLine[], catalog: Map<string, CatalogEntry>): { items: OrderLine[]; currency: string; subtotal: number } {
  const items: OrderLine[] = []
  let currency: string | undefined
  for (const line of lines) {
    const product = catalog.get(line.productId)
    if (!product || !product.active) {
      throw new ValidationError(`unknown product ${line.productId}`, { field: 'items', productId: line.productId })
    }
    currency ??= product.currency
    if (product.currency !== currency) {
      throw new ValidationError(`product ${line.productId} is priced in ${product.currency}, not ${currency}; one order has one currency`, { field: 'items' })
    }
    const lineTotal = product.price * line.quantity
    if (!Number.isSafeInteger(lineTotal)) throw new ValidationError('order total is too large', { field: 'items' })
    items.push({ productId: product.id, name: product.name, unitPrice: product.price, quantity: line.quantity, lineTotal })
  }
  const subtotal = items.reduce((sum, item) => sum + item.lineTotal, 0)
  return { items, currency: currency as string, subtotal }
}

export interface StockDelta {
  stock: number
  reserved: number
  available: number
}

/** How a product's counters change when `quantity` units of an order move between reservation states. */
export function stockDelta(from: ReservationState, to: ReservationState, quantity: number): StockDelta {
  const key = `${from}->${to}`
  switch (key) {
    case 'none->reserved':
      return { stock: 0, reserved: quantity, available: -quantity }
    case 'reserved->committed':
      return { stock: -quantity, reserved: -quantity, available: 0 }
    case 'reserved->released':
      return { stock: 0, reserved: -quantity, available: quantity }
    case 'committed->released':
      return { stock: quantity, reserved: 0, available: quantity }
    default:
      return { stock: 0, reserved: 0, available: 0 }
  }
}
