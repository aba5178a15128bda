// The composition root: builds clients, adapters, services and workers once per process (Lambda init,
// container start, or the embedded runtime) and hands the same services to the API and every worker.
import { createHmac } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { SFNClient } from '@aws-sdk/client-sfn'
import { SNSClient } from '@aws-sdk/client-sns'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { AWS_CLIENT_LIMITS } from './adapters/aws/client-limits'
import { SesMailer } from './adapters/aws/ses-mailer'
import { BcryptWorkerPool } from './adapters/crypto/bcrypt-worker-pool'
import { createStripeGateway } from './adapters/stripe/stripe-gateway'
import { SfnWorkflowRunner } from './adapters/aws/sfn-workflow'
import { SnsEventBus } from './adapters/aws/sns-event-bus'
import { DynamoAttemptCounter } from './adapters/dynamodb/attempt-counter'
import { DynamoIdempotencyStore } from './adapters/dynamodb/idempotency-store'
import { DynamoOrderRepository } from './adapters/dynamodb/order-repository'
import { DynamoOutbox } from './adapters/dynamodb/outbox-store'
import { DynamoPaymentRepository } from './adapters/dynamodb/payment-repository'
import { DynamoProcessedEvents } from './adapters/dynamodb/processed-events'
import { DynamoProductRepository } from './adapters/dynamodb/product-repository'
import { DynamoSessionStore } from './adapters/dynamodb/session-store'
import { TableStoreProbe } from './adapters/dynamodb/table-store-probe'
import { DynamoUserRepository } from './adapters/dynamodb/user-repository'
import { reportStoreOutages } from './adapters/dynamodb/store-availability'
import { adminEmails, loadConfig, stripeSettings, type Config } from './config'
import { createLogger, type Logger } from './logger'
import type { Authenticate } from './plugins/auth-guard'
import { bearerAuthenticate } from './plugins/bearer-authenticate'
import type { EventBus } from './ports/event-bus'
import type { BcryptEngine } from './ports/bcrypt-engine'
import type { Mailer } from './ports/mailer'
import type { PaymentGateway } from './ports/payment-gateway'
import type { WorkflowRunner } from './ports/workflow'
import type { Services } from './services/index'
import { AuthService } from './services/auth-service'
import { CatalogService } from './services/catalog-service'
import { OrderSaga } from './services/order-saga'
import { OrderService } from './services/order-service'
import { OutboxEventBus } from './services/outbox-event-bus'
import { PaymentService } from './services/payment-service'
import { RecoverySweeper } from './services/recovery-sweeper'
import { CursorCodec } from './services/cursor'
import { HealthService } from './services/health-service'
import { Idempotency } from './services/idempotency'
import { NotificationService } from './services/notification-service'
import { PasswordHasher } from './services/password-hasher'
import { TokenService } from './services/token-service'
import { UserService } from './services/user-service'
import { createWorkers, type Workers } from './workers/index'

/** Implementations of every port. AWS ones below; local ones in src/local/runtime.ts. */
export interface Adapters {
  dynamodb: DynamoDBClient
  documents: DynamoDBDocumentClient
  eventBus: EventBus
  workflow: WorkflowRunner
  mailer: Mailer
  paymentGateway: PaymentGateway
  /** Where bcrypt runs (a worker-thread pool, off the event loop). */
  bcrypt: BcryptEngine
}

export interface Runtime {
  config: Config
  logger: Logger
  services: Services
  workers: Workers
  authenticate: Authenticate
}

/**
 * The document client the repositories use. It also makes `dynamodb` (whose middleware stack it
 * shares) report outages as StoreUnavailableError, so no service or probe sees an SDK error for them.
 */
export function documentClient(dynamodb: DynamoDBClient): DynamoDBDocumentClient {
  reportStoreOutages(dynamodb)
  return DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } })
}

