// Builders of the domain services the roots share (payments, orders, notifications, the saga, the
// recovery sweeper), from ports' implementations the root chose.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DynamoPaymentRepository } from '../adapters/dynamodb/payment-repository'
import type { Config } from '../config'
import type { Logger } from '../logger'
import type { EventBus } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { OrderRepository } from '../ports/order-repository'
import type { PaymentGateway } from '../ports/payment-gateway'
import type { WorkflowRunner } from '../ports/workflow'
import type { CursorCodec } from '../services/cursor'
import { NotificationService, type EmailVerificationTokens } from '../services/notification-service'
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
import { RateLimiter } from '../services/rate-limiter'
import type { TokenService } from '../services/token-service'
import { processedEvents } from './builders'

export function paymentService(
  documents: DynamoDBDocumentClient,
  orders: OrderRepository,
  gateway: PaymentGateway,
  events: EventBus,
  config: Pick<Config, 'PAYMENTS_TABLE' | 'OUTBOX_TABLE' | 'IDEMPOTENCY_TABLE' | 'PAYMENT_EVENTS_TOPIC_ARN'>
): PaymentService {
  return new PaymentService(
    new DynamoPaymentRepository(documents, config.PAYMENTS_TABLE, config.OUTBOX_TABLE),
    orders,
    gateway,
    events,
    processedEvents(documents, config),
    config.PAYMENT_EVENTS_TOPIC_ARN
  )
}

export function orderService(
  orders: OrderRepository,
  loadCatalog: ConstructorParameters<typeof OrderService>[1],
  events: EventBus,
  workflow: WorkflowRunner,
  cursors: CursorCodec,
  payments: PaymentService,
  config: Pick<Config, 'ORDER_EVENTS_TOPIC_ARN' | 'ORDER_STATE_MACHINE_ARN' | 'PAYMENT_WINDOW_SECONDS'>
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
    (order, correlationId) => payments.refundOrder(order, correlationId)
  )
}

export function notificationService(
  documents: DynamoDBDocumentClient,
  mailer: Mailer,
  tokens: EmailVerificationTokens,
  config: Pick<Config, 'IDEMPOTENCY_TABLE' | 'PUBLIC_BASE_URL'>
): NotificationService {
  return new NotificationService(mailer, processedEvents(documents, config), tokens, config.PUBLIC_BASE_URL)
}

export interface SagaParts {
  orders: OrderRepository
  orderService: OrderService
  notifications: NotificationService
  payments: PaymentService
  workflow: WorkflowRunner
  events: EventBus
}

export function orderSaga(parts: SagaParts, config: Pick<Config, 'ORDER_EVENTS_TOPIC_ARN'>): OrderSaga {
  return new OrderSaga(parts.orders, parts.orderService, parts.notifications, parts.payments, parts.workflow, parts.events, config.ORDER_EVENTS_TOPIC_ARN)
}

export function recoverySweeper(
  parts: Pick<SagaParts, 'orders' | 'workflow' | 'payments'> & { saga: OrderSaga },
  config: Pick<Config, 'ORDER_STATE_MACHINE_ARN' | 'PAYMENT_WINDOW_SECONDS' | 'RECOVERY_GRACE_SECONDS'>,
  logger: Logger
): RecoverySweeper {
  return new RecoverySweeper(
    parts.orders,
    parts.workflow,
    parts.saga,
    parts.payments,
    { orderStateMachineArn: config.ORDER_STATE_MACHINE_ARN, paymentWindowSeconds: config.PAYMENT_WINDOW_SECONDS, graceSeconds: config.RECOVERY_GRACE_SECONDS },
    (error, id) => logger.warn({ err: error, id }, 'recovery sweeper: left for the next run')
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
      knownAddresses: new DynamoKnownAddresses(documents, config.IDEMPOTENCY_TABLE, KNOWN_ADDRESS_TTL_SECONDS)
    },
    new PasswordHasher(config.BCRYPT_COST, bcrypt),
    tokens,
    events,
    { adminEmails: adminEmails(config), userEventsTopicArn: config.USER_EVENTS_TOPIC_ARN }
  )
}
