// buildApp(services) → the Fastify instance: cross-cutting plugins, then one route plugin per domain.
// No I/O happens at import or build time; the entry's composition root (src/composition/) supplies the
// services. Plugins and routes are registered explicitly (no autoloading: the Lambda is bundled).
import cors from '@fastify/cors'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { corsOrigins, type Config } from './config'
import type { Logger } from './logger'
import { authGuardPlugin, type Authenticate } from './plugins/auth-guard'
import { correlationIdFor, correlationIdPlugin } from './plugins/correlation-id'
import { DOCS_PREFIX, docsPlugin } from './plugins/docs'
import { clientErrorHandlerFor, errorHandlerPlugin, frameworkErrorHandler } from './plugins/error-handler'
import { idempotencyKeyPlugin } from './plugins/idempotency-key'
import { jsonBodyPlugin } from './plugins/json-body'
import { fastifyLogging } from './plugins/request-logging'
import { schemaCompilers, type FastifyCompilersFactory } from './plugins/schema-compilers'
import { adminRoutes } from './routes/admin'
import { healthRoutes } from './routes/health'
import { ordersRoutes } from './routes/orders'
import { pagesRoutes } from './routes/pages'
import { passwordsRoutes } from './routes/passwords'
import { paymentsRoutes } from './routes/payments'
import { productsRoutes } from './routes/products'
import { usersRoutes } from './routes/users'
import { webhooksRoutes } from './routes/webhooks'
import { ErrorResponse } from './schemas/common'
import { AdminProductSchema, ProductSchema } from './schemas/products'
import { OrderSchema } from './schemas/orders'
import { PaymentSchema } from './schemas/payments'
import { UserSchema } from './schemas/users'
import { SERVER_LIMITS, serverLimitOptions, type ServerLimits } from './server-limits'
import type { Services } from './services/index'

/** The services the routes call (the API's composition root builds only these). */
export type ApiServices = Pick<Services, 'health' | 'auth' | 'users' | 'catalog' | 'orders' | 'payments' | 'idempotency' | 'admin' | 'passwords'>

export interface AppOptions {
  config: Pick<Config, 'CORS_ORIGINS'>
  services: ApiServices
  authenticate: Authenticate
  /** Routes that exist only on the embedded runtime (/_local/...). Never passed on AWS. */
  localRoutes?: FastifyPluginAsync
  /** The process logger (src/logger.ts); request logs are its children. */
  logger: Logger
  /** Socket timeouts of the listening server (src/server-limits.ts); tests shorten them. */
  serverLimits?: Partial<ServerLimits>
  /** Fastify's schema compilers; scripts/compile-schemas.ts records with its own. Default: src/plugins/schema-compilers.ts. */
  schemaCompilers?: FastifyCompilersFactory
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, services } = options
  const app = Fastify({
    ...fastifyLogging(options.logger),
    genReqId: correlationIdFor,
    requestIdHeader: false,
    bodyLimit: 256 * 1024,
    ...serverLimitOptions({ ...SERVER_LIMITS, ...options.serverLimits }),
    // Errors before routing and from Node's HTTP parser, in the error shape (src/plugins/error-handler.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandlerFor(options.logger),
    schemaController: { compilersFactory: options.schemaCompilers ?? schemaCompilers }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addSchema(ErrorResponse)
  app.addSchema(UserSchema)
  app.addSchema(ProductSchema)
  app.addSchema(AdminProductSchema)
  app.addSchema(OrderSchema)
  app.addSchema(PaymentSchema)
  await app.register(correlationIdPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(jsonBodyPlugin)
  await app.register(idempotencyKeyPlugin)
  await app.register(authGuardPlugin, { authenticate: options.authenticate, publicPrefixes: [DOCS_PREFIX], publicRoutes: ['OPTIONS *'] })
  const origins = corsOrigins(config)
  // No allowed origin means no CORS headers at all: then the plugin's per-request hook is skipped too.
  if (origins.length > 0) {
    await app.register(cors, { origin: origins === '*' ? true : origins, exposedHeaders: ['x-correlation-id', 'idempotent-replayed', 'retry-after'] })
  }
  await app.register(docsPlugin)

  await app.register(healthRoutes, { health: services.health })
  await app.register(usersRoutes, { auth: services.auth, users: services.users })
  await app.register(passwordsRoutes, { passwords: services.passwords })
  await app.register(productsRoutes, { catalog: services.catalog })
  await app.register(ordersRoutes, { orders: services.orders, idempotency: services.idempotency })
  await app.register(paymentsRoutes, { payments: services.payments, idempotency: services.idempotency })
  await app.register(webhooksRoutes, { payments: services.payments })
  await app.register(adminRoutes, { admin: services.admin })
  await app.register(pagesRoutes)
  if (options.localRoutes) await app.register(options.localRoutes, { prefix: '/_local' })

  return app
}
