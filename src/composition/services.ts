// Builders of the domain services the roots share (payments, orders, notifications, the saga, the
// recovery sweeper), from ports' implementations the root chose.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DynamoEventClaims } from '../adapters/dynamodb/event-claims'
import { DynamoPaymentRepository } from '../adapters/dynamodb/payment-repository'
import type { Config } from '../config'
import type { Logger } from '../logger'
import type { EventBus } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { Metrics } from '../ports/metrics'
import type { OrderRepository } from '../ports/order-repository'
import type { PaymentGateway } from '../ports/payment-gateway'
import type { WorkflowRunner } from '../ports/workflow'
import type { CursorCodec } from '../services/cursor'
import { NotificationService, type NotificationSources } from '../services/notification-service'
import { OrderSaga } from '../services/order-saga'
import { OrderService } from '../services/order-service'
import { PaymentService } from '../services/payment-service'
import { RecoverySweeper } from '../services/recovery-sweeper'
import { DynamoAttemptCounter } from '../adapters/dynamodb/attempt-counter'
import { DynamoKnownAddresses } from '../adapters/dynamodb/known-addresses'
import { DynamoSessionStore } from '../adapters/dynamodb/session-store'
import { adminEmails } from '../config'
import type { BcryptEngine } from '../ports/bcrypt-engine'
import type { UserRepository } from '../ports/user-repository'
import { AuthService } from '../services/auth-service'
import { PasswordHasher } from '../services/password-hasher'
import { PasswordResetLinks } from '../services/password-reset'
import { PasswordService } from '../services/password-service'
import { RateLimiter } from '../services/rate-limiter'
import { TokenGenerations } from '../services/token-generations'
import type { TokenService } from '../services/token-service'
import { processedEvents } from './builders'

export function paymentService(
  documents: DynamoDBDocumentClient,
  orders: OrderRepository,
  gateway: PaymentGateway,
  events: EventBus,
  config: Pick<Config, 'PAYMENTS_TABLE' | 'OUTBOX_TABLE' | 'IDEMPOTENCY_TABLE' | 'PAYMENT_EVENTS_TOPIC_ARN'>,
  metrics?: Metrics
): PaymentService {
  return new PaymentService(
    new DynamoPaymentRepository(documents, config.PAYMENTS_TABLE, config.OUTBOX_TABLE),
    orders,
    gateway,
    events,
    processedEvents(documents, config),
    config.PAYMENT_EVENTS_TOPIC_ARN,
    metrics
  )
}

export function orderService(
  orders: OrderRepository,
  loadCatalog: ConstructorParameters<typeof OrderService>[1],
  events: EventBus,
  workflow: WorkflowRunner,
  cursors: CursorCodec,
  payments: PaymentService,
  config: Pick<Config, 'ORDER_EVENTS_TOPIC_ARN' | 'ORDER_STATE_MACHINE_ARN' | 'PAYMENT_WINDOW_SECONDS'>,
  metrics?: Metrics
): OrderService {
  return new OrderService(
    orders,
    loadCatalog,
    events,
    workflow,
    cursors,
    {
      orderEventsTopicArn: config.ORDER_EVENTS_TOPIC_ARN,
      orderStateMachineArn: config.ORDER_STATE_MACHINE_ARN,
      paymentWindowSeconds: config.PAYMENT_WINDOW_SECONDS
    },
    (order, correlationId) => payments.refundOrder(order, correlationId),
    metrics
  )
}

/** The emails: `sources` are what they read (the verification token signer, the reset links, the orders). */
export function notificationService(
  documents: DynamoDBDocumentClient,
  mailer: Mailer,
  sources: NotificationSources,
  config: Pick<Config, 'IDEMPOTENCY_TABLE' | 'PUBLIC_BASE_URL' | 'SHOP_NAME' | 'EMAIL_VERIFY_TTL_SECONDS'>
): NotificationService {
  return new NotificationService(mailer, new DynamoEventClaims(documents, config.IDEMPOTENCY_TABLE), sources, {
    publicBaseUrl: config.PUBLIC_BASE_URL,
    shopName: config.SHOP_NAME,
    emailVerifyTtlSeconds: config.EMAIL_VERIFY_TTL_SECONDS
  })
}

export interface SagaParts {
  orders: OrderRepository
  orderService: OrderService
  payments: PaymentService
  workflow: WorkflowRunner
  events: EventBus
}

export function orderSaga(parts: SagaParts, config: Pick<Config, 'ORDER_EVENTS_TOPIC_ARN'>): OrderSaga {
  return new OrderSaga(parts.orders, parts.orderService, parts.payments, parts.workflow, parts.events, config.ORDER_EVENTS_TOPIC_ARN)
}

