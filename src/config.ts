// The schemas of every environment variable the processes read, in slices. Each entry point parses
// its own composition of slices once per process (src/composition/); a bad or missing value stops
// startup with a message naming it.
import { dirname, resolve } from 'node:path'
import { Integer, Literal, Object as ObjectType, Optional, OptionalKind, String as StringType, Union, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'

// Only TypeBox's builders used here, by name, and the few schema kinds they make are checked by
// `problemOf` below: every Lambda bundle loads this file, and TypeBox's `Type` and `Value` namespaces
// would bring all of their builders and operations (~90 KB minified) into each of them, its
// Default/Check/Errors ~35 KB. test/unit/config.test.ts holds `problemOf` to Value.Check on every slice.
const Type = { Integer, Literal, Object: ObjectType, Optional, String: StringType, Union }

const PositiveInt = Type.Integer({ minimum: 1 })

/** A hierarchical SSM parameter name (`/shop/prod/jwt-secret`): the characters Parameter Store allows, no version selector. */
const SSM_PARAMETER_NAME = '^/[A-Za-z0-9_./-]+$'

// The settings come in slices, one per concern; each entry point (src/composition/) parses only the
// slices it uses, so a function is never asked for (nor given) a setting it does not need. A slice
// is a plain record of TypeBox properties; configSchema() composes them.

/** Every process. */
export const CommonSlice = {
  /**
   * `local` starts the embedded runtime; `aws` talks to real AWS services. When unset: `aws` if
   * AWS_REGION or AWS_ENDPOINT_URL is set, else `local` (`npm start` prints which, and why).
   */
  RUNTIME_MODE: Type.Union([Type.Literal('local'), Type.Literal('aws')]),
  /** Deployment stage name (template.yaml passes its `Stage` parameter): the `Stage` dimension of the business metrics. */
  STAGE: Type.String({ minLength: 1, default: 'local' }),
  /** pino log level; logs are JSON lines (pretty-printed in a local terminal). Each request's start and end lines are `info`: above it, only warnings and errors are logged (with the correlation id). */
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  /** AWS region of every AWS client (Lambda sets it). When RUNTIME_MODE is unset, setting it selects aws mode. */
  AWS_REGION: Type.Optional(Type.String({ minLength: 1 })),
  /** Overrides every AWS client's endpoint (e.g. a LocalStack); unset on real AWS. */
  AWS_ENDPOINT_URL: Type.Optional(Type.String({ pattern: '^https?://' }))
}

/** The HTTP API (the API Lambda and the server). */
export const HttpSlice = {
  /** Address `node dist/server.js` listens on (the container image sets `0.0.0.0`). */
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** Port `node dist/server.js` listens on; 0 picks a free one. */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  /** Comma-separated list of allowed CORS origins; empty allows none, `*` allows any. */
  CORS_ORIGINS: Type.String({ default: '' }),
  /** DynamoDB table of replayable responses (Idempotency-Key), events and webhooks already handled, and login-failure counters. */
  IDEMPOTENCY_TABLE: Type.String({ minLength: 1 }),
  /** How long a response is kept for replay to requests with the same Idempotency-Key (Stripe: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 86_400 })
}

// Resource names. On AWS, template.yaml sets them on the functions; locally the embedded runtime
// resolves the same template entries to its local resources.

/** The outbox every event goes through (OutboxEventBus) and the relay publishes from. */
export const OutboxSlice = {
  /** DynamoDB table of the transactional outbox: each event is written with the change it reports, then published by the outbox relay. */
  OUTBOX_TABLE: Type.String({ minLength: 1 })
}

/** Orders and their stock (DynamoOrderRepository writes orders, products and outbox in one transaction). */
export const OrderTablesSlice = {
  /** DynamoDB table of orders. */
  ORDERS_TABLE: Type.String({ minLength: 1 }),
  /** DynamoDB table of products and their stock. */
  PRODUCTS_TABLE: Type.String({ minLength: 1 }),
  OUTBOX_TABLE: OutboxSlice.OUTBOX_TABLE
}

/** OrderService: placing, listing and cancelling orders, starting their saga. */
export const OrdersSlice = {
  ...OrderTablesSlice,
  /** SNS topic the order events are published to. */
  ORDER_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  /** Step Functions state machine of the order saga (statemachine/order-processing.asl.json). */
  ORDER_STATE_MACHINE_ARN: Type.String({ minLength: 1 }),
  /** How long an order waits for payment before it is cancelled (the saga's AwaitPayment timeout). */
  PAYMENT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: 900 })
}

