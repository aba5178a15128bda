// The baseline of the platform benchmark's cold starts (issue 10): the least a Lambda of this shape
// needs — Fastify behind @fastify/aws-lambda, the DynamoDB document client, and 22 routes with
// TypeBox schemas (params, query strings, bodies, responses) like our API's — and nothing else: no
// config, auth, logging, outbox, Stripe or SES. bench/baseline/build.mjs bundles it with the same
// esbuild settings as scripts/build.mjs gives dist/lambda.mjs. Only GET /health is ever invoked; the
// other handlers exist so that their schemas are compiled at start-up, as ours are.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import awsLambdaFastify from '@fastify/aws-lambda'
import { Type, type TSchema } from '@sinclair/typebox'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import Fastify, { type FastifyInstance } from 'fastify'

// Built at init, as a real Lambda would; no request is sent until a route other than /health runs.
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })
const table = (name: string) => process.env[name] ?? name

const Id = Type.String({ format: 'uuid' })
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const Email = Type.String({ format: 'email', maxLength: 254 })
const Password = Type.String({ minLength: 8, maxLength: 128 })
const Money = Type.Integer({ minimum: 0, maximum: 100_000_000 })
const Currency = Type.String({ pattern: '^[a-z]{3}$' })
const Timestamp = Type.String({ format: 'date-time' })
const Page = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  lastKey: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 }))
})
const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() })

const User = Type.Object({ id: Id, email: Email, firstName: Type.String(), lastName: Type.String(), role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]), createdAt: Timestamp })
const Tokens = Type.Object({ token: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer() })
const Product = Type.Object({ id: Id, name: Type.String(), description: Type.String(), price: Money, currency: Currency, available: Type.Integer({ minimum: 0 }) })
const ProductBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 2000 }),
  price: Money,
  currency: Currency,
  stock: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  active: Type.Optional(Type.Boolean({ default: true }))
})
const OrderStatus = Type.Union(['pending', 'awaiting_payment', 'confirmed', 'cancelled'].map((status) => Type.Literal(status)))
const Order = Type.Object({
  id: Id,
  userId: Id,
  status: OrderStatus,
  items: Type.Array(Type.Object({ productId: Id, quantity: Type.Integer({ minimum: 1 }), unitPrice: Money })),
  total: Money,
  currency: Currency,
  createdAt: Timestamp,
  updatedAt: Timestamp
})
const Payment = Type.Object({ id: Id, orderId: Id, status: Type.String(), amount: Money, currency: Currency, createdAt: Timestamp })
const list = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), lastKey: Type.Optional(Type.String()) })

