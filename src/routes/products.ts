// Products routes: the public catalog and admin product management. HTTP shapes and status codes
// only; rules live in CatalogService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorRef } from '../schemas/common'
import {
  AdminProductResponse,
  CreateProductBody,
  ListProductsQuery,
  ProductIdParams,
  ProductListResponse,
  ProductResponse,
  UpdateProductBody
} from '../schemas/products'
import type { CatalogService } from '../services/catalog-service'

export interface ProductsRoutesOptions {
  catalog: CatalogService
}

export const productsRoutes: FastifyPluginAsyncTypebox<ProductsRoutesOptions> = async (app, { catalog }) => {
  const tags = ['products']

  app.get(
    '/products',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'List active products, a page at a time', querystring: ListProductsQuery, response: { 200: ProductListResponse, 400: ErrorRef } }
    },
    async (request) => catalog.list({ limit: request.query.limit, lastKey: request.query.lastKey })
  )

  app.get(
    '/products/:id',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'An active product', params: ProductIdParams, response: { 200: ProductResponse, 400: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ product: await catalog.get(request.params.id) })
  )

  app.post(
    '/products',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Create a product (admin)',
        body: CreateProductBody,
        response: { 201: AdminProductResponse, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef }
      }
    },
    async (request, reply) => reply.code(201).send({ product: await catalog.create(request.body) })
  )

  app.patch(
    '/products/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Update a product, including its stock (admin)',
        description: 'Only the fields given change. Stock cannot go below the units reserved by open orders (409).',
        params: ProductIdParams,
        body: UpdateProductBody,
        response: { 200: AdminProductResponse, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef }
      }
    },
    async (request) => ({ product: await catalog.update(request.params.id, request.body) })
  )
}
