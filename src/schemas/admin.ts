// Request and response schemas of the back-office routes (/admin/...). Lists reuse the shapes of the
// public ones: orders as GET /orders answers them, products with their stock bookkeeping.
import { Type } from '@sinclair/typebox'
import { LIST_LIMIT } from '../services/catalog-service'
import { ListOrdersQuery, OrderStatusSchema } from './orders'
import { AdminProductSchema } from './products'
import { UserSchema } from './users'

export const AdminOrdersQuery = Type.Object({
  status: Type.Optional({ ...OrderStatusSchema, description: 'Only orders in this status.' }),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this customer's orders." })),
  ...ListOrdersQuery.properties
})

export const AdminUsersQuery = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254, description: 'The exact email of the account (compared trimmed and lower-cased).' })
})

export const AdminUsersResponse = Type.Object({
  users: Type.Array(Type.Ref(UserSchema), { description: 'The account with this email, if any (never the password hash).' })
})

export const AdminProductsQuery = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) products; without it both, active ones first.' })),
  limit: Type.Optional(Type.Integer({ minimum: LIST_LIMIT.min, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })),
  lastKey: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The `lastKey` of the previous page (opaque).' }))
})

export const AdminProductListResponse = Type.Object({
  products: Type.Array(Type.Ref(AdminProductSchema)),
  lastKey: Type.Optional(Type.String({ description: 'Pass as `lastKey` to get the next page; absent on the last page.' }))
})
