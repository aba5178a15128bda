// Composition root of the HTTP API: the API Lambda (src/lambda.ts) and the container's AWS mode
// (src/server.ts). It builds the services the routes call and nothing else: no mailer (emails are
// the workers'), no saga steps, no recovery sweeper.
import { BcryptWorkerPool } from '../adapters/crypto/bcrypt-worker-pool'
import { DynamoBackOfficeQueries } from '../adapters/dynamodb/back-office-queries'
import { DynamoIdempotencyStore } from '../adapters/dynamodb/idempotency-store'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { TableStoreProbe } from '../adapters/dynamodb/table-store-probe'
import { DynamoUserRepository } from '../adapters/dynamodb/user-repository'
import type { ApiServices } from '../app'
import { configSchema, HttpSlice, loadConfigOf, OrdersSlice, OutboxSlice, PaymentsSlice, StripeSlice, TokensSlice, UsersSlice, type Config } from '../config'
import { createLogger, type Logger } from '../logger'
import type { Authenticate } from '../plugins/auth-guard'
import { bearerAuthenticate } from '../plugins/bearer-authenticate'
import { AdminService } from '../services/admin-service'
import { CatalogService } from '../services/catalog-service'
import { HealthService } from '../services/health-service'
import { Idempotency } from '../services/idempotency'
import { UserService } from '../services/user-service'
import { sfnWorkflow, snsEventBus } from './aws-clients'
import { awsDynamoDb, emfMetrics, orderRepository, outboxEventBus, withAwsMode } from './builders'
import { withSecrets } from './secrets'
import { authService, orderService, passwordService, paymentService } from './services'
import { stripeGateway } from './stripe'
import { cursorCodec, tokenService } from './tokens'

export const ApiConfigSchema = configSchema(HttpSlice, OutboxSlice, OrdersSlice, PaymentsSlice, StripeSlice, TokensSlice, UsersSlice)

export type ApiConfig = Pick<Config, keyof typeof ApiConfigSchema.properties>

export interface ApiRuntime {
  config: ApiConfig
  logger: Logger
  services: ApiServices
  authenticate: Authenticate
}

export function composeApi(config: ApiConfig, logger: Logger): ApiRuntime {
  const { dynamodb, documents } = awsDynamoDb(config)
  const metrics = emfMetrics(config)
  const events = outboxEventBus(documents, snsEventBus(config), config, logger, metrics)
  const tokens = tokenService(config)
  const cursors = cursorCodec(config)
  const userRepository = new DynamoUserRepository(documents, config.USERS_TABLE, config.OUTBOX_TABLE)
  // bcrypt threads start on first use (a login or a registration), not at cold start.
  const bcrypt = new BcryptWorkerPool()
  const auth = authService(documents, userRepository, bcrypt, tokens, events, config)
  const products = new DynamoProductRepository(documents, config.PRODUCTS_TABLE)
  const orders = orderRepository(documents, config)
  const payments = paymentService(documents, orders, stripeGateway(config), events, config, metrics)
  const services: ApiServices = {
    health: new HealthService([new TableStoreProbe(dynamodb, config.USERS_TABLE)]),
    idempotency: new Idempotency(new DynamoIdempotencyStore(documents, config.IDEMPOTENCY_TABLE), { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS }),
    auth,
    passwords: passwordService(documents, userRepository, auth, bcrypt, tokens, events, config),
    users: new UserService(userRepository),
    catalog: new CatalogService(products, cursors),
    admin: new AdminService(new DynamoBackOfficeQueries(documents, config.ORDERS_TABLE, config.PRODUCTS_TABLE), userRepository, products, cursors),
    orders: orderService(orders, async (ids) => [...(await products.getMany(ids)).values()], events, sfnWorkflow(config), cursors, payments, config, metrics),
    payments
  }
  return { config, logger, services, authenticate: bearerAuthenticate((accessToken) => auth.principalOf(accessToken)) }
}

let runtime: ApiRuntime | undefined

/**
 * The API of this process on AWS, built on first use (Lambda init, container start) and reused after;
 * its secrets are read from SSM Parameter Store first (src/composition/secrets.ts).
 */
export async function apiRuntimeOnce(env: NodeJS.ProcessEnv = process.env): Promise<ApiRuntime> {
  if (!runtime) {
    const config = loadConfigOf(ApiConfigSchema, await withSecrets(ApiConfigSchema, withAwsMode(env)))
    runtime ??= composeApi(config, createLogger(config))
  }
  return runtime
}
