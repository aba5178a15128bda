// The Lambda entry with real API Gateway REST (v1) and HTTP API (v2) events: stage prefixes, query
// strings, multi-value headers and base64 bodies. The production handler runs in AWS mode against
// DynamoDB Local standing in for the DynamoDB endpoint.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createTablesFromTemplate } from '../../src/local/dynamodb/create-tables'
import { functionEnvironment, resourceNames } from '../../src/local/template/names'
import { loadTemplate } from '../../src/local/template/template'
import { build, projectRoot, sharedDynamoDbLocal } from '../helpers/build'
import { apiGatewayRestEvent, lambdaContext, loadAwsEvent } from '../helpers/aws-events'
import { startSsmStandIn } from '../helpers/ssm-stand-in'
import { createLambdaHandler } from '../../src/lambda'
import { join } from 'node:path'

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64')

function httpV2Event(method: string, path: string, body: string, stage = '$default') {
  return loadAwsEvent<APIGatewayProxyEventV2>('apigw-http-v2.json', {
    method,
    path: path.replace(/^\//, ''),
    body,
    stage,
    account_id: '123456789012',
    dns_suffix: 'amazonaws.com'
  })
}

t.test('production handler (AWS mode) answers health and readiness from REST and HTTP API events', async (t) => {
  // Tables in DynamoDB Local play the part of the real DynamoDB endpoint.
  const dynamodb = await sharedDynamoDbLocal()
  const template = loadTemplate(join(projectRoot, 'template.yaml'))
  const secretNames = { JwtSecretParameter: '/lambda-test/jwt-secret', StripeSecretKeyParameter: '/lambda-test/stripe-secret-key', StripeWebhookSecretParameter: '/lambda-test/stripe-webhook-secret' }
  const names = resourceNames(template, { stackName: 'lambda-test', parameters: secretNames })
  // The secrets are read from SSM Parameter Store (a stand-in here) by the names the template gives.
  const ssm = await startSsmStandIn(t, {
    [secretNames.JwtSecretParameter]: 'x'.repeat(32),
    [secretNames.StripeSecretKeyParameter]: 'sk_test_lambda',
    [secretNames.StripeWebhookSecretParameter]: 'whsec_lambda'
  })
  const client = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
  await createTablesFromTemplate(client, template, names)
  client.destroy()
  // Each function gets exactly its own environment from the template (as on AWS), so a root that
  // needed a setting its function lacks would fail here. A handler composes on its first invocation.
  const given = new Set<string>()
  const useEnvironmentOf = (functionId: string) => {
    for (const key of given) delete process.env[key]
    const env = {
      ...functionEnvironment(template, names, functionId),
      RUNTIME_MODE: 'aws',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      LOG_LEVEL: 'silent'
    }
    for (const key of Object.keys(env)) given.add(key)
    Object.assign(process.env, env)
    return env
  }
  t.teardown(() => {
    for (const key of given) delete process.env[key]
  })
  useEnvironmentOf('ApiFunction')
  const { handler } = await import('../../src/lambda')

  const rest = await handler(apiGatewayRestEvent<APIGatewayProxyEvent>('GET', '/health/ready', ''), lambdaContext())
  t.equal(rest.statusCode, 200)
  t.same(JSON.parse(rest.body), { status: 'ok', checks: { tableStore: 'ok' } })
  t.ok(rest.headers['x-correlation-id'], 'correlation id header set')

  const v2 = await handler(httpV2Event('GET', '/prod/health', '', 'prod'), lambdaContext())
  t.equal(v2.statusCode, 200, 'the stage prefix of an HTTP API named stage is stripped')
  t.same(JSON.parse(v2.body), { status: 'ok' })

  const concrete = await handler(loadAwsEvent<APIGatewayProxyEventV2>('apigw-http-v2.concrete.json'), lambdaContext())
  t.equal(concrete.statusCode, 404)
  t.same(JSON.parse(concrete.body), { error: 'NotFound', message: 'Route GET / not found', requestId: 'LV7fzho-PHcEJPw=' },
    'without x-correlation-id, the API Gateway request id is the correlation id')

  // The worker Lambdas, each composed from its own root and environment, take real SQS / Step Functions inputs.
  const sqsEvent = (body: unknown, messageId: string) => {
    const event = loadAwsEvent<SQSEvent>('sqs-event.json', {
      body: JSON.stringify(body),
      md5_of_body: '',
      partition: 'aws',
      region: 'us-east-1',
      account_id: '123456789012',
      queue_name: 'notifications'
    })
    if (event.Records[0]) event.Records[0].messageId = messageId
    return event
  }
  const envelope = (eventType: string, data: Record<string, unknown>) => ({
    eventId: `evt-${eventType}-${Date.now()}`, eventType, version: 1, occurredAt: new Date().toISOString(), correlationId: 'corr-worker', data
  })
  useEnvironmentOf('NotificationFunction')
  const notification = (await import('../../src/workers/notification')).handler
  t.same(await notification(sqsEvent(envelope('ORDER_CREATED', { orderId: 'o1' }), 'm-ok')), { batchItemFailures: [] },
    'an event that sends nothing is acknowledged')
  // SES is unreachable here (the endpoint is DynamoDB Local): the record is reported failed, not thrown.
  t.same(await notification(sqsEvent(envelope('USER_CREATED', { userId: 'u1', email: 'a@example.com', firstName: 'A' }), 'm-ses')),
    { batchItemFailures: [{ itemIdentifier: 'm-ses' }] })
  t.same(await notification(sqsEvent('not an envelope', 'm-bad')), { batchItemFailures: [{ itemIdentifier: 'm-bad' }] }, 'a poison body is a failure, not a crash')
  useEnvironmentOf('OrderSagaFunction')
  const saga = (await import('../../src/workers/order-saga')).handler
  await t.rejects(saga({ task: 'reserveInventory', orderId: 'no-such-order', correlationId: 'corr-saga' }), { name: 'OrderNotFound' })
  await t.rejects(saga({ orderId: 'x' }), { name: 'InvalidTaskInput' })

  // The workers that never call Stripe nor sign tokens start without those secrets.
  const relayEnv = useEnvironmentOf('OutboxRelayFunction')
  t.notOk('STRIPE_SECRET_KEY' in relayEnv || 'JWT_SECRET' in relayEnv, 'the relay is given no Stripe key and no JWT secret')
  const relay = (await import('../../src/workers/outbox-relay')).handler
  t.same(await relay({ source: 'aws.events' }), { published: 0, failed: 0 }, 'the scheduled run finds nothing to publish')
  const eventsEnv = useEnvironmentOf('OrderEventsFunction')
  t.notOk('STRIPE_SECRET_KEY' in eventsEnv || 'JWT_SECRET' in eventsEnv, 'order-events is given no Stripe key and no JWT secret')
  const orderEvents = (await import('../../src/workers/order-events')).handler
  t.same(await orderEvents(sqsEvent(envelope('PAYMENT_CONFIRMED', { orderId: 'no-such-order', paymentId: 'p1' }), 'm-order')), { batchItemFailures: [{ itemIdentifier: 'm-order' }] },
    'a payment for an unknown order is a failed record (retried, then dead-lettered)')

  // Each function that uses secrets read them in one GetParameters call at its cold start, with
  // decryption, exactly the names its slices use; the API's second and third requests read nothing.
  t.same(ssm.requests.map((request) => [request.target, request.body]), [
    ['AmazonSSM.GetParameters', { Names: [secretNames.JwtSecretParameter, secretNames.StripeSecretKeyParameter, secretNames.StripeWebhookSecretParameter], WithDecryption: true }],
    ['AmazonSSM.GetParameters', { Names: [secretNames.JwtSecretParameter], WithDecryption: true }],
    ['AmazonSSM.GetParameters', { Names: [secretNames.StripeSecretKeyParameter, secretNames.StripeWebhookSecretParameter], WithDecryption: true }]
  ], 'API, notification worker, saga worker: one read each; the relay and order-events read none')
})

t.test('request details survive the trip: query strings, multi-value headers, base64 bodies', async (t) => {
  const { app } = await build(t, {
    extend: (app) => {
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/hello/world',
        { config: { auth: 'public' }, schema: { body: Type.Object({ a: Type.Integer() }) } },
        async (request) => ({ body: request.body, query: request.query, headerName: request.headers.headername, correlationId: request.id })
      )
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/items',
        { config: { auth: 'public' }, schema: { body: Type.Object({ quantity: Type.Integer() }) } },
        async (request) => ({ body: request.body, query: request.query })
      )
    }
  })
  const handler = createLambdaHandler(async () => app)

  // aws-lambda-go's concrete REST event: POST /hello/world?name=me with a JSON body.
  const concrete = loadAwsEvent<APIGatewayProxyEvent>('apigw-rest-proxy.concrete.json')
  const res = await handler(concrete, lambdaContext())
  t.equal(res.statusCode, 200)
  const echoed = JSON.parse(res.body)
  t.same(echoed.body, JSON.parse(concrete.body as string))
  t.same(echoed.query, { name: 'me' })
  t.equal(echoed.headerName, 'headerValue')
  t.equal(echoed.correlationId, concrete.requestContext.requestId)

  // SAM's REST template: base64 body, stage `prod`, multi-value query string, a correlation header.
  const rest = apiGatewayRestEvent<APIGatewayProxyEvent>('POST', '/items', base64({ quantity: 3 }))
  rest.headers['Content-Type'] = 'application/json'
  rest.headers['x-correlation-id'] = 'corr-v1'
  rest.multiValueQueryStringParameters = { tag: ['a', 'b'] }
  const restRes = await handler(rest, lambdaContext())
  t.equal(restRes.statusCode, 200)
  t.same(JSON.parse(restRes.body), { body: { quantity: 3 }, query: { tag: ['a', 'b'] } })
  t.equal(restRes.headers['x-correlation-id'], 'corr-v1')

  // SAM's HTTP API v2 template: base64 body, comma-separated query parameters, named stage.
  const v2 = httpV2Event('POST', '/prod/items', base64({ quantity: 5 }), 'prod')
  v2.headers['content-type'] = 'application/json'
  const v2Res = await handler(v2, lambdaContext())
  t.equal(v2Res.statusCode, 200)
  t.same(JSON.parse(v2Res.body), { body: { quantity: 5 }, query: { parameter1: ['value1', 'value2'], parameter2: 'value' } })

  // Bad input through Lambda gets the same clear 400 as over HTTP.
  const bad = apiGatewayRestEvent<APIGatewayProxyEvent>('POST', '/items', base64({ quantity: 'three' }))
  bad.headers['Content-Type'] = 'application/json'
  const badRes = await handler(bad, lambdaContext())
  t.equal(badRes.statusCode, 400)
  t.match(JSON.parse(badRes.body), { error: 'ValidationError', field: 'quantity' })
})

