// Request and response schemas of the products routes. Limits come from domain/product.ts, which the
// service also enforces, so the two cannot drift.
import { Type, type Static } from '@sinclair/typebox'
import { PRODUCT_LIMITS } from '../domain/product'
import { LIST_LIMIT } from '../services/catalog-service'

const Id = Type.String({ format: 'uuid' })
const Name = Type.String({ minLength: 1, maxLength: PRODUCT_LIMITS.nameMaxLength, pattern: '\\S' })
const Description = Type.String({ maxLength: PRODUCT_LIMITS.descriptionMaxLength })
const Price = Type.Integer({ minimum: 0, maximum: PRODUCT_LIMITS.priceMax, description: 'Integer minor units of the currency (e.g. cents).' })
const Currency = Type.String({ pattern: PRODUCT_LIMITS.currencyPattern, description: 'Lower-case ISO 4217 code, e.g. usd.' })
const Stock = Type.Integer({ minimum: 0, maximum: PRODUCT_LIMITS.stockMax, description: 'Units on hand.' })
const Active = Type.Boolean({ description: 'Inactive products are hidden from the public catalog and cannot be ordered.' })
const Available = Type.Integer({ minimum: 0, description: 'Units that can be ordered now (stock minus units reserved by open orders).' })

export const ProductSchema = Type.Object(
  { id: Id, name: Type.String(), description: Type.String(), price: Price, currency: Currency, available: Available },
  { $id: 'Product' }
)

/** What admins see: the public fields plus stock bookkeeping and status. */
export const AdminProductSchema = Type.Object(
  {
    ...ProductSchema.properties,
    stock: Stock,
    reserved: Type.Integer({ minimum: 0, description: 'Units held by unpaid orders.' }),
    active: Active,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' })
  },
  { $id: 'AdminProduct' }
)

export const ProductIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

export const ListProductsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: LIST_LIMIT.min, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })),
  lastKey: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The `lastKey` of the previous page (opaque).' }))
})

export const CreateProductBody = Type.Object({
  name: Name,
  description: Description,
  price: Price,
  currency: Currency,
  stock: Stock,
  active: Type.Optional(Type.Boolean({ default: true, description: Active.description }))
}, { additionalProperties: false })
export type CreateProductBody = Static<typeof CreateProductBody>

export const UpdateProductBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    price: Type.Optional(Price),
    currency: Type.Optional(Currency),
    stock: Type.Optional(Stock),
    active: Type.Optional(Active)
  },
  { minProperties: 1, additionalProperties: false }
)
export type UpdateProductBody = Static<typeof UpdateProductBody>

export const ProductResponse = Type.Object({ product: Type.Ref(ProductSchema) })
export const AdminProductResponse = Type.Object({ product: Type.Ref(AdminProductSchema) })

export const ProductListResponse = Type.Object({
  products: Type.Array(Type.Ref(ProductSchema)),
  lastKey: Type.Optional(Type.String({ description: 'Pass as `lastKey` to get the next page; absent on the last page.' }))
})
