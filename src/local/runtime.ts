// The embedded runtime: every AWS service the app uses, stood in for on this machine, wired from
// template.yaml. DynamoDB Local (tables from the template), the in-process SNS→SQS→worker bus, the
// Step Functions runner and the local mailbox, plus the same services and workers as on AWS.
// With a data folder (--persist) DynamoDB Local, the runner and the Stripe simulator all keep their
// state, and executions in flight resume. Fault switches (faults.ts) make stand-ins fail on demand.
// Stripe is the simulator, unless `npm start` chose Stripe's real test mode (stripe/choice.ts).
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
import { localRoutes, type Inspection } from './routes'
import { DynamoProductRepository } from '../adapters/dynamodb/product-repository'
import { createTablesFromTemplate } from './dynamodb/create-tables'
import { backfillIndexKeys } from '../adapters/dynamodb/index-key-backfill'
import { FaultSwitches } from './faults'
import { dynamoDbLocalClientConfig, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb/dynamodb-local'
import { BcryptWorkerPool } from '../adapters/crypto/bcrypt-worker-pool'
import { EmfMetrics } from '../adapters/aws/emf-metrics'
import type { Metrics } from '../ports/metrics'
import { createStripeGateway } from '../adapters/stripe/stripe-gateway'
import { Mailbox } from './ses/mailbox'
import { createMessaging, type Messaging } from './sns-sqs/messaging'
import { startSchedules } from './schedules/schedules'
import { startStreamSources, type StreamSources } from './dynamodb/stream-event-sources'
import { createStateMachineRunner, type StateMachineRunner } from './stepfunctions/workflow'
import { startStripeSimulator, type StripeSimulator } from './stripe/simulator'
import { SIMULATOR, type SimulatorChoice, type StripeChoice } from './stripe/choice'
import { ConflictError, NotFoundError } from '../domain/errors'
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
  /** Gets one short line as each slow step begins (the server prints them); silent by default. */
  progress?: (line: string) => void
  /** The Stripe simulator (default), or Stripe's test mode as chooseStripe(env) decided (`npm start` only). */
  stripe?: StripeChoice
  /** Business metrics; default: the EMF records AWS would get, logged at debug level (LOG_LEVEL=debug shows them). */
  metrics?: Metrics
}

export interface EmbeddedRuntime<S extends StripeSimulator | undefined = StripeSimulator> extends Runtime {
  template: CloudFormationTemplate
  dynamodbEndpoint: string
  mailbox: Mailbox
  messaging: Messaging
  workflow: StateMachineRunner
  /** Stripe's stand-in; set its `webhookUrl` (or `deliver`) once the app listens. None in Stripe test mode. */
  stripe: S
  /** Which Stripe the app talks to. */
  stripeChoice: StripeChoice
  /** The fault switches (also at /_local/faults). */
  faults: FaultSwitches
  /** Where the runner and the Stripe simulator keep their state (see LOCAL_STATE_DIR); undefined: in memory. */
  stateDir: string | undefined
  localRoutes: ReturnType<typeof localRoutes>
  /** Resolves when no message or execution is in flight (tests). */
  idle(): Promise<void>
  close(): Promise<void>
}