t.test('users through the Lambda handler: register, login, a protected route, bad tokens', async (t) => {
  const { app } = await build(t, { env: { BCRYPT_COST: '4' } })
  const handler = createLambdaHandler(async () => app)
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const event = apiGatewayRestEvent<APIGatewayProxyEvent>(method, path, body === undefined ? '' : base64(body))
    Object.assign(event.headers, { 'Content-Type': 'application/json', ...headers })
    event.multiValueHeaders = {}
    const res = await handler(event, lambdaContext())
    return { statusCode: res.statusCode, json: JSON.parse(res.body || 'null') }
  }
  const email = `lambda-${Date.now()}@example.com`
  const registered = await call('POST', '/users/register', { email, password: 'long enough pw', firstName: 'La', lastName: 'Mbda' })
  t.equal(registered.statusCode, 201)
  t.notOk('passwordHash' in registered.json.user)
  t.equal((await call('POST', '/users/register', { email, password: 'long enough pw', firstName: 'La', lastName: 'Mbda' })).statusCode, 409)
  const login = await call('POST', '/users/login', { email, password: 'long enough pw' })
  t.equal(login.statusCode, 200)
  const me = await call('GET', '/users/me', undefined, { Authorization: `Bearer ${login.json.token}` })
  t.equal(me.statusCode, 200)
  t.equal(me.json.user.email, email)
  t.equal((await call('GET', '/users/me', undefined, { Authorization: `Bearer ${login.json.refreshToken}` })).statusCode, 401)
  t.equal((await call('GET', '/users/me')).statusCode, 401)
  const wrong = await call('POST', '/users/login', { email, password: 'wrong password' })
  const unknown = await call('POST', '/users/login', { email: `nobody-${email}`, password: 'wrong password' })
  t.same([wrong.statusCode, wrong.json.message], [unknown.statusCode, unknown.json.message])
})
