// Back-office routes (admin only): orders of every customer, an account by email, and the whole
// catalog with its stock bookkeeping. HTTP shapes and status codes only; rules live in AdminService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AdminOrdersQuery, AdminProductListResponse, AdminProductsQuery, AdminUsersQuery, AdminUsersResponse } from '../schemas/admin'
import { ErrorRef } from '../schemas/common'
import { ORDERS_PAGE_DEFAULT, OrderListResponse } from '../schemas/orders'
import { AdminProductResponse, ProductIdParams } from '../schemas/products'
import type { AdminService } from '../services/admin-service'
import { LIST_LIMIT } from '../services/catalog-service'

export interface AdminRoutesOptions {
  admin: AdminService
}

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { admin }) => {
  const tags = ['admin']
  const denied = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef }

  app.get(
    '/admin/orders',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Orders of every customer, newest first: all, one status, one customer, or both (admin)',
        description: 'Read from indexes, never a table scan. `lastKey` belongs to one combination of filters; with others it is refused (400).',
        querystring: AdminOrdersQuery,
        response: { 200: OrderListResponse, ...denied }
      }
    },
    // The validator has already filled in the default; the fallback only satisfies the optional type.
    async (request) => admin.listOrders({ ...request.query, limit: request.query.limit ?? ORDERS_PAGE_DEFAULT })
  )

  app.get(
    '/admin/users',
    {
      config: { auth: 'admin' },
      schema: { tags, summary: 'The account with this email, if any (admin)', querystring: AdminUsersQuery, response: { 200: AdminUsersResponse, ...denied } }
    },
    async (request) => admin.findUsers(request.query.email)
  )

  app.get(
    '/admin/products',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Every product, active or not, with its stock bookkeeping, newest first (admin)',
        querystring: AdminProductsQuery,
        response: { 200: AdminProductListResponse, ...denied }
      }
    },
    async (request) => admin.listProducts({ ...request.query, limit: request.query.limit ?? LIST_LIMIT.default })
  )

  app.get(
    '/admin/products/:id',
    {
      config: { auth: 'admin' },
      schema: { tags, summary: 'A product, active or not, with its stock bookkeeping (admin)', params: ProductIdParams, response: { 200: AdminProductResponse, ...denied, 404: ErrorRef } }
    },
    async (request) => ({ product: await admin.getProduct(request.params.id) })
  )
}
