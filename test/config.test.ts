// Unit tests of the config schema: defaults, coercion, mode detection, and errors naming the variable.
import t from 'tap'
import { ConfigError, corsOrigins, loadConfig } from '../src/config'

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