/** PaymentService: payments, refunds, webhooks (events handled once, recorded in the idempotency table). */
export const PaymentsSlice = {
  /** DynamoDB table of payments and their refunds. */
  PAYMENTS_TABLE: Type.String({ minLength: 1 }),
  /** SNS topic the payment events are published to. */
  PAYMENT_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  IDEMPOTENCY_TABLE: HttpSlice.IDEMPOTENCY_TABLE
}

/**
 * The Stripe client. The keys are required on AWS (see REQUIRED_ON_AWS); locally the embedded
 * runtime sets all five to reach its Stripe simulator, unless a test key and a signing secret are
 * both given: then it uses them with Stripe's own API (src/local/stripe/choice.ts).
 */
export const StripeSlice = {
  /** Stripe secret API key (`sk_test_…` or `sk_live_…`). Required in aws mode. */
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^sk_(test|live)_', secret: true })),
  /** Signing secret (`whsec_…`) of our Stripe webhook endpoint (/webhooks/stripe). Required in aws mode. */
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_', secret: true })),
  /** Another Stripe API server (the local simulator); Stripe's own when unset. */
  STRIPE_API_HOST: Type.Optional(Type.String({ minLength: 1 })),
  /** Port of that other Stripe API server. */
  STRIPE_API_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  /** Protocol of that other Stripe API server. */
  STRIPE_API_PROTOCOL: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
  /**
   * aws mode: name of the SSM Parameter Store SecureString holding STRIPE_SECRET_KEY, read once at
   * startup (template.yaml's `StripeSecretKeyParameter`). Set this or STRIPE_SECRET_KEY, not both.
   */
  STRIPE_SECRET_KEY_PARAMETER: Type.Optional(Type.String({ pattern: SSM_PARAMETER_NAME })),
  /**
   * aws mode: name of the SSM Parameter Store SecureString holding STRIPE_WEBHOOK_SECRET, read once at
   * startup (template.yaml's `StripeWebhookSecretParameter`). Set this or STRIPE_WEBHOOK_SECRET, not both.
   */
  STRIPE_WEBHOOK_SECRET_PARAMETER: Type.Optional(Type.String({ pattern: SSM_PARAMETER_NAME })),
  /** Overrides the endpoint of the SSM client only (reading the secrets), as the AWS SDKs' own variable of that name does; unset on real AWS. */
  AWS_ENDPOINT_URL_SSM: Type.Optional(Type.String({ pattern: '^https?://' }))
}

/** Signing and checking tokens (TokenService); also keys the list cursors (CursorCodec). */
export const TokensSlice = {
  /**
   * HS256 secret for every token the API issues (access, refresh, email-verify, password-reset), at least 32
   * characters. Local mode: a random one per start unless set, so tokens do not survive a restart.
   */
  JWT_SECRET: Type.String({ minLength: 32, secret: true }),
  /**
   * aws mode: name of the SSM Parameter Store SecureString holding JWT_SECRET, read once at startup
   * (template.yaml's `JwtSecretParameter`). Set this or JWT_SECRET, not both.
   */
  JWT_SECRET_PARAMETER: Type.Optional(Type.String({ pattern: SSM_PARAMETER_NAME })),
  AWS_ENDPOINT_URL_SSM: StripeSlice.AWS_ENDPOINT_URL_SSM,
  /** Issuer (`iss`) of every token, checked on every use. */
  JWT_ISSUER: Type.String({ minLength: 1, default: 'commerce-api' }),
  /** Audience (`aud`) of every token, checked on every use. */
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'commerce-clients' }),
  /** Lifetime of an access token. */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 86_400, default: 900 }),
  /** Lifetime of a refresh token (and of its session). */
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 90 * 86_400, default: 30 * 86_400 }),
  /** Lifetime of an email-verification link. */
  EMAIL_VERIFY_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 86_400 })
}

