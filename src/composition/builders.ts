// Builders shared by the composition roots (one per entry point, in this folder): each root calls
// only the builders its entry uses, so its bundle and its config slice hold nothing else. Every
// builder takes the narrowest config it reads (a Pick of src/config.ts), never the whole Config.
// This file: DynamoDB and what every root needs; AWS clients in aws-clients.ts, Stripe in stripe.ts,
// tokens in tokens.ts, the services in services.ts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { AWS_CLIENT_LIMITS } from '../adapters/aws/client-limits'
import { DynamoOrderRepository } from '../adapters/dynamodb/order-repository'
import { DynamoOutbox } from '../adapters/dynamodb/outbox-store'
import { DynamoProcessedEvents } from '../adapters/dynamodb/processed-events'
import { reportStoreOutages } from '../adapters/dynamodb/store-availability'
import { EmfMetrics } from '../adapters/aws/emf-metrics'
import type { Config } from '../config'
import type { Logger } from '../logger'
import type { EventBus } from '../ports/event-bus'
import type { Metrics } from '../ports/metrics'
import { OutboxEventBus } from '../services/outbox-event-bus'

type AwsConfig = Pick<Config, 'AWS_REGION' | 'AWS_ENDPOINT_URL'>

/** Options of every AWS SDK client: bounded in time, so a hanging dependency costs seconds, not API Gateway's 29 s. */
export function awsClientOptions(config: AwsConfig) {
  return { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL, ...AWS_CLIENT_LIMITS }
}

/**
 * An object whose methods may all answer a promise: a port such as EventBus, WorkflowRunner, Mailer,
 * or PaymentGateway (whose parseWebhook answers a value or a promise of it).
 */
type AsyncPort<T> = { [K in keyof T]: T[K] extends (...args: never[]) => infer R ? (Promise<Awaited<R>> extends R ? T[K] : never) : never }

/**
 * A port whose implementation is loaded (`load()`, a dynamic import of the adapter and its SDK
 * client) and built on its first call, then reused; a failed load is retried by the next call. A
 * function that never publishes, starts a workflow or sends a mail in an invocation does not pay
 * for that SDK at cold start: neither evaluating its modules nor constructing its client (~1-2 ms
 * per client measured). Should the Lambda build split code, the SDK would also be a separate chunk.
 */
export function loadedOnFirstCall<T extends AsyncPort<T>>(load: () => Promise<T>): T {
  let loading: Promise<T> | undefined
  const target = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    }))
  return new Proxy({} as T, {
    get(_stub, member) {
      // Not a thenable, and no other symbol lookups: only the port's methods exist.
      if (typeof member === 'symbol' || member === 'then') return undefined
      return async (...args: unknown[]) => {
        const port = await target()
        return (Reflect.get(port, member) as (...args: unknown[]) => Promise<unknown>).apply(port, args)
      }
    }
  })
}

/**
 * The document client the repositories use. It also makes `dynamodb` (whose middleware stack it
 * shares) report outages as StoreUnavailableError, so no service or probe sees an SDK error for them.
 */
export function documentClient(dynamodb: DynamoDBClient): DynamoDBDocumentClient {
  reportStoreOutages(dynamodb)
  return DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } })
}

/** DynamoDB: every entry point uses it (the document client for the repositories, the raw one for the health probe). */
export function awsDynamoDb(config: AwsConfig): { dynamodb: DynamoDBClient; documents: DynamoDBDocumentClient } {
  const dynamodb = new DynamoDBClient(awsClientOptions(config))
  return { dynamodb, documents: documentClient(dynamodb) }
}

/** Every event goes through the outbox-backed bus: a failed publish is deferred, not lost. */
export function outboxEventBus(documents: DynamoDBDocumentClient, bus: EventBus, config: Pick<Config, 'OUTBOX_TABLE'>, logger: Logger, metrics?: Metrics): OutboxEventBus {
  return new OutboxEventBus(bus, new DynamoOutbox(documents, config.OUTBOX_TABLE), logger, metrics)
}

/** Business metrics on AWS: EMF lines on stdout, in the function's log group (adapters/aws/emf-metrics.ts). */
export function emfMetrics(config: Pick<Config, 'STAGE'>): Metrics {
  return new EmfMetrics({ stage: config.STAGE })
}

export function orderRepository(documents: DynamoDBDocumentClient, config: Pick<Config, 'ORDERS_TABLE' | 'PRODUCTS_TABLE' | 'OUTBOX_TABLE'>): DynamoOrderRepository {
  return new DynamoOrderRepository(documents, config.ORDERS_TABLE, config.PRODUCTS_TABLE, config.OUTBOX_TABLE)
}

export function processedEvents(documents: DynamoDBDocumentClient, config: Pick<Config, 'IDEMPOTENCY_TABLE'>): DynamoProcessedEvents {
  return new DynamoProcessedEvents(documents, config.IDEMPOTENCY_TABLE)
}

/** A Lambda (or the container on AWS) runs in aws mode unless told otherwise. */
export function withAwsMode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, RUNTIME_MODE: env.RUNTIME_MODE ?? 'aws' }
}
