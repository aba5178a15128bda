// Integration tests of the Fastify core through HTTP (inject) on the embedded runtime: health,
// docs, error shapes, correlation ids, CORS and the deny-by-default auth guard.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { build } from '../helpers/build'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('GET /health and /health/ready', async (t) => {
  const { app } = await build(t)
  const live = await app.inject({ method: 'GET', url: '/health' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', checks: { tableStore: 'ok' } })
})

t.test('/health/ready reports 503 when the table store is down', async (t) => {
  const { app, runtime } = await build(t)
  // Deleting the table the probe checks makes the table store unready without stopping the shared engine.
  const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb')
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb')
  const client = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })
  await client.send(new DeleteTableCommand({ TableName: runtime.config.USERS_TABLE }))
  client.destroy()
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { status: 'unavailable', checks: { tableStore: 'down' } })
})

t.test('docs UI and OpenAPI document', async (t) => {
  const { app } = await build(t)
  const doc = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(doc.statusCode, 200)
  t.equal(doc.json().openapi, '3.0.3')
  t.ok(doc.json().paths['/health'], 'documents /health')
  t.notOk(doc.json().paths['/_local/mailbox'], 'local routes are not documented')
  const ui = await app.inject({ method: 'GET', url: '/docs' })
  t.ok([200, 302].includes(ui.statusCode), `docs UI answers (${ui.statusCode})`)
  const page = ui.statusCode === 302 ? await app.inject({ method: 'GET', url: ui.headers.location as string }) : ui
  t.match(page.body, /swagger/i)
})

t.test('unknown route → 404 in the error shape with the correlation id', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/nope?x=1', headers: { 'x-correlation-id': 'abc-123' } })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'NotFound', message: 'Route GET /nope not found', requestId: 'abc-123' })
  t.equal(res.headers['x-correlation-id'], 'abc-123')
})

t.test('correlation id: echoed when well formed, generated otherwise, on every log line', async (t) => {
  const { app, logs } = await build(t)
  const echoed = await app.inject({ method: 'GET', url: '/health', headers: { 'x-correlation-id': 'req-42' } })
  t.equal(echoed.headers['x-correlation-id'], 'req-42')
  const generated = await app.inject({ method: 'GET', url: '/health' })
  t.match(generated.headers['x-correlation-id'], UUID)
  const hostile = await app.inject({ method: 'GET', url: '/health', headers: { 'x-correlation-id': 'bad id\nwith newline' } })
  t.match(hostile.headers['x-correlation-id'], UUID, 'a malformed id is replaced')
  const lines = logs.lines.filter((line) => line.correlationId === 'req-42')
  t.ok(lines.length >= 2, 'request and response log lines carry the correlation id')
})

t.test('validation: invalid JSON, wrong type, missing field, wrong content type → 400/415 with the field', async (t) => {
  const { app } = await build(t, {
    extend: (app) => {
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/echo',
        { config: { auth: 'public' }, schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) }) } },
        async (request) => request.body
      )
    }
  })
  const badJson = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": ' })
  t.equal(badJson.statusCode, 400)
  t.equal(badJson.json().error, 'BadRequest')
  t.match(badJson.json().message, /JSON/i)
  t.ok(badJson.json().requestId)

  const wrongType = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x', quantity: 'many' } })
  t.equal(wrongType.statusCode, 400)
  t.equal(wrongType.json().error, 'ValidationError')
  t.equal(wrongType.json().field, 'quantity')
  t.match(wrongType.json().message, /body\.quantity/)

  const missing = await app.inject({ method: 'POST', url: '/echo', payload: { quantity: 1 } })
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().field, 'name')

  const notJson = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/xml' }, payload: '<a/>' })
  t.equal(notJson.statusCode, 415)
  t.equal(notJson.json().error, 'UnsupportedMediaType')

  const ok = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x', quantity: 2 } })
  t.equal(ok.statusCode, 200)
})

t.test('an unexpected error → 500 with a generic message, logged with the correlation id', async (t) => {
  const { app, logs } = await build(t, {
    extend: (app) => {
      app.get('/boom', { config: { auth: 'public' } }, async () => {
        throw new Error('secret internal detail')
      })
    }
  })
  const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-correlation-id': 'boom-1' } })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: 'InternalError', message: 'An unexpected error occurred.', requestId: 'boom-1' })
  t.notMatch(res.body, /secret internal detail/)
  const logged = logs.lines.find((line) => line.correlationId === 'boom-1' && line.level === 50)
  t.ok(logged, 'the error is logged at error level with the correlation id')
  t.match(JSON.stringify(logged), /secret internal detail/)
})

t.test('auth guard: undeclared route fails at startup; non-public routes deny without a principal', async (t) => {
  await t.rejects(
    build(t, { extend: (app) => void app.get('/open', async () => 'oops') }),
    /GET \/open declares no auth level/
  )
  const { app } = await build(t, {
    extend: (app) => {
      app.get('/mine', { config: { auth: 'customer' } }, async () => 'secret')
      app.get('/admin-only', { config: { auth: 'admin' } }, async () => 'secret')
    }
  })
  for (const url of ['/mine', '/admin-only']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 401, url)
    t.equal(res.json().error, 'Unauthorized')
    t.notMatch(res.body, /secret/)
  }
})

t.test('CORS: configured origins only', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: 'https://shop.example' } })
  const allowed = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://shop.example' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://shop.example')
  const denied = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } })
  t.notOk(denied.headers['access-control-allow-origin'])
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/health',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' }
  })
  t.equal(preflight.statusCode, 204)
})

t.test('local mailbox route exists only on the embedded runtime', async (t) => {
  const { app, runtime } = await build(t)
  await runtime.mailbox.send({ to: 'a@example.com', subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' })
  const res = await app.inject({ method: 'GET', url: '/_local/mailbox' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { messages: [{ to: 'a@example.com', subject: 'Hi', text: 'Hello', html: '<p>Hello</p>', sentAt: String }] })
})
