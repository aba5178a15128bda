// Unit tests of the config schema: defaults, coercion, mode detection, and errors naming the variable.
import t from 'tap'
import { OptionalKind, Type, type TSchema } from '@sinclair/typebox'
import { ConfigError, ConfigSchema, corsOrigins, loadConfig, loadConfigOf, problemOf, runtimeModeLine } from '../../src/config'

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
  const { OutboxRelayConfigSchema } = await import('../../src/composition/outbox-relay')
  const { OrderEventsConfigSchema } = await import('../../src/composition/order-events')
  const { NotificationConfigSchema } = await import('../../src/composition/notification')
  const { OrderSagaConfigSchema } = await import('../../src/composition/order-saga')
  const { ApiConfigSchema } = await import('../../src/composition/api')
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

t.test('a wrong RUNTIME_MODE is named with the values it takes, before any setting of a mode it did not select', async (t) => {
  const { ApiConfigSchema } = await import('../../src/composition/api')
  const loads: Array<[string, () => unknown]> = [
    ['loadConfig, every setting given', () => loadConfig({ ...tables, RUNTIME_MODE: 'cloud' })],
    ['loadConfig, nothing else given', () => loadConfig({ RUNTIME_MODE: 'cloud' })],
    ['the API slice, nothing else given', () => loadConfigOf(ApiConfigSchema, { RUNTIME_MODE: 'cloud' })],
    ['the start line', () => runtimeModeLine({ RUNTIME_MODE: 'cloud', AWS_REGION: 'eu-west-1' })]
  ]
  for (const [what, load] of loads) {
    const error = t.throws(load, what) as ConfigError
    t.type(error, ConfigError, what)
    t.equal(error.variable, 'RUNTIME_MODE', what)
    t.equal(error.message, 'Invalid configuration: RUNTIME_MODE Expected one of: local, aws (got "cloud")', what)
  }
})

t.test('a wrong LOG_LEVEL lists every level it takes', async (t) => {
  const error = t.throws(() => loadConfig({ ...tables, LOG_LEVEL: 'verbose' })) as ConfigError
  t.equal(error.variable, 'LOG_LEVEL')
  t.equal(error.message, 'Invalid configuration: LOG_LEVEL Expected one of: fatal, error, warn, info, debug, trace, silent (got "verbose")')
  t.notMatch(error.message, /union/i, "TypeBox's words for the schema kind are not what a user needs")
})

t.test('the start line says which mode was chosen and why', async (t) => {
  t.equal(runtimeModeLine({}), 'Mode: local (no AWS_REGION/AWS_ENDPOINT_URL/RUNTIME_MODE set)')
  t.equal(runtimeModeLine({ RUNTIME_MODE: '', AWS_REGION: '' }), 'Mode: local (no AWS_REGION/AWS_ENDPOINT_URL/RUNTIME_MODE set)', 'empty is unset, as loadConfig reads it')
  t.equal(runtimeModeLine({ AWS_REGION: 'eu-west-1' }), 'Mode: aws (AWS_REGION is set; set RUNTIME_MODE=local for the embedded runtime)')
  t.equal(runtimeModeLine({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }), 'Mode: aws (AWS_ENDPOINT_URL is set; set RUNTIME_MODE=local for the embedded runtime)')
  t.equal(runtimeModeLine({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }), 'Mode: aws (AWS_REGION and AWS_ENDPOINT_URL are set; set RUNTIME_MODE=local for the embedded runtime)')
  t.equal(runtimeModeLine({ AWS_REGION: 'eu-west-1', RUNTIME_MODE: 'local' }), 'Mode: local (RUNTIME_MODE=local)')
  t.equal(runtimeModeLine({ RUNTIME_MODE: 'aws' }), 'Mode: aws (RUNTIME_MODE=aws)')
  // The line and the mode loadConfig derives never disagree.
  for (const env of [{}, { AWS_REGION: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, { AWS_REGION: 'eu-west-1', RUNTIME_MODE: 'local' }]) {
    t.match(runtimeModeLine(env), `Mode: ${loadConfig({ ...tables, ...env }).RUNTIME_MODE} (`, JSON.stringify(env))
  }
})

t.test('the server prints the mode line first; an exported AWS_REGION alone is explained before the aws settings it lacks are named', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const { join } = await import('node:path')
  const { projectRootFrom } = await import('../../src/infra/project-root')
  const projectRoot = projectRootFrom(import.meta.url)
  // Only what a shell has, plus AWS_REGION: no tables, no RUNTIME_MODE. Fails at config, before any AWS call.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_REGION: 'eu-west-1', PORT: '0' }
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'src', 'server.ts')], { cwd: projectRoot, env, encoding: 'utf8', timeout: 60_000 })
  t.equal(run.status, 1, 'refuses to start')
  t.equal(run.stdout.split('\n')[0], 'Mode: aws (AWS_REGION is set; set RUNTIME_MODE=local for the embedded runtime)')
  t.match(run.stderr, /^Invalid configuration: [A-Z_]+ is required/, 'then names a missing aws setting in one line')

  const wrong = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'src', 'server.ts')], { cwd: projectRoot, env: { ...env, RUNTIME_MODE: 'cloud' }, encoding: 'utf8', timeout: 60_000 })
  t.equal(wrong.status, 1)
  t.equal(wrong.stderr.trim(), 'Invalid configuration: RUNTIME_MODE Expected one of: local, aws (got "cloud")', 'one line naming the variable and its values')
})