export function recoverySweeper(
  parts: Pick<SagaParts, 'orders' | 'workflow' | 'payments'> & { saga: OrderSaga },
  config: Pick<Config, 'ORDER_STATE_MACHINE_ARN' | 'PAYMENT_WINDOW_SECONDS' | 'RECOVERY_GRACE_SECONDS'>,
  logger: Logger,
  metrics?: Metrics
): RecoverySweeper {
  return new RecoverySweeper(
    parts.orders,
    parts.workflow,
    parts.saga,
    parts.payments,
    { orderStateMachineArn: config.ORDER_STATE_MACHINE_ARN, paymentWindowSeconds: config.PAYMENT_WINDOW_SECONDS, graceSeconds: config.RECOVERY_GRACE_SECONDS },
    (error, id) => logger.warn({ err: error, id }, 'recovery sweeper: left for the next run'),
    metrics
  )
}

/** How long an address that logged into an account keeps its own failed-login limit there. */
const KNOWN_ADDRESS_TTL_SECONDS = 30 * 86_400

/** The accounts service (registration, login throttling, sessions), the same for the API and the embedded runtime. */
export function authService(
  documents: DynamoDBDocumentClient,
  users: UserRepository,
  bcrypt: BcryptEngine,
  tokens: TokenService,
  events: EventBus,
  config: Pick<
    Config,
    | 'SESSIONS_TABLE'
    | 'IDEMPOTENCY_TABLE'
    | 'LOGIN_FAILURE_WINDOW_SECONDS'
    | 'BCRYPT_COST'
    | 'ADMIN_EMAILS'
    | 'USER_EVENTS_TOPIC_ARN'
    | 'LOGIN_MAX_FAILURES_PER_ACCOUNT'
    | 'LOGIN_MAX_FAILURES_PER_ADDRESS'
    | 'REGISTER_MAX_PER_ADDRESS'
    | 'REGISTER_MAX_PER_EMAIL'
    | 'REGISTER_WINDOW_SECONDS'
    | 'VERIFICATION_RESEND_MAX_PER_ACCOUNT'
    | 'VERIFICATION_RESEND_WINDOW_SECONDS'
  >
): AuthService {
  return new AuthService(
    users,
    new DynamoSessionStore(documents, config.SESSIONS_TABLE),
    {
      login: new RateLimiter(
        new DynamoAttemptCounter(documents, config.IDEMPOTENCY_TABLE, config.LOGIN_FAILURE_WINDOW_SECONDS),
        'login',
        { account: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, address: config.LOGIN_MAX_FAILURES_PER_ADDRESS },
        'Too many failed login attempts. Try again later.'
      ),
      register: new RateLimiter(
        new DynamoAttemptCounter(documents, config.IDEMPOTENCY_TABLE, config.REGISTER_WINDOW_SECONDS),
        'register',
        { address: config.REGISTER_MAX_PER_ADDRESS, email: config.REGISTER_MAX_PER_EMAIL },
        'Too many registration attempts. Try again later.'
      ),
      knownAddresses: new DynamoKnownAddresses(documents, config.IDEMPOTENCY_TABLE, KNOWN_ADDRESS_TTL_SECONDS),
      resendVerification: new RateLimiter(
        new DynamoAttemptCounter(documents, config.IDEMPOTENCY_TABLE, config.VERIFICATION_RESEND_WINDOW_SECONDS),
        'verification-resend',
        { account: config.VERIFICATION_RESEND_MAX_PER_ACCOUNT },
        'Too many verification emails asked for. Try again later.'
      )
    },
    new PasswordHasher(config.BCRYPT_COST, bcrypt),
    tokens,
    events,
    { adminEmails: adminEmails(config), userEventsTopicArn: config.USER_EVENTS_TOPIC_ARN },
    new TokenGenerations(users)
  )
}

/** Forgotten passwords, resets and changes; `auth` checks passwords (throttled as logins) and ends sessions. */
export function passwordService(
  documents: DynamoDBDocumentClient,
  users: UserRepository,
  auth: AuthService,
  bcrypt: BcryptEngine,
  tokens: TokenService,
  events: EventBus,
  config: Pick<
    Config,
    'IDEMPOTENCY_TABLE' | 'BCRYPT_COST' | 'USER_EVENTS_TOPIC_ARN' | 'PASSWORD_RESET_MAX_PER_ADDRESS' | 'PASSWORD_RESET_MAX_PER_EMAIL' | 'PASSWORD_RESET_WINDOW_SECONDS'
  >
): PasswordService {
  return new PasswordService(
    users,
    auth,
    new RateLimiter(
      new DynamoAttemptCounter(documents, config.IDEMPOTENCY_TABLE, config.PASSWORD_RESET_WINDOW_SECONDS),
      'password-reset',
      { address: config.PASSWORD_RESET_MAX_PER_ADDRESS, email: config.PASSWORD_RESET_MAX_PER_EMAIL },
      'Too many password reset requests. Try again later.'
    ),
    new PasswordHasher(config.BCRYPT_COST, bcrypt),
    tokens,
    events,
    { userEventsTopicArn: config.USER_EVENTS_TOPIC_ARN }
  )
}

/**
 * The reset links of PASSWORD_RESET_REQUESTED events, for the notification worker. `documents` and
 * `config` are part of the builder's agreed signature; the links need only the users and the tokens.
 */
export function passwordResetLinks(_documents: DynamoDBDocumentClient, users: UserRepository, tokens: TokenService, _config?: Partial<Config>): PasswordResetLinks {
  return new PasswordResetLinks(users, tokens)
}
