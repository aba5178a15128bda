// Defect 9: while DynamoDB is down, requests neither hang nor answer 500. Every DynamoDB call is
// bounded in time (AWS and local clients), and an outage (refused connection, black-holed connection,
// throttling, 5xx) reaches the services as StoreUnavailableError, answered 503 ServiceUnavailable
// with Retry-After; the same client serves again as soon as DynamoDB is back.
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance, InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { storeUnavailableReason } from '../../src/adapters/dynamodb/store-availability'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { awsAdapters } from '../../src/composition/all'
import { documentClient } from '../../src/composition/builders'
import { loadConfig } from '../../src/config'
import { StoreUnavailableError } from '../../src/domain/errors'
import { functionEnvironment, resourceNames } from '../../src/local/template/names'
import { apiFunctionId, withPlaceholderSecrets } from '../../src/local/template/placeholder-environment'
import { loadTemplate } from '../../src/local/template/template'
import { build, projectRoot, sharedDynamoDbLocal } from '../helpers/build'
import { startTcpProxy, type ProxyMode } from '../helpers/tcp-proxy'
import { uniqueEmail } from '../helpers/users'

/** Loose: correctness, not a benchmark. Without client timeouts a black-holed request took ~35 s. */
const UPPER_BOUND_MS = 15_000

async function appOnProxy(t: Test) {
  const dynamodb = await sharedDynamoDbLocal()
  const proxy = await startTcpProxy(dynamodb.endpoint)
  const { app } = await build(t, { dynamodbEndpoint: proxy.endpoint, env: { BCRYPT_COST: '4' } })
  t.teardown(() => proxy.close())
  return { app, proxy }
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now()
  const result = await run()
  return { result, ms: Date.now() - started }
}

async function expectUnavailable(t: Test, app: FastifyInstance, request: InjectOptions, what: string) {
  const { result: res, ms } = await timed(() => app.inject(request))
  t.equal(res.statusCode, 503, `${what}: 503 (${res.body})`)
  t.ok(ms < UPPER_BOUND_MS, `${what}: answered in ${ms} ms`)
  t.match(res.headers['retry-after'], /^\d+$/, `${what}: Retry-After`)
  t.ok(Number(res.headers['retry-after']) >= 1)
  t.match(res.json(), { error: 'ServiceUnavailable', message: /temporarily unavailable/, requestId: String })
  t.notMatch(res.body, /amazonaws|DynamoDB|127\.0\.0\.1|stack/i, `${what}: no internals in the body`)
}

for (const mode of ['blackhole', 'closed'] as const satisfies readonly ProxyMode[]) {
  t.test(`DynamoDB ${mode === 'blackhole' ? 'accepting connections but never answering' : 'refusing connections'}: 503 + Retry-After, then recovery`, async (t) => {
    const { app, proxy } = await appOnProxy(t)
    const email = uniqueEmail('outage')
    const registered = await app.inject({ method: 'POST', url: '/users/register', payload: { email, password: 'correct horse battery', firstName: 'A', lastName: 'B' } })
    t.equal(registered.statusCode, 201)
    t.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200, 'serving before the outage')

    await proxy.setMode(mode)
    // At once, as clients would send them: each waits out its own time limits.
    await Promise.all([
      expectUnavailable(t, app, { method: 'GET', url: '/products' }, 'GET /products'),
      expectUnavailable(t, app, { method: 'POST', url: '/users/login', payload: { email, password: 'correct horse battery' } }, 'POST /users/login'),
      expectUnavailable(
        t,
        app,
        { method: 'POST', url: '/users/register', payload: { email: uniqueEmail('during'), password: 'correct horse battery', firstName: 'A', lastName: 'B' } },
        'POST /users/register'
      ),
      timed(() => app.inject({ method: 'GET', url: '/health/ready' })).then(({ result: ready, ms }) => {
        t.equal(ready.statusCode, 503, 'not ready while the store is down')
        t.same(ready.json(), { status: 'unavailable', checks: { tableStore: 'down' } })
        t.ok(ms < UPPER_BOUND_MS, `readiness answered in ${ms} ms`)
      })
    ])

    // Back: the same clients serve again, no restart.
    await proxy.setMode('forward')
    t.equal((await app.inject({ method: 'GET', url: '/products' })).statusCode, 200, 'serving again')
    t.equal((await app.inject({ method: 'POST', url: '/users/login', payload: { email, password: 'correct horse battery' } })).statusCode, 200, 'login works again')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'ready again')
  })
}

/** A server that accepts connections and never answers (the network black hole of the AWS side). */
async function silentServer(t: Test): Promise<string> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  )
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