/** Users and authentication (AuthService), besides the tokens. */
export const UsersSlice = {
  /** DynamoDB table of users. */
  USERS_TABLE: Type.String({ minLength: 1 }),
  /** DynamoDB table of sessions (refresh-token families; they expire by TTL). */
  SESSIONS_TABLE: Type.String({ minLength: 1 }),
  /** SNS topic the user events are published to (registration: the verification email). */
  USER_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  /** Login failures, registrations and known login addresses are counted in the idempotency table. */
  IDEMPOTENCY_TABLE: HttpSlice.IDEMPOTENCY_TABLE,
  OUTBOX_TABLE: OutboxSlice.OUTBOX_TABLE,
  /** bcrypt cost factor; tests lower it through this variable only. */
  BCRYPT_COST: Type.Integer({ minimum: 4, maximum: 15, default: 12 }),
  /** Comma-separated emails that get the admin role once verified. */
  ADMIN_EMAILS: Type.String({ default: '' }),
  /**
   * Failed logins allowed per account in a sliding window before 429 (counted in DynamoDB before
   * bcrypt runs, shared by every instance; a success resets it). An address that logged into the
   * account in the last 30 days has a limit of its own, so others cannot lock the owner out.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
  /** Failed logins allowed per client address in a sliding window before 429. */
  LOGIN_MAX_FAILURES_PER_ADDRESS: Type.Integer({ minimum: 1, default: 50 }),
  /** Length of the failed-login sliding window. */
  LOGIN_FAILURE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** Registration attempts allowed per client address in a sliding window before 429 (shared by every instance). */
  REGISTER_MAX_PER_ADDRESS: Type.Integer({ minimum: 1, default: 20 }),
  /** Registration attempts allowed per email address (each may send it a verification email) in a sliding window before 429. */
  REGISTER_MAX_PER_EMAIL: Type.Integer({ minimum: 1, default: 3 }),
  /** Length of the registration sliding window. */
  REGISTER_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Password-reset requests (POST /users/password/forgot) allowed per client address in a sliding window before 429. */
  PASSWORD_RESET_MAX_PER_ADDRESS: Type.Integer({ minimum: 1, default: 20 }),
  /** Password-reset requests allowed per email address (account or not: a 429 must not tell) in a sliding window before 429. */
  PASSWORD_RESET_MAX_PER_EMAIL: Type.Integer({ minimum: 1, default: 3 }),
  /** Length of the password-reset sliding window. */
  PASSWORD_RESET_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Verification emails an account may ask for again (POST /users/verify-email/resend) in a sliding window before 429. */
  VERIFICATION_RESEND_MAX_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 3 }),
  /** Length of the verification-resend sliding window. */
  VERIFICATION_RESEND_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 })
}

/** Emails (NotificationService over SES); events handled once, recorded in the idempotency table. */
export const MailSlice = {
  /** Sender address of every email (must be a verified SES identity on AWS). */
  MAIL_FROM: Type.String({ minLength: 3, default: 'Shop <no-reply@shop.example>' }),
  /** The shop's name, as every email shows and signs it. */
  SHOP_NAME: Type.String({ minLength: 1, default: 'Shop' }),
  /**
   * Base URL of the web front end; email links point here (its /verify-email and /reset-password, which
   * the API serves). Local mode: the server's own address (the port it took) unless set.
   */
  PUBLIC_BASE_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3000' }),
  IDEMPOTENCY_TABLE: HttpSlice.IDEMPOTENCY_TABLE
}

/** The recovery sweeper. */
export const RecoverySlice = {
  /**
   * The recovery sweeper's patience: an order still pending or awaiting payment this long after its
   * payment window ended (or without any saga this long after it was placed) is recovered.
   * template.yaml sets 120 on AWS.
   */
  RECOVERY_GRACE_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 })
}

