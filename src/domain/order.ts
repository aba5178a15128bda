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
  createdAt: string
  updatedAt: string
}

/** The one value of `refundDue` (a constant partition: the index holds only orders owing a refund, few at a time). */
export const REFUND_DUE = 'due' as const

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