t.test('the AWS adapters bound every DynamoDB call and report an outage as StoreUnavailableError', async (t) => {
  const template = loadTemplate(join(projectRoot, 'template.yaml'))
  const names = resourceNames(template, { stackName: 'outage', parameters: { JwtSecretParameter: '/outage/jwt', StripeSecretKeyParameter: '/outage/stripe-key', StripeWebhookSecretParameter: '/outage/stripe-webhook' } })
  const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }
  const saved = Object.fromEntries(Object.keys(credentials).map((key) => [key, process.env[key]]))
  Object.assign(process.env, credentials) // the SDK's default credential chain, as on Lambda
  t.teardown(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })
  const adaptersFor = (endpoint: string) => {
    const config = loadConfig({ ...withPlaceholderSecrets(functionEnvironment(template, names, apiFunctionId(template))), RUNTIME_MODE: 'aws', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint, LOG_LEVEL: 'silent' })
    const adapters = awsAdapters(config)
    t.teardown(() => adapters.dynamodb.destroy())
    return { adapters, table: config.ORDERS_TABLE }
  }

  const cases = [
    ['black-holed', await silentServer(t), 'TimeoutError'],
    ['refused', await closedPort(), 'ECONNREFUSED']
  ] as const
  await Promise.all(
    cases.map(async ([what, endpoint, reason]) => {
      const { adapters, table } = adaptersFor(endpoint)
      const { result: error, ms } = await timed(() => adapters.documents.send(new GetCommand({ TableName: table, Key: { id: 'o-1' } })).then(() => undefined, (caught: unknown) => caught))
      t.ok(error instanceof StoreUnavailableError, `${what}: StoreUnavailableError (${String(error)})`)
      t.equal((error as StoreUnavailableError).reason, reason, `${what}: the reason`)
      t.equal((error as Error).name, 'StoreUnavailableError', 'the name the saga retries')
      t.ok(ms < UPPER_BOUND_MS, `${what}: gave up after ${ms} ms`)
    })
  )

  // The same AWS-mode client against a live endpoint: answers as usual (the table does not exist there).
  const dynamodb = await sharedDynamoDbLocal()
  const { adapters } = adaptersFor(dynamodb.endpoint)
  const missing = await adapters.documents.send(new GetCommand({ TableName: 'no-such-table', Key: { id: 'x' } })).then(() => undefined, (caught: unknown) => caught)
  t.equal((missing as Error).name, 'ResourceNotFoundException', "the store's own answers pass through unchanged")
})

t.test('the local client config bounds calls too (dynamoDbLocalClientConfig)', async (t) => {
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(await silentServer(t)))
  t.teardown(() => client.destroy())
  const documents = documentClient(client)
  const { result: error, ms } = await timed(() => documents.send(new GetCommand({ TableName: 'orders', Key: { id: 'o-1' } })).then(() => undefined, (caught: unknown) => caught))
  t.ok(error instanceof StoreUnavailableError, String(error))
  t.ok(ms < UPPER_BOUND_MS, `gave up after ${ms} ms`)
})

t.test('which SDK errors mean "the store cannot answer now"', async (t) => {
  const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra })
  const unavailable: Array<[unknown, string]> = [
    [sdkError('TimeoutError'), 'TimeoutError'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    [sdkError('ProvisionedThroughputExceededException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), 'ProvisionedThroughputExceededException'],
    [sdkError('ThrottlingException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), 'ThrottlingException'],
    [sdkError('RequestLimitExceeded', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), 'RequestLimitExceeded'],
    [sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }), 'InternalServerError'],
    [sdkError('UnknownError', { $metadata: { httpStatusCode: 503 } }), 'UnknownError'],
    [sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }), 'TransactionThrottled']
  ]
  for (const [error, reason] of unavailable) t.equal(storeUnavailableReason(error), reason, `${(error as Error).name}/${reason}`)

  const answers = [
    sdkError('ConditionalCheckFailedException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }] }),
    sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'TransactionConflict' }] }),
    sdkError('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    sdkError('ResourceNotFoundException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    new TypeError('a bug of ours'),
    'not an error'
  ]
  for (const error of answers) t.equal(storeUnavailableReason(error), undefined, `not an outage: ${error instanceof Error ? error.name : String(error)}`)

  const wrapped = new StoreUnavailableError('TimeoutError', sdkError('TimeoutError'))
  t.equal(wrapped.code, 'ServiceUnavailable')
  t.equal(wrapped.name, 'StoreUnavailableError')
  t.ok(wrapped.retryAfterSeconds >= 1)
  t.equal((wrapped.cause as Error).name, 'TimeoutError', 'the SDK error is kept as the cause, for the logs')
})