/** The embedded runtime only. */
export const LocalSlice = {
  /** Local mode only: keep DynamoDB Local's data under this folder instead of in memory (`--persist` uses .data/dynamodb). */
  LOCAL_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Local mode only: keep the Step Functions runner's executions and the Stripe simulator's account
   * under this folder (stepfunctions/, stripe/). Default: next to LOCAL_DATA_DIR (in its parent
   * folder) when that is set, so `--persist` keeps everything under .data/; else in memory.
   */
  LOCAL_STATE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Local mode only: port for DynamoDB Local; 0 picks a free loopback port. */
  LOCAL_DYNAMODB_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** Local mode only: the Java 17+ executable that runs DynamoDB Local. */
  LOCAL_JAVA_PATH: Type.String({ minLength: 1, default: 'java' }),
  /** Local mode only: overrides every queue's VisibilityTimeout (how long a worker may take before redelivery). */
  LOCAL_QUEUE_VISIBILITY_MS: Type.Optional(PositiveInt),
  /** Local mode: run every scheduled function (outbox relay, recovery sweeper) at this interval instead of the template's rate. */
  LOCAL_SCHEDULE_INTERVAL_MS: Type.Optional(PositiveInt)
}

/** One schema from slices (CommonSlice always included). */
export function configSchema<S extends TProperties[]>(...slices: S) {
  return Type.Object(Object.assign({}, CommonSlice, ...slices) as typeof CommonSlice & UnionToIntersection<S[number]>)
}

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never

/** Every setting: the embedded runtime, which runs the API and every worker in one process. */
export const ConfigSchema = configSchema(HttpSlice, OutboxSlice, OrdersSlice, PaymentsSlice, StripeSlice, TokensSlice, UsersSlice, MailSlice, RecoverySlice, LocalSlice)

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

/** `RUNTIME_MODE` if set, else `aws` when AWS region or endpoint config is given, else `local`. */
export function runtimeMode(env: Env): string {
  return env.RUNTIME_MODE || (env.AWS_REGION || env.AWS_ENDPOINT_URL ? 'aws' : 'local')
}

/**
 * The mode `node dist/server.js` (`npm start`, the container) runs in and why, as one line for its
 * start output: an AWS_REGION exported for other tools alone switches to aws mode, which surprises
 * unless it is said. Checks RUNTIME_MODE first, so a wrong value is named with the values it takes
 * before any setting of the mode it did not select is asked for.
 */
export function runtimeModeLine(env: Env): string {
  const explicit = env.RUNTIME_MODE
  if (explicit) {
    const problem = problemOf(CommonSlice.RUNTIME_MODE, explicit)
    if (problem !== undefined) throw new ConfigError('RUNTIME_MODE', `${problem} (got ${JSON.stringify(explicit)})`)
    return `Mode: ${explicit} (RUNTIME_MODE=${explicit})`
  }
  const given = (['AWS_REGION', 'AWS_ENDPOINT_URL'] as const).filter((variable) => env[variable])
  if (given.length === 0) return 'Mode: local (no AWS_REGION/AWS_ENDPOINT_URL/RUNTIME_MODE set)'
  return `Mode: aws (${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'} set; set RUNTIME_MODE=local for the embedded runtime)`
}

/** Parses `env` against ConfigSchema (every setting). Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  return loadConfigOf(ConfigSchema, env)
}

/**
 * Parses `env` against `schema` (an entry point's slices, see configSchema): only its variables are
 * read and required. Throws ConfigError naming the first bad variable.
 */
