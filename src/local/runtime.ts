// The embedded runtime: every AWS service the app uses, stood in for on this machine, wired from
// template.yaml. DynamoDB Local (tables from the template), the in-process SNS→SQS→worker bus, the
// Step Functions runner and the local mailbox, plus the same services and workers as on AWS.
// With a data folder (--persist) DynamoDB Local, the runner and the Stripe simulator all keep their
// state, and executions in flight resume. Fault switches (faults.ts) make stand-ins fail on demand.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { composeRuntime, type Runtime } from '../composition/all'
import { documentClient } from '../composition/builders'
import { loadConfig, localStateDir, stripeSettings } from '../config'
import { functionEnvironment, resourceNames, parametersFromEnvironment } from './template/names'
import { apiFunctionId } from './template/placeholder-environment'
import { loadTemplate, type CloudFormationTemplate } from './template/template'
import { createLogger, type Logger } from '../logger'
import { terminalLog } from './terminal-log'
import { localRoutes } from './routes'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { createTablesFromTemplate } from './dynamodb/create-tables'
import { FaultSwitches } from './faults'
import { dynamoDbLocalClientConfig, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb/dynamodb-local'
import { BcryptWorkerPool } from '../adapters/crypto/bcrypt-worker-pool'
import { createStripeGateway } from '../adapters/stripe/stripe-gateway'
import { Mailbox } from './ses/mailbox'
import { createMessaging, type Messaging } from './sns-sqs/messaging'
import { startSchedules } from './schedules/schedules'
import { startStreamSources, type StreamSources } from './dynamodb/stream-event-sources'
import { createStateMachineRunner, type StateMachineRunner } from './stepfunctions/workflow'
import { LOCAL_STRIPE_SECRET_KEY, startStripeSimulator, type StripeSimulator } from './stripe/simulator'
import { seedDemoCatalog } from './dynamodb/seed-catalog'
import { forwardingLog } from './log'

export const LOCAL_STACK_NAME = 'commerce-local'

export interface EmbeddedRuntimeOptions {
  projectRoot: string
  /** Defaults to template.yaml in the project root. */
  templatePath?: string
  /** Environment read for settings (not resource names, which come from the template). */
  env?: NodeJS.ProcessEnv
  logger?: Logger
  /** Prefix of every local resource name; tests use a fresh one to get fresh tables. */
  stackName?: string
  /** Reuse a running DynamoDB Local instead of starting one (tests share one per process). */
  dynamodbEndpoint?: string
  /** Extra options for the local bus (tests shorten redelivery delays). */
  messaging?: { redeliveryDelayMs?: number; visibilityTimeoutMs?: number }
  /** Load data/demo-catalog.json into an empty products table (default true; tests start empty). */
  seedDemoCatalog?: boolean
}

export interface EmbeddedRuntime extends Runtime {
  template: CloudFormationTemplate
  dynamodbEndpoint: string
  mailbox: Mailbox
  messaging: Messaging
  workflow: StateMachineRunner
  /** Stripe's stand-in; set its `webhookUrl` (or `deliver`) once the app listens. */
  stripe: StripeSimulator
  /** The fault switches (also at /_local/faults). */
  faults: FaultSwitches
  /** Where the runner and the Stripe simulator keep their state (see LOCAL_STATE_DIR); undefined: in memory. */
  stateDir: string | undefined
  localRoutes: ReturnType<typeof localRoutes>
  /** Resolves when no message or execution is in flight (tests). */
  idle(): Promise<void>
  close(): Promise<void>
}

export async function startEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
  const env = options.env ?? process.env
  const template = loadTemplate(options.templatePath ?? join(options.projectRoot, 'template.yaml'))
  const logged: { logger?: Logger } = { logger: options.logger }
  const faults = new FaultSwitches()
  const stateDir = localStateDir(env)
  // Stripe's stand-in: the app reaches it through the real SDK, pointed here by the STRIPE_API_* settings.
  const stripe = await startStripeSimulator({
    log: forwardingLog(() => logged.logger),
    dataDir: stateDir === undefined ? undefined : join(stateDir, 'stripe'),
    faults
  })
  const names = resourceNames(template, {
    stackName: options.stackName ?? LOCAL_STACK_NAME,
    parameters: {
      Stage: 'local',
      // A fresh signing secret per start unless JWT_SECRET is set: tokens never outlive a local run by accident.
      JwtSecret: randomBytes(32).toString('hex'),
      StripeSecretKey: LOCAL_STRIPE_SECRET_KEY,
      StripeWebhookSecret: stripe.webhookSecret,
      ...parametersFromEnvironment(template, env)
    }
  })
  // Resource names come from the template; settings the template takes as parameters come from env.
  let config
  try {
    config = loadConfig({ ...env, ...functionEnvironment(template, names, apiFunctionId(template)), ...stripe.environment(), RUNTIME_MODE: 'local' })
  } catch (error) {
    await stripe.close()
    throw error
  }
  const logger = options.logger ?? createLogger(config, terminalLog())
  logged.logger = logger

  let dynamodbLocal: DynamoDbLocal | undefined
  if (!options.dynamodbEndpoint) {
    dynamodbLocal = await startDynamoDbLocal({
      dataDir: config.LOCAL_DATA_DIR,
      port: config.LOCAL_DYNAMODB_PORT,
      javaPath: config.LOCAL_JAVA_PATH,
      log: logger
    }).catch(async (error: unknown) => {
      await stripe.close()
      throw error
    })
  }
  const endpoint = options.dynamodbEndpoint ?? (dynamodbLocal as DynamoDbLocal).endpoint
  const dynamodb = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint))
  failWhenSwitched(dynamodb, faults)
  try {
    await createTablesFromTemplate(dynamodb, template, names)
  } catch (error) {
    await dynamodbLocal?.stop()
    await stripe.close()
    throw error
  }

  // Workers are looked up when a message or task arrives, after the runtime below exists.
  const built: { runtime?: Runtime } = {}
  const invoke = async (functionLogicalId: string, event: unknown) => {
    const name = workerName(template, functionLogicalId)
    const worker = built.runtime?.workers[name]
    if (!worker) throw new Error(`No local worker '${name}' for function ${functionLogicalId}`)
    return worker(event)
  }
  const mailbox = new Mailbox()
  const messaging = createMessaging({
    template,
    names,
    invoke,
    redeliveryDelayMs: options.messaging?.redeliveryDelayMs,
    visibilityTimeoutMs: options.messaging?.visibilityTimeoutMs ?? config.LOCAL_QUEUE_VISIBILITY_MS,
    log: logger,
    faults
  })
  const workflow = createStateMachineRunner({
    template,
    names,
    projectRoot: options.projectRoot,
    invoke,
    log: logger,
    dataDir: stateDir === undefined ? undefined : join(stateDir, 'stepfunctions')
  })
  const documents = documentClient(dynamodb)
  const bcrypt = new BcryptWorkerPool()
  const runtime = composeRuntime(
    config,
    { dynamodb, documents, eventBus: messaging.bus, workflow, mailer: mailbox, paymentGateway: createStripeGateway(stripeSettings(config)), bcrypt },
    logger
  )
  built.runtime = runtime
  const schedules = startSchedules(template, invoke, logger, config.LOCAL_SCHEDULE_INTERVAL_MS)
  let streams: StreamSources | undefined
  const closeEngines = async () => {
    schedules.close()
    await streams?.close()
    await bcrypt.close()
    await workflow.close()
    await messaging.close()
    await stripe.close()
    dynamodb.destroy()
    await dynamodbLocal?.stop()
  }
  try {
    // The outbox table's stream → the relay, as Lambda's event source mapping does on AWS.
    streams = await startStreamSources({ template, names, dynamodb, clientConfig: dynamoDbLocalClientConfig(endpoint), invoke, log: logger })
  } catch (error) {
    await closeEngines()
    throw error
  }
  const outboxStream = streams

  const embedded: EmbeddedRuntime = {
    ...runtime,
    template,
    dynamodbEndpoint: endpoint,
    mailbox,
    messaging,
    workflow,
    stripe,
    faults,
    stateDir,
    localRoutes: localRoutes({
      mailbox: () => mailbox.messages(),
      deadLetters: () => messaging.deadLetterQueues(),
      executions: () => workflow.executions(),
      stripe: () => ({ paymentIntents: stripe.paymentIntents(), refunds: stripe.refunds() }),
      completeAuthentication: (id, outcome) => stripe.completeAuthentication(id, outcome),
      faults
    }),
    async idle() {
      // A message can start an execution, an execution can write an event that the outbox relay
      // publishes, a payment can send a webhook that writes one: settle them all.
      for (let round = 0; round < 4; round++) {
        await stripe.idle()
        await outboxStream.idle()
        await messaging.idle()
        await workflow.idle()
      }
    },
    close: closeEngines
  }

  if (options.seedDemoCatalog ?? true) {
    try {
      const file = join(options.projectRoot, 'data', 'demo-catalog.json')
      const seeded = await seedDemoCatalog(new DynamoProductRepository(documents, config.PRODUCTS_TABLE), file)
      if (seeded > 0) logger.info({ products: seeded }, 'demo catalog seeded')
    } catch (error) {
      await embedded.close()
      throw error
    }
  }
  // Sagas that were in flight when the runtime stopped (data folder only) carry on from where they were.
  const resumed = workflow.resume()
  if (resumed > 0) logger.info({ executions: resumed }, 'workflow executions resumed')
  return embedded
}

/**
 * The `dynamodb: unavailable` fault switch: every call of this client fails at once, before it is
 * sent, as a request timing out would (an Error named TimeoutError, as the SDK raises for a socket
 * timeout). Added at the build step, before the SDK's retries (finalizeRequest), so calls fail fast.
 */
function failWhenSwitched(dynamodb: DynamoDBClient, faults: FaultSwitches): void {
  dynamodb.middlewareStack.add(
    (next) => async (args) => {
      if (faults.get('dynamodb') === 'unavailable') {
        throw Object.assign(new Error('DynamoDB did not answer (local fault switch dynamodb=unavailable)'), { name: 'TimeoutError', $metadata: {} })
      }
      return next(args)
    },
    { step: 'build', name: 'localFaultSwitchDynamoDb' }
  )
}

/** `Handler: workers/notification.handler` or `notification.handler` → `notification`. */
function workerName(template: CloudFormationTemplate, functionLogicalId: string): string {
  const handler = template.Resources[functionLogicalId]?.Properties?.Handler
  if (typeof handler !== 'string') throw new Error(`Function ${functionLogicalId} has no Handler in the template`)
  return handler.slice(0, handler.lastIndexOf('.')).split('/').pop() as string
}
