// build(t): the app on the embedded runtime's real local engines, for integration tests.
// One DynamoDB Local per test process (started on first use); every build(t) gets its own stack name,
// so its own fresh tables, bus and workflow runner. Everything is closed when the test ends.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp, type AppOptions } from '../../src/app'
import { startDynamoDbLocal, type DynamoDbLocal } from '../../src/local/dynamodb/dynamodb-local'
import { startEmbeddedRuntime, type EmbeddedRuntime } from '../../src/local/runtime'
import { projectRootFrom } from '../../src/infra/project-root'
import { createLogger } from '../../src/logger'
import type { Metrics } from '../../src/ports/metrics'
import { LogCapture } from './log-capture'

export const projectRoot = projectRootFrom(import.meta.url)

let shared: Promise<DynamoDbLocal> | undefined

/** The DynamoDB Local of this test process (killed with the process). */
export function sharedDynamoDbLocal(): Promise<DynamoDbLocal> {
  shared ??= startDynamoDbLocal({})
  return shared
}

export interface BuildOptions {
  /** Extra environment (config) for this app, e.g. shorter timeouts. */
  env?: Record<string, string>
  /** Register extra routes before the app is ready (tests of cross-cutting plugins). */
  extend?: (app: FastifyInstance) => void | Promise<void>
  /** Seed the demo catalog as a real start does (default false: tests start with no products). */
  seedDemoCatalog?: boolean
  /** DynamoDB endpoint of the app (default: this process's DynamoDB Local), e.g. a proxy that stages outages. */
  dynamodbEndpoint?: string
  /** Where template.yaml and the state machine's ASL are read from (default: the project). */
  projectRoot?: string
  /** Socket timeouts when the test makes the app listen (default: the production ones). */
  serverLimits?: AppOptions['serverLimits']
  /** Business metrics of the services (default: the embedded runtime's, logged at debug level). */
  metrics?: Metrics
}

export interface TestApp {
  app: FastifyInstance
  runtime: EmbeddedRuntime
  logs: LogCapture
}

export async function build(t: Test, options: BuildOptions = {}): Promise<TestApp> {
  const dynamodbEndpoint = options.dynamodbEndpoint ?? (await sharedDynamoDbLocal()).endpoint
  const logs = new LogCapture()
  const env = { ...process.env, LOG_LEVEL: 'info', ...options.env }
  const runtime = await startEmbeddedRuntime({
    projectRoot: options.projectRoot ?? projectRoot,
    env,
    logger: createLogger({ LOG_LEVEL: 'info', RUNTIME_MODE: 'local' }, logs),
    stackName: `t${randomBytes(5).toString('hex')}`,
    dynamodbEndpoint,
    messaging: { redeliveryDelayMs: 20 },
    seedDemoCatalog: options.seedDemoCatalog ?? false,
    metrics: options.metrics
  })
  let app: FastifyInstance
  try {
    app = await buildApp({
      config: runtime.config,
      services: runtime.services,
      authenticate: runtime.authenticate,
      logger: runtime.logger,
      localRoutes: runtime.localRoutes,
      serverLimits: options.serverLimits
    })
    await options.extend?.(app)
    await app.ready()
  } catch (error) {
    await runtime.close()
    throw error
  }
  // Stripe's webhooks reach the app in-process.
  runtime.stripe.deliver = async (payload, headers) => {
    const response = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers })
    return { statusCode: response.statusCode }
  }
  t.teardown(async () => {
    await app.close()
    await runtime.close()
  })
  return { app, runtime, logs }
}