export function startEmbeddedRuntime(options: EmbeddedRuntimeOptions & { stripe?: SimulatorChoice }): Promise<EmbeddedRuntime>
export function startEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime<StripeSimulator | undefined>>
export async function startEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime<StripeSimulator | undefined>> {
  const env = options.env ?? process.env
  const stripeChoice = options.stripe ?? SIMULATOR
  const template = loadTemplate(options.templatePath ?? join(options.projectRoot, 'template.yaml'))
  const logged: { logger?: Logger } = { logger: options.logger }
  const faults = new FaultSwitches()
  const stateDir = localStateDir(env)
  const { simulator: stripe, environment: stripeEnvironment } = await stripeOf(stripeChoice, () =>
    startStripeSimulator({
      log: forwardingLog(() => logged.logger),
      dataDir: stateDir === undefined ? undefined : join(stateDir, 'stripe'),
      faults
    })
  )
  const names = resourceNames(template, {
    stackName: options.stackName ?? LOCAL_STACK_NAME,
    parameters: {
      Stage: 'local',
      // On AWS the secrets come from SSM parameters named by these; locally they are values (below),
      // so the names stay empty, i.e. unset.
      JwtSecretParameter: '',
      StripeSecretKeyParameter: '',
      StripeWebhookSecretParameter: '',
      ...parametersFromEnvironment(template, env)
    }
  })
  // Resource names come from the template; settings the template takes as parameters come from env.
  // A fresh signing secret per start unless JWT_SECRET is set: tokens never outlive a local run by accident.
  let config
  try {
    config = loadConfig({ ...env, JWT_SECRET: env.JWT_SECRET || randomBytes(32).toString('hex'), ...functionEnvironment(template, names, apiFunctionId(template)), ...stripeEnvironment, RUNTIME_MODE: 'local' })
  } catch (error) {
    await stripe?.close()
    throw error
  }
  const logger = options.logger ?? createLogger(config, terminalLog())
  logged.logger = logger

  const progress = options.progress ?? (() => {})
  let dynamodbLocal: DynamoDbLocal | undefined
  if (!options.dynamodbEndpoint) {
    progress(`Starting DynamoDB Local (${config.LOCAL_DATA_DIR ? `data in ${config.LOCAL_DATA_DIR}` : 'in memory'})…`)
    dynamodbLocal = await startDynamoDbLocal({
      dataDir: config.LOCAL_DATA_DIR,
      port: config.LOCAL_DYNAMODB_PORT,
      javaPath: config.LOCAL_JAVA_PATH,
      log: logger
    }).catch(async (error: unknown) => {
      await stripe?.close()
      throw error
    })
  }
  const endpoint = options.dynamodbEndpoint ?? (dynamodbLocal as DynamoDbLocal).endpoint
  const dynamodb = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint))
  failWhenSwitched(dynamodb, faults)
  try {
    progress('Creating tables from template.yaml…')
    await createTablesFromTemplate(dynamodb, template, names)
  } catch (error) {
    await dynamodbLocal?.stop()
    await stripe?.close()
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
  if (config.LOCAL_DATA_DIR) {
    // Kept data may predate the back-office indexes' keys: what scripts/backfill-index-keys.ts does
    // once after a stack update, done at each start here (a no-op once every item has them).
    await backfillIndexKeys(documents, { ordersTable: config.ORDERS_TABLE, productsTable: config.PRODUCTS_TABLE })
  }
  const bcrypt = new BcryptWorkerPool()
  const runtime = composeRuntime(
    config,
    {
      dynamodb,
      documents,
      eventBus: messaging.bus,
      workflow,
      mailer: mailbox,
      paymentGateway: createStripeGateway(stripeSettings(config)),
      bcrypt,
      metrics: options.metrics ?? new EmfMetrics({ stage: config.STAGE, sink: (record) => logger.debug({ metric: record }, 'metric') })
    },
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
    await stripe?.close()
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
  // The /_local routes that play or show the simulator's part: 404 when there is none (test mode).
  const simulator = (): StripeSimulator => {
    if (!stripe) throw new NotFoundError(STRIPE_NOT_SIMULATED)
    return stripe
  }

  const embedded: EmbeddedRuntime<StripeSimulator | undefined> = {
    ...runtime,
    template,
    dynamodbEndpoint: endpoint,
    mailbox,
    messaging,
    workflow,
    stripe,
    stripeChoice,
    faults,
    stateDir,
    localRoutes: localRoutes({
      mailbox: () => mailbox.messages(),
      deadLetters: () => messaging.deadLetterQueues(),
      executions: () => workflow.executions(),
      stripe: () => ({ paymentIntents: simulator().paymentIntents(), refunds: simulator().refunds() }),
      completeAuthentication: (id, outcome) => simulator().completeAuthentication(id, outcome),
      paymentIntentsOfPayment: (paymentId) => simulator().paymentIntentsWithMetadata('paymentId', paymentId),
      faults: stripe ? faults : withoutStripeSwitches(faults)
    }),
    async idle() {
      // A message can start an execution, an execution can write an event that the outbox relay
      // publishes, a payment can send a webhook that writes one: settle them all.
      for (let round = 0; round < 4; round++) {
        await stripe?.idle()
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
      progress('Seeding the demo catalog (into an empty products table only)…')
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

type StripeEnvironment = Record<'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET', string> & Partial<Record<'STRIPE_API_HOST' | 'STRIPE_API_PORT' | 'STRIPE_API_PROTOCOL', string>>

/**
 * The simulator, started, and the app's STRIPE_* settings pointing the SDK at it; in test mode no
 * simulator, and the chosen keys with no STRIPE_API_* (set to undefined, so an exported one cannot
 * redirect the SDK): it keeps its own host, Stripe's API.
 */
async function stripeOf(choice: StripeChoice, start: () => Promise<StripeSimulator>): Promise<{ simulator?: StripeSimulator; environment: StripeEnvironment }> {
  if (choice.kind === 'test-mode') {
    return {
      environment: { STRIPE_SECRET_KEY: choice.secretKey, STRIPE_WEBHOOK_SECRET: choice.webhookSecret, STRIPE_API_HOST: undefined, STRIPE_API_PORT: undefined, STRIPE_API_PROTOCOL: undefined }
    }
  }
  const simulator = await start()
  return { simulator, environment: simulator.environment() }
}

const STRIPE_NOT_SIMULATED =
  "The Stripe simulator is not in use: local mode talks to Stripe's test mode (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set); see the Stripe dashboard, and unset both for the simulator"

/** Test mode: the stripe.* switches act on the simulator only, so setting one is refused (409), not ignored. */
function withoutStripeSwitches(faults: FaultSwitches): Inspection['faults'] {
  return {
    snapshot: () => faults.snapshot(),
    set(changes) {
      const simulated = Object.keys(changes).find((name) => name.startsWith('stripe.'))
      if (simulated) throw new ConflictError(`Fault switch '${simulated}': ${STRIPE_NOT_SIMULATED}`)
      return faults.set(changes)
    }
  }
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
