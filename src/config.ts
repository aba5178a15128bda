// The one schema for every environment variable the process reads. Parsed and validated once per
// process (src/composition.ts); a bad or missing value stops startup with a message naming it.
import { dirname, resolve } from 'node:path'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const PositiveInt = Type.Integer({ minimum: 1 })

export const ConfigSchema = Type.Object({
  /** `local` starts the embedded runtime; `aws` talks to real AWS services. Derived when unset. */
  RUNTIME_MODE: Type.Union([Type.Literal('local'), Type.Literal('aws')]),
  STAGE: Type.String({ minLength: 1, default: 'local' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  /** Comma-separated list of allowed CORS origins; empty allows none, `*` allows any. */
  CORS_ORIGINS: Type.String({ default: '' }),
  /** Sender address of every email (must be a verified SES identity on AWS). */
  MAIL_FROM: Type.String({ minLength: 3, default: 'Shop <no-reply@shop.example>' }),
  AWS_REGION: Type.Optional(Type.String({ minLength: 1 })),
  /** Overrides every AWS client's endpoint (e.g. a LocalStack); unset on real AWS. */
  AWS_ENDPOINT_URL: Type.Optional(Type.String({ pattern: '^https?://' })),

  // Resource names. On AWS, template.yaml sets them on every function; locally the embedded runtime
  // resolves the same template entries to its local resources.
  USERS_TABLE: Type.String({ minLength: 1 }),
  PRODUCTS_TABLE: Type.String({ minLength: 1 }),
  ORDERS_TABLE: Type.String({ minLength: 1 }),
  PAYMENTS_TABLE: Type.String({ minLength: 1 }),
  IDEMPOTENCY_TABLE: Type.String({ minLength: 1 }),
  SESSIONS_TABLE: Type.String({ minLength: 1 }),
  OUTBOX_TABLE: Type.String({ minLength: 1 }),
  USER_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  ORDER_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  PAYMENT_EVENTS_TOPIC_ARN: Type.String({ minLength: 1 }),
  ORDER_STATE_MACHINE_ARN: Type.String({ minLength: 1 }),
  /** How long an order waits for payment (the saga's AwaitPayment timeout). */
  PAYMENT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: 900 }),
  /**
   * The recovery sweeper's patience: an order still pending or awaiting payment this long after its
   * payment window ended (or without any saga this long after it was placed) is recovered.
   */
  RECOVERY_GRACE_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),

  // Users and authentication.
  /** HS256 secret for every token the API issues (access, refresh, email-verify). */
  JWT_SECRET: Type.String({ minLength: 32, secret: true }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'commerce-api' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'commerce-clients' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 86_400, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 90 * 86_400, default: 30 * 86_400 }),
  EMAIL_VERIFY_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 86_400 }),
  /** bcrypt cost factor; tests lower it through this variable only. */
  BCRYPT_COST: Type.Integer({ minimum: 4, maximum: 15, default: 12 }),
  /** Comma-separated emails that get the admin role once verified. */
  ADMIN_EMAILS: Type.String({ default: '' }),
  /** Failed logins allowed per account, and per client address, in one window before 429. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_MAX_FAILURES_PER_ADDRESS: Type.Integer({ minimum: 1, default: 50 }),
  LOGIN_FAILURE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** How long a response is kept for replay to requests with the same Idempotency-Key (Stripe: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 86_400 }),
  /** Base URL of the web front end; email links point here. */
  PUBLIC_BASE_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3000' }),

  // Payments. The keys are required on AWS (see REQUIRED_ON_AWS); locally the embedded runtime sets
  // all five to reach its Stripe simulator.
  /** Stripe secret API key. */
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^sk_(test|live)_', secret: true })),
  /** Signing secret of our Stripe webhook endpoint (/webhooks/stripe). */
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_', secret: true })),
  /** Another Stripe API server (the local simulator); Stripe's own when unset. */
  STRIPE_API_HOST: Type.Optional(Type.String({ minLength: 1 })),
  STRIPE_API_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  STRIPE_API_PROTOCOL: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),

  /** Local mode only: keep DynamoDB Local's data under this folder instead of in memory. */
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
})

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

/** Parses `env` against ConfigSchema. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const value = env[key]
    if (value === undefined || value === '') continue
    raw[key] = coerce(value, schema)
  }
  raw.RUNTIME_MODE ??= runtimeMode(env)
  const withDefaults = Value.Default(ConfigSchema, raw)
  const firstError = Value.Errors(ConfigSchema, withDefaults).First()
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '').split('/')[0] || '(root)'
    const got = env[variable]
    const secret = (ConfigSchema.properties as Record<string, TSchema>)[variable]?.secret === true
    const shown = secret ? '(value hidden)' : `(got ${JSON.stringify(got)})`
    throw new ConfigError(variable, got === undefined ? `is required (${firstError.message})` : `${firstError.message} ${shown}`)
  }
  const config = withDefaults as Config
  if (config.RUNTIME_MODE === 'aws') {
    const missing = REQUIRED_ON_AWS.find((variable) => config[variable] === undefined)
    if (missing) throw new ConfigError(missing, 'is required in aws mode')
  }
  return config
}

/** Optional in the schema because local mode fills them in; AWS has nothing to fill them in with. */
const REQUIRED_ON_AWS = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const

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
export function stripeSettings(config: Config): StripeSettings {
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

export function adminEmails(config: Config): Set<string> {
  return new Set(config.ADMIN_EMAILS.split(',').map((email) => email.trim().toLowerCase()).filter(Boolean))
}

export function corsOrigins(config: Config): string[] | '*' {
  const origins = config.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean)
  return origins.includes('*') ? '*' : origins
}
