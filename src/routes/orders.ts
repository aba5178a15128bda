// Orders routes: HTTP shapes and status codes only; rules live in OrderService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../plugins/auth-guard'
import { replyIdempotently } from '../plugins/idempotency-key'
import { ErrorRef } from '../schemas/common'
import { ListOrdersQuery, ORDERS_PAGE_DEFAULT, OrderIdParams, OrderListResponse, OrderResponse, PlaceOrderBody, SetStatusBody } from '../schemas/orders'
import type { Idempotency } from '../services/idempotency'
import type { OrderService } from '../services/order-service'

export interface OrdersRoutesOptions {
  orders: OrderService
  idempotency: Idempotency
}

export const ordersRoutes: FastifyPluginAsyncTypebox<OrdersRoutesOptions> = async (app, { orders, idempotency }) => {
  const tags = ['orders']

  app.post(
    '/orders',
    {
      config: { auth: 'customer', idempotencyKey: 'optional' },
      schema: {
        tags,
        summary: 'Place an order (priced from the catalog); optional Idempotency-Key header',
        body: PlaceOrderBody,
        response: { 201: OrderResponse, 400: ErrorRef, 401: ErrorRef, 409: ErrorRef, 422: ErrorRef }
      }
    },
    async (request, reply) => {
      const caller = principalOf(request)
      return replyIdempotently(request, reply, idempotency, `orders:${caller.userId}`, request.body, async () => ({
        statusCode: 201,
        body: { order: await orders.place(caller, request.body, request.id, request.idempotencyKey) }
      }))
    }
  )

  app.get(
    '/orders',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: "The caller's orders, newest first", querystring: ListOrdersQuery, response: { 200: OrderListResponse, 400: ErrorRef, 401: ErrorRef } }
    },
    // The validator has already filled in the default; the fallback only satisfies the optional type.
    async (request) => orders.list(principalOf(request), request.query.limit ?? ORDERS_PAGE_DEFAULT, request.query.lastKey)
  )

  app.get(
    '/orders/:id',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'An order (owner or admin)', params: OrderIdParams, response: { 200: OrderResponse, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ order: await orders.get(principalOf(request), request.params.id) })
  )

  app.post(
    '/orders/:id/cancel',
    {
      config: { auth: 'customer' },
      schema: {
        tags,
        summary: 'Cancel an order before shipment (owner or admin); releases its stock',
        params: OrderIdParams,
        response: { 200: OrderResponse, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef, 409: ErrorRef }
      }
    },
    async (request) => ({ order: await orders.cancel(principalOf(request), request.params.id, request.id) })
  )

  app.put(
    '/orders/:id/status',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Move an order along the allowed transitions (admin)',
        description: '`shipped` requires `shipment` (carrier, tracking number, an https tracking link if any), stored with `shippedAt`; `delivered` stores `deliveredAt`.',
        params: OrderIdParams,
        body: SetStatusBody,
        response: { 200: OrderResponse, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef }
      }
    },
    async (request) => ({ order: await orders.setStatus(request.params.id, request.body.status, request.id, request.body.shipment) })
  )
}