export function createServices(config: Config, adapters: Adapters, logger: Logger): Services {
  const { documents } = adapters
  // Every event goes through the outbox-backed bus: a failed publish is deferred, not lost.
  const events = new OutboxEventBus(adapters.eventBus, new DynamoOutbox(documents, config.OUTBOX_TABLE), logger)
  const userRepository = new DynamoUserRepository(documents, config.USERS_TABLE, config.OUTBOX_TABLE)
  // The cursor key is derived from JWT_SECRET (HMAC with a fixed label, for domain separation), so
  // no second secret is needed and a cursor MAC can never double as a token signature.
  const cursors = new CursorCodec(createHmac('sha256', config.JWT_SECRET).update('cursor').digest('hex'))
  const tokens = new TokenService({
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: {
      access: config.ACCESS_TOKEN_TTL_SECONDS,
      refresh: config.REFRESH_TOKEN_TTL_SECONDS,
      'email-verify': config.EMAIL_VERIFY_TTL_SECONDS
    }
  })
  const auth = new AuthService(
    userRepository,
    new DynamoSessionStore(documents, config.SESSIONS_TABLE),
    new DynamoAttemptCounter(documents, config.IDEMPOTENCY_TABLE, config.LOGIN_FAILURE_WINDOW_SECONDS),
    new PasswordHasher(config.BCRYPT_COST, adapters.bcrypt),
    tokens,
    events,
    {
      adminEmails: adminEmails(config),
      userEventsTopicArn: config.USER_EVENTS_TOPIC_ARN,
      maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS
    }
  )
  const products = new DynamoProductRepository(documents, config.PRODUCTS_TABLE)
  const orderRepository = new DynamoOrderRepository(documents, config.ORDERS_TABLE, config.PRODUCTS_TABLE, config.OUTBOX_TABLE)
  const processedEvents = new DynamoProcessedEvents(documents, config.IDEMPOTENCY_TABLE)
  const notifications = new NotificationService(adapters.mailer, processedEvents, auth, config.PUBLIC_BASE_URL)
  const payments = new PaymentService(
    new DynamoPaymentRepository(documents, config.PAYMENTS_TABLE, config.OUTBOX_TABLE),
    orderRepository,
    adapters.paymentGateway,
    events,
    processedEvents,
    config.PAYMENT_EVENTS_TOPIC_ARN
  )
  const orders = new OrderService(
    orderRepository,
    async (ids) => [...(await products.getMany(ids)).values()],
    events,
    adapters.workflow,
    cursors,
    {
      orderEventsTopicArn: config.ORDER_EVENTS_TOPIC_ARN,
      orderStateMachineArn: config.ORDER_STATE_MACHINE_ARN,
      paymentWindowSeconds: config.PAYMENT_WINDOW_SECONDS
    },
    (order, correlationId) => payments.refundOrder(order, correlationId)
  )
  const saga = new OrderSaga(orderRepository, orders, notifications, payments, adapters.workflow, events, config.ORDER_EVENTS_TOPIC_ARN)
  const recovery = new RecoverySweeper(
    orderRepository,
    adapters.workflow,
    saga,
    payments,
    { orderStateMachineArn: config.ORDER_STATE_MACHINE_ARN, paymentWindowSeconds: config.PAYMENT_WINDOW_SECONDS, graceSeconds: config.RECOVERY_GRACE_SECONDS },
    (error, id) => logger.warn({ err: error, id }, 'recovery sweeper: left for the next run')
  )
  return {
    health: new HealthService([new TableStoreProbe(adapters.dynamodb, config.USERS_TABLE)]),
    idempotency: new Idempotency(new DynamoIdempotencyStore(documents, config.IDEMPOTENCY_TABLE), { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS }),
    auth,
    users: new UserService(userRepository),
    catalog: new CatalogService(products, cursors),
    cursors,
    notifications,
    orders,
    payments,
    events,
    saga,
    recovery
  }
}

export function composeRuntime(config: Config, adapters: Adapters, logger: Logger): Runtime {
  const services = createServices(config, adapters, logger)
  return {
    config,
    logger,
    services,
    workers: createWorkers(services, logger),
    authenticate: bearerAuthenticate((accessToken) => services.auth.principalOf(accessToken))
  }
}

export function awsAdapters(config: Config): Adapters {
  // Every AWS call is bounded in time: a hanging dependency costs a request seconds, not API Gateway's 29 s.
  const client = { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL, ...AWS_CLIENT_LIMITS }
  const dynamodb = new DynamoDBClient(client)
  return {
    dynamodb,
    documents: documentClient(dynamodb),
    eventBus: new SnsEventBus(new SNSClient(client)),
    workflow: new SfnWorkflowRunner(new SFNClient(client)),
    mailer: new SesMailer(new SESv2Client(client), config.MAIL_FROM),
    paymentGateway: createStripeGateway(stripeSettings(config)),
    bcrypt: new BcryptWorkerPool()
  }
}

let awsRuntime: Runtime | undefined

/** The AWS-mode runtime of this process, built on first use (Lambda init) and reused after. */
export function awsRuntimeOnce(env: NodeJS.ProcessEnv = process.env): Runtime {
  if (!awsRuntime) {
    const config = loadConfig({ ...env, RUNTIME_MODE: env.RUNTIME_MODE ?? 'aws' })
    awsRuntime = composeRuntime(config, awsAdapters(config), createLogger(config))
  }
  return awsRuntime
}
