// Unit tests of the config schema: defaults, coercion, mode detection, and errors naming the variable.
import t from 'tap'
import { OptionalKind, Type, type TSchema } from '@sinclair/typebox'
import { ConfigError, ConfigSchema, corsOrigins, loadConfig, loadConfigOf, problemOf } from '../src/config'

const tables = {
  USERS_TABLE: 'users',
  PRODUCTS_TABLE: 'products',
  ORDERS_TABLE: 'orders',
  PAYMENTS_TABLE: 'payments',
  IDEMPOTENCY_TABLE: 'idempotency',
  SESSIONS_TABLE: 'sessions',
  OUTBOX_TABLE: 'outbox',
  USER_EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:user-events',
  ORDER_EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:order-events',
  PAYMENT_EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:payment-events',
  ORDER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:order-processing',
  STRIPE_SECRET_KEY: 'sk_test_config',
  STRIPE_WEBHOOK_SECRET: 'whsec_config',
  JWT_SECRET: 'a-test-secret-that-is-long-enough-32+'
}

t.test('defaults and local mode without AWS config', async (t) => {
  const config = loadConfig({ ...tables })
  t.equal(config.RUNTIME_MODE, 'local')
  t.equal(config.PORT, 3000)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.LOG_LEVEL, 'info')
  t.equal(config.USERS_TABLE, 'users')
})

t.test('AWS region or endpoint selects aws mode; RUNTIME_MODE wins', async (t) => {
  t.equal(loadConfig({ ...tables, AWS_REGION: 'eu-west-1' }).RUNTIME_MODE, 'aws')
  t.equal(loadConfig({ ...tables, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).RUNTIME_MODE, 'aws')
  t.equal(loadConfig({ ...tables, AWS_REGION: 'eu-west-1', RUNTIME_MODE: 'local' }).RUNTIME_MODE, 'local')
})

t.test('numbers are coerced from strings', async (t) => {
  t.equal(loadConfig({ ...tables, PORT: '8080' }).PORT, 8080)
})

t.test('a bad value names the variable and what was given', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /PORT .*"abc"/],
    [{ PORT: '70000' }, 'PORT', /PORT .*70000/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /LOG_LEVEL .*"loud"/],
    [{ RUNTIME_MODE: 'cloud' }, 'RUNTIME_MODE', /RUNTIME_MODE .*"cloud"/],
    [{ AWS_ENDPOINT_URL: 'localhost:4566' }, 'AWS_ENDPOINT_URL', /AWS_ENDPOINT_URL/]
  ]
  for (const [env, variable, message] of cases) {
    const error = t.throws(() => loadConfig({ ...tables, ...env })) as ConfigError
    t.type(error, ConfigError)
    t.equal(error.variable, variable)
    t.match(error.message, message)
  }
})

t.test('a missing required variable is named', async (t) => {
  const { USERS_TABLE: _omitted, ...rest } = tables
  const error = t.throws(() => loadConfig(rest)) as ConfigError
  t.equal(error.variable, 'USERS_TABLE')
  t.match(error.message, /USERS_TABLE is required/)
})

t.test('a short JWT secret is refused', async (t) => {
  const error = t.throws(() => loadConfig({ ...tables, JWT_SECRET: 'short' })) as ConfigError
  t.equal(error.variable, 'JWT_SECRET')
  t.notMatch(error.message, /short/, 'the secret itself is never echoed')
})

t.test('CORS origins list', async (t) => {
  t.same(corsOrigins(loadConfig({ ...tables })), [])
  t.same(corsOrigins(loadConfig({ ...tables, CORS_ORIGINS: 'https://a.example, https://b.example' })), ['https://a.example', 'https://b.example'])
  t.equal(corsOrigins(loadConfig({ ...tables, CORS_ORIGINS: '*' })), '*')
})

t.test('each entry point parses only its slice: a worker without Stripe or tokens starts without their secrets', async (t) => {
  const { OutboxRelayConfigSchema } = await import('../src/composition/outbox-relay')
  const { OrderEventsConfigSchema } = await import('../src/composition/order-events')
  const { NotificationConfigSchema } = await import('../src/composition/notification')
  const { OrderSagaConfigSchema } = await import('../src/composition/order-saga')
  const { ApiConfigSchema } = await import('../src/composition/api')
  const aws = { RUNTIME_MODE: 'aws', AWS_REGION: 'eu-west-1' }
  const relay = loadConfigOf(OutboxRelayConfigSchema, { ...aws, OUTBOX_TABLE: 'outbox' })
  t.equal(relay.OUTBOX_TABLE, 'outbox')
  t.notOk('JWT_SECRET' in relay || 'STRIPE_SECRET_KEY' in relay || 'USERS_TABLE' in relay, 'nothing outside its slice is read')
  t.doesNotThrow(() => loadConfigOf(OrderEventsConfigSchema, { ...aws, ORDERS_TABLE: 'orders', PRODUCTS_TABLE: 'products', OUTBOX_TABLE: 'outbox' }))

  // The slices that do need a secret still name it when it is missing.
  const { JWT_SECRET: _jwt, ...withoutJwt } = tables
  const noJwt = t.throws(() => loadConfigOf(NotificationConfigSchema, { ...aws, ...withoutJwt })) as ConfigError
  t.equal(noJwt.variable, 'JWT_SECRET')
  t.match(noJwt.message, /JWT_SECRET is required/)
  t.doesNotThrow(() => loadConfigOf(OrderSagaConfigSchema, { ...aws, ...withoutJwt }), 'the saga signs nothing')
  const { STRIPE_SECRET_KEY: _key, ...withoutStripeKey } = tables
  for (const load of [() => loadConfigOf(OrderSagaConfigSchema, { ...aws, ...withoutStripeKey }), () => loadConfigOf(ApiConfigSchema, { ...aws, ...withoutStripeKey })]) {
    const noKey = t.throws(load) as ConfigError
    t.equal(noKey.variable, 'STRIPE_SECRET_KEY')
    t.match(noKey.message, /STRIPE_SECRET_KEY is required in aws mode/)
  }
})

t.test("problemOf (the config's own check, to keep TypeBox's Value out of the Lambda bundles) agrees with Value.Check on every setting", async (t) => {
  const { Value } = await import('@sinclair/typebox/value')
  const samples: unknown[] = [undefined, '', 'x', 'abc', 'http://a.example', 'sk_test_1', 'whsec_1', 'aws', 'local', 'info', 'https', 'a'.repeat(40), 0, 1, 30, 59, 60, 900, 70_000, -1, 1.5, 'Shop <a@b.c>']
  let compared = 0
  for (const [variable, schema] of Object.entries(ConfigSchema.properties as Record<string, TSchema>)) {
    for (const value of samples) {
      const valid = value === undefined ? (schema as { [OptionalKind]?: unknown })[OptionalKind] === 'Optional' : Value.Check(schema, value)
      if ((problemOf(schema, value) === undefined) !== valid) t.fail(`${variable} = ${JSON.stringify(value)}: Value.Check says ${valid}, problemOf says ${problemOf(schema, value)}`)
      compared++
    }
  }
  t.ok(compared > 500, `${compared} comparisons`)
  t.throws(() => problemOf(Type.Array(Type.String()), []), /not supported/, 'a kind it does not know is refused, not waved through')
})
