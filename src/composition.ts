// The composition root: builds clients, adapters, services and workers once per process (Lambda init,
// container start, or the embedded runtime) and hands the same services to the API and every worker.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { SFNClient } from '@aws-sdk/client-sfn'
import { SNSClient } from '@aws-sdk/client-sns'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { SesMailer } from './adapters/aws/ses-mailer'
import { SfnWorkflowRunner } from './adapters/aws/sfn-workflow'
import { SnsEventBus } from './adapters/aws/sns-event-bus'
import { TableStoreProbe } from './adapters/dynamodb/table-store-probe'
import { loadConfig, type Config } from './config'
import { createLogger, type Logger } from './logger'
import type { Authenticate } from './plugins/auth-guard'
import type { EventBus } from './ports/event-bus'
import type { Mailer } from './ports/mailer'
import type { WorkflowRunner } from './ports/workflow'
import type { Services } from './services'
import { HealthService } from './services/health-service'
import { createWorkers, type Workers } from './workers'

/** Implementations of every port. AWS ones below; local ones in adapters/local/embedded-runtime.ts. */
export interface Adapters {
  dynamodb: DynamoDBClient
  documents: DynamoDBDocumentClient
  eventBus: EventBus
  workflow: WorkflowRunner
  mailer: Mailer
}

export interface Runtime {
  config: Config
  logger: Logger
  services: Services
  workers: Workers
  authenticate: Authenticate
}

export function documentClient(dynamodb: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } })
}

export function createServices(config: Config, adapters: Adapters): Services {
  return {
    health: new HealthService([new TableStoreProbe(adapters.dynamodb, config.USERS_TABLE)])
  }
}

export function composeRuntime(config: Config, adapters: Adapters, logger: Logger): Runtime {
  const services = createServices(config, adapters)
  return {
    config,
    logger,
    services,
    workers: createWorkers(services, logger),
    // Replaced by JWT access-token verification in the users issue; until then no caller is authenticated.
    authenticate: async () => undefined
  }
}

export function awsAdapters(config: Config): Adapters {
  const client = { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL }
  const dynamodb = new DynamoDBClient(client)
  return {
    dynamodb,
    documents: documentClient(dynamodb),
    eventBus: new SnsEventBus(new SNSClient(client)),
    workflow: new SfnWorkflowRunner(new SFNClient(client)),
    mailer: new SesMailer(new SESv2Client(client), config.MAIL_FROM)
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