function routes(app: FastifyInstance): void {
  const get = async (tableName: string, id: string) => (await documents.send(new GetCommand({ TableName: table(tableName), Key: { id } }))).Item ?? {}
  const put = async (tableName: string, item: Record<string, unknown>) => {
    await documents.send(new PutCommand({ TableName: table(tableName), Item: item }))
    return item
  }
  const query = async (tableName: string, userId: string) => ({
    items: (await documents.send(new QueryCommand({ TableName: table(tableName), IndexName: 'byUser', KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId } }))).Items ?? []
  })
  const setStatus = async (tableName: string, id: string, status: string) =>
    (await documents.send(new UpdateCommand({ TableName: table(tableName), Key: { id }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': status }, ReturnValues: 'ALL_NEW' }))).Attributes ?? {}

  app.get('/health', { schema: { response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }))
  app.get('/health/ready', { schema: { response: { 200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }), 503: ErrorBody } } }, async () => {
    await get('USERS_TABLE', 'probe')
    return { status: 'ok', checks: { tableStore: 'ok' } }
  })

  const register = Type.Object({ email: Email, password: Password, firstName: Type.String({ minLength: 1, maxLength: 100 }), lastName: Type.String({ minLength: 1, maxLength: 100 }) })
  app.post('/users/register', { schema: { body: register, response: { 201: Type.Object({ user: User }), 409: ErrorBody } } }, async (request) => ({ user: await put('USERS_TABLE', request.body as Record<string, unknown>) }))
  app.post('/users/login', { schema: { body: Type.Object({ email: Email, password: Password }), response: { 200: Tokens, 401: ErrorBody } } }, async (request) => get('USERS_TABLE', (request.body as { email: string }).email))
  app.post('/users/token/refresh', { schema: { body: Type.Object({ refreshToken: Type.String({ minLength: 1 }) }), response: { 200: Tokens, 401: ErrorBody } } }, async (request) => get('SESSIONS_TABLE', (request.body as { refreshToken: string }).refreshToken))
  app.post('/users/logout', { schema: { body: Type.Object({ refreshToken: Type.String({ minLength: 1 }) }), response: { 204: Type.Null() } } }, async (request, reply) => {
    await documents.send(new DeleteCommand({ TableName: table('SESSIONS_TABLE'), Key: { id: (request.body as { refreshToken: string }).refreshToken } }))
    return reply.code(204).send()
  })
  app.post('/users/verify-email', { schema: { body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }), response: { 200: Type.Object({ verified: Type.Boolean() }) } } }, async (request) => {
    await setStatus('USERS_TABLE', (request.body as { token: string }).token, 'verified')
    return { verified: true }
  })
  app.get('/users/me', { schema: { headers: Type.Object({ authorization: Type.String({ pattern: '^Bearer ' }) }), response: { 200: Type.Object({ user: User }), 401: ErrorBody } } }, async (request) => ({ user: await get('USERS_TABLE', request.headers.authorization ?? '') }))
  app.get('/users/:id', { schema: { params: IdParams, response: { 200: Type.Object({ user: User }), 404: ErrorBody } } }, async (request) => ({ user: await get('USERS_TABLE', (request.params as { id: string }).id) }))

  app.get('/products', { schema: { querystring: Page, response: { 200: list(Product) } } }, async () => query('PRODUCTS_TABLE', 'catalog'))
  app.get('/products/:id', { schema: { params: IdParams, response: { 200: Product, 404: ErrorBody } } }, async (request) => get('PRODUCTS_TABLE', (request.params as { id: string }).id))
  app.post('/products', { schema: { body: ProductBody, response: { 201: Product, 403: ErrorBody } } }, async (request) => put('PRODUCTS_TABLE', request.body as Record<string, unknown>))
  app.put('/products/:id', { schema: { params: IdParams, body: Type.Partial(ProductBody, { minProperties: 1 }), response: { 200: Product, 404: ErrorBody } } }, async (request) => put('PRODUCTS_TABLE', { ...(request.body as object), ...(request.params as object) }))

  const orderBody = Type.Object({ items: Type.Array(Type.Object({ productId: Id, quantity: Type.Integer({ minimum: 1, maximum: 100 }) }), { minItems: 1, maxItems: 50 }) })
  const idempotency = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 255 })) })
  app.post('/orders', { schema: { headers: idempotency, body: orderBody, response: { 201: Order, 409: ErrorBody } } }, async (request) => put('ORDERS_TABLE', request.body as Record<string, unknown>))
  app.get('/orders', { schema: { querystring: Type.Intersect([Page, Type.Object({ status: Type.Optional(OrderStatus) })]), response: { 200: list(Order) } } }, async () => query('ORDERS_TABLE', 'me'))
  app.get('/orders/:id', { schema: { params: IdParams, response: { 200: Order, 404: ErrorBody } } }, async (request) => get('ORDERS_TABLE', (request.params as { id: string }).id))
  app.post('/orders/:id/cancel', { schema: { params: IdParams, response: { 200: Order, 409: ErrorBody } } }, async (request) => setStatus('ORDERS_TABLE', (request.params as { id: string }).id, 'cancelled'))
  app.patch('/orders/:id/status', { schema: { params: IdParams, body: Type.Object({ status: OrderStatus }), response: { 200: Order, 409: ErrorBody } } }, async (request) =>
    setStatus('ORDERS_TABLE', (request.params as { id: string }).id, (request.body as { status: string }).status))

  app.post('/payments', { schema: { headers: idempotency, body: Type.Object({ orderId: Id, paymentMethodId: Type.String({ minLength: 1, maxLength: 255 }) }), response: { 200: Payment, 402: ErrorBody } } }, async (request) =>
    put('PAYMENTS_TABLE', request.body as Record<string, unknown>))
  app.get('/payments/:id', { schema: { params: IdParams, response: { 200: Payment, 404: ErrorBody } } }, async (request) => get('PAYMENTS_TABLE', (request.params as { id: string }).id))
  app.post('/payments/:id/refunds', { schema: { params: IdParams, headers: idempotency, body: Type.Object({ amount: Type.Optional(Money), reason: Type.Optional(Type.String({ maxLength: 500 })) }), response: { 202: Payment, 409: ErrorBody } } }, async (request) =>
    setStatus('PAYMENTS_TABLE', (request.params as { id: string }).id, 'refund_pending'))
  app.post('/webhooks/stripe', { schema: { headers: Type.Object({ 'stripe-signature': Type.String({ minLength: 1 }) }), response: { 200: Type.Object({ received: Type.Boolean() }) } } }, async (request) => {
    await put('PAYMENTS_TABLE', { id: request.id, kind: 'webhook' })
    return { received: true }
  })
}

const app = Fastify({ logger: false })
routes(app)
const proxy = awsLambdaFastify<APIGatewayProxyEvent>(app, { decorateRequest: false, callbackWaitsForEmptyEventLoop: false })
// Lambda's init phase: schemas are compiled here, before the first event, as in src/lambda.ts.
const ready = app.ready()

export const handler = async (event: APIGatewayProxyEvent, context: Context) => {
  await ready
  return proxy(event, context)
}