export function loadConfigOf<T extends TProperties>(schema: TObject<T>, env: Env = process.env): Static<TObject<T>> {
  const properties = schema.properties as Record<string, TSchema>
  const raw: Record<string, unknown> = {}
  for (const [key, property] of Object.entries(properties)) {
    const value = env[key]
    if (value === undefined || value === '') continue
    raw[key] = coerce(value, property)
  }
  raw.RUNTIME_MODE ??= runtimeMode(env)
  const withDefaults: Record<string, unknown> = {}
  for (const [variable, property] of Object.entries(properties)) {
    const value = raw[variable] ?? property.default
    if (value !== undefined) withDefaults[variable] = value
    const problem = problemOf(property, value)
    if (problem === undefined) continue
    const got = env[variable]
    const shown = property.secret === true ? '(value hidden)' : `(got ${JSON.stringify(got)})`
    throw new ConfigError(variable, got === undefined || got === '' ? `is required (${problem})` : `${problem} ${shown}`)
  }
  const config = withDefaults as Static<TObject<T>> & Record<string, unknown>
  if (config.RUNTIME_MODE === 'aws') {
    const missing = REQUIRED_ON_AWS.find((variable) => variable in properties && config[variable] === undefined)
    if (missing) throw new ConfigError(missing, 'is required in aws mode')
  }
  return config
}

/**
 * What `value` fails in `schema`, in TypeBox's words, or undefined when it is valid. Knows the kinds
 * the slices use (optional; string with minLength/pattern; integer with minimum/maximum; a union of
 * literals) and refuses any other, so a slice cannot use one unchecked.
 */
export function problemOf(schema: TSchema, value: unknown): string | undefined {
  if (value === undefined) return (schema as { [OptionalKind]?: unknown })[OptionalKind] === 'Optional' ? undefined : 'Expected required property'
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as Array<{ const?: unknown }>).map((option) => option.const)
    return options.includes(value) ? undefined : `Expected one of: ${options.join(', ')}`
  }
  if (schema.type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return 'Expected integer'
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `Expected integer to be greater or equal to ${schema.minimum}`
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `Expected integer to be less or equal to ${schema.maximum}`
    return undefined
  }
  if (schema.type === 'string') {
    if (typeof value !== 'string') return 'Expected string'
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `Expected string length greater or equal to ${schema.minLength}`
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) return `Expected string to match '${schema.pattern}'`
    return undefined
  }
  throw new Error(`config schema kind not supported by problemOf: ${JSON.stringify(schema)}`)
}

/** Optional in the schema because local mode fills them in; AWS has nothing to fill them in with. */
export const REQUIRED_ON_AWS = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const

function coerce(value: string, schema: TSchema): unknown {
  if (schema.type === 'integer') {
    return /^-?\d+$/.test(value.trim()) ? Number(value) : value
  }
  return value
}

/**
 * Where the embedded runtime keeps what is not in DynamoDB Local (see LOCAL_STATE_DIR), or undefined
 * for in memory. Read from the environment: the Stripe simulator needs it before the config exists.
 */
export function localStateDir(env: Env): string | undefined {
  if (env.LOCAL_STATE_DIR) return resolve(env.LOCAL_STATE_DIR)
  if (env.LOCAL_DATA_DIR) return dirname(resolve(env.LOCAL_DATA_DIR))
  return undefined
}

export interface StripeSettings {
  secretKey: string
  webhookSecret: string
  host?: string
  port?: number
  protocol?: 'http' | 'https'
}

/** The settings of the Stripe client (createStripeGateway); ConfigError when a key is missing. */
export function stripeSettings(config: Pick<Config, keyof typeof StripeSlice>): StripeSettings {
  if (!config.STRIPE_SECRET_KEY) throw new ConfigError('STRIPE_SECRET_KEY', 'is required')
  if (!config.STRIPE_WEBHOOK_SECRET) throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'is required')
  return {
    secretKey: config.STRIPE_SECRET_KEY,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    host: config.STRIPE_API_HOST,
    port: config.STRIPE_API_PORT,
    protocol: config.STRIPE_API_PROTOCOL
  }
}

export function adminEmails(config: Pick<Config, 'ADMIN_EMAILS'>): Set<string> {
  return new Set(config.ADMIN_EMAILS.split(',').map((email) => email.trim().toLowerCase()).filter(Boolean))
}

export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS'>): string[] | '*' {
  const origins = config.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean)
  return origins.includes('*') ? '*' : origins
}
