// Composition of everything in one process: the embedded runtime (src/local/runtime.ts), which runs
// the API and every worker together, hands its own adapters to composeRuntime. Deployed functions
// never import this file: each has its own root in this folder (api.ts, one per worker).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { BcryptWorkerPool } from '../adapters/crypto/bcrypt-worker-pool'
import { DynamoBackOfficeQueries } from '../adapters/dynamodb/back-office-queries'
import { DynamoIdempotencyStore } from '../adapters/dynamodb/idempotency-store'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { TableStoreProbe } from '../adapters/dynamodb/table-store-probe'
import { DynamoUserRepository } from '../adapters/dynamodb/user-repository'
import type { Config } from '../config'
import type { Logger } from '../logger'
import type { Authenticate } from '../plugins/auth-guard'
import { bearerAuthenticate } from '../plugins/bearer-authenticate'
import type { BcryptEngine } from '../ports/bcrypt-engine'
import type { EventBus } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { Metrics } from '../ports/metrics'
import type { PaymentGateway } from '../ports/payment-gateway'
import type { WorkflowRunner } from '../ports/workflow'
import { AdminService } from '../services/admin-service'
import { CatalogService } from '../services/catalog-service'
import { HealthService } from '../services/health-service'
import { Idempotency } from '../services/idempotency'
import type { Services } from '../services/index'
import { UserService } from '../services/user-service'
import { createWorkers, type Workers } from '../workers/index'
import { sesMailer, sfnWorkflow, snsEventBus } from './aws-clients'
import { awsClientOptions, documentClient, orderRepository, outboxEventBus } from './builders'
import { authService, notificationService, orderSaga, orderService, passwordResetLinks, passwordService, paymentService, recoverySweeper } from './services'
import { stripeGateway } from './stripe'
import { cursorCodec, tokenService } from './tokens'

/** Implementations of every port. AWS ones in awsAdapters; local ones in src/local/runtime.ts. */
export interface Adapters {
  dynamodb: DynamoDBClient
  documents: DynamoDBDocumentClient
  eventBus: EventBus
  workflow: WorkflowRunner
  mailer: Mailer
  paymentGateway: PaymentGateway
  /** Where bcrypt runs (a worker-thread pool, off the event loop). */
  bcrypt: BcryptEngine
  /** Business metrics; none recorded when absent. */
  metrics?: Metrics
}

export interface Runtime {
  config: Config
  logger: Logger
  services: Services
  workers: Workers
  authenticate: Authenticate
}

export function createServices(config: Config, adapters: Adapters, logger: Logger): Services {
  const { documents } = adapters
  const { metrics } = adapters
  const events = outboxEventBus(documents, adapters.eventBus, config, logger, metrics)
  const userRepository = new DynamoUserRepository(documents, config.USERS_TABLE, config.OUTBOX_TABLE)
  const cursors = cursorCodec(config)
  const auth = authService(documents, userRepository, adapters.bcrypt, tokenService(config), events, config)
  const products = new DynamoProductRepository(documents, config.PRODUCTS_TABLE)
  const orders = orderRepository(documents, config)
  const notifications = notificationService(
    documents,
    adapters.mailer,
    { verificationTokens: auth, resetLinks: passwordResetLinks(documents, userRepository, tokenService(config), config), orders },
    config
  )
  const payments = paymentService(documents, orders, adapters.paymentGateway, events, config, metrics)
  const orderSteps = orderService(orders, async (ids) => [...(await products.getMany(ids)).values()], events, adapters.workflow, cursors, payments, config, metrics)
  const saga = orderSaga({ orders, orderService: orderSteps, payments, workflow: adapters.workflow, events }, config)
  return {
    health: new HealthService([new TableStoreProbe(adapters.dynamodb, config.USERS_TABLE)]),
    idempotency: new Idempotency(new DynamoIdempotencyStore(documents, config.IDEMPOTENCY_TABLE), { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS }),
    auth,
    passwords: passwordService(documents, userRepository, auth, adapters.bcrypt, tokenService(config), events, config),
    users: new UserService(userRepository),
    catalog: new CatalogService(products, cursors),
    admin: new AdminService(new DynamoBackOfficeQueries(documents, config.ORDERS_TABLE, config.PRODUCTS_TABLE), userRepository, products, cursors),
    cursors,
    notifications,
    orders: orderSteps,
    payments,
    events,
    saga,
    recovery: recoverySweeper({ orders, workflow: adapters.workflow, payments, saga }, config, logger, metrics)
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

/** Every port on AWS (tests of the AWS adapters' behaviour under outages use it). */
export function awsAdapters(config: Config): Adapters {
  const dynamodb = new DynamoDBClient(awsClientOptions(config))
  return {
    dynamodb,
    documents: documentClient(dynamodb),
    eventBus: snsEventBus(config),
    workflow: sfnWorkflow(config),
    mailer: sesMailer(config),
    paymentGateway: stripeGateway(config),
    bcrypt: new BcryptWorkerPool()
  }
}
