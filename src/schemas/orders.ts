// Request and response schemas of the orders routes.
import { Type, type Static } from '@sinclair/typebox'
import { CANCEL_REASONS, MAX_LINES, MAX_QUANTITY, ORDER_STATUSES } from '../domain/order'
import { literalUnion } from './literal-union'

export const OrderStatusSchema = literalUnion(ORDER_STATUSES)

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' })

// Request bodies refuse unknown properties (additionalProperties: false): what is sent is stored, so
// an unknown field would be kept in the order as sent, and keys DynamoDB cannot store ("" or a 70 KB
// name) would fail the write with a 500.
export const ShippingAddressSchema = Type.Object(
  {
    street: Text(200),
    city: Text(100),
    postalCode: Text(20),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code, e.g. US.' })
  },
  { additionalProperties: false }
)

export const ShipmentSchema = Type.Object(
  {
    carrier: Text(100),
    trackingNumber: Text(100),
    // The pattern is the documented rule; the service checks it is a real https URL too.
    trackingUrl: Type.Optional(Type.String({ maxLength: 2048, format: 'uri', pattern: '^https://', description: 'An https link to the tracking page.' }))
  },
  { additionalProperties: false }
)

export const PlaceOrderBody = Type.Object({
  items: Type.Array(
    Type.Object({
      productId: Type.String({ minLength: 1, maxLength: 64 }),
      quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY })
    }, { additionalProperties: false }),
    { minItems: 1, maxItems: MAX_LINES, description: 'Prices come from the catalog: a line is a product and a quantity, nothing else.' }
  ),
  shippingAddress: ShippingAddressSchema
}, { additionalProperties: false })
export type PlaceOrderBody = Static<typeof PlaceOrderBody>

export const OrderSchema = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    status: OrderStatusSchema,
    cancelReason: Type.Optional(literalUnion(CANCEL_REASONS)),
    items: Type.Array(
      Type.Object({
        productId: Type.String(),
        name: Type.String(),
        unitPrice: Type.Integer({ description: 'Minor units.' }),
        quantity: Type.Integer(),
        lineTotal: Type.Integer({ description: 'Minor units.' })
      })
    ),
    currency: Type.String(),
    subtotal: Type.Integer({ description: 'Minor units.' }),
    total: Type.Integer({ description: 'Minor units.' }),
    shippingAddress: ShippingAddressSchema,
    paymentId: Type.Optional(Type.String()),
    shipment: Type.Optional(ShipmentSchema),
    shippedAt: Type.Optional(Type.String({ format: 'date-time' })),
    deliveredAt: Type.Optional(Type.String({ format: 'date-time' })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' })
  },
  { $id: 'Order' }
)

export const OrderResponse = Type.Object({ order: Type.Ref(OrderSchema) })

export const OrderIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** Orders per page of GET /orders when the query does not say. */
export const ORDERS_PAGE_DEFAULT = 20

// `limit` is optional: the validator fills in the default (useDefaults), and the document says so.
export const ListOrdersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: ORDERS_PAGE_DEFAULT })),
  lastKey: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The `lastKey` of the previous page (opaque).' }))
})

export const OrderListResponse = Type.Object({
  orders: Type.Array(Type.Ref(OrderSchema)),
  count: Type.Integer(),
  lastKey: Type.Optional(Type.String())
})

export const SetStatusBody = Type.Object(
  {
    status: OrderStatusSchema,
    shipment: Type.Optional(
      Type.Object(ShipmentSchema.properties, { additionalProperties: false, description: 'Required with status `shipped` (400 without), refused with any other status.' })
    )
  },
  { additionalProperties: false }
)
