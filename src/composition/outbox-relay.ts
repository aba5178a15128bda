// Composition root of the outbox relay (src/workers/outbox-relay.ts): the outbox table and SNS.
import { configSchema, loadConfigOf, OutboxSlice } from '../config'
import { createLogger } from '../logger'
import { createOutboxRelayWorker } from '../workers/outbox-relay-worker'
import type { WorkerFunction } from '../workers/index'
import { snsEventBus } from './aws-clients'
import { awsDynamoDb, emfMetrics, outboxEventBus, withAwsMode } from './builders'

export const OutboxRelayConfigSchema = configSchema(OutboxSlice)

export function composeOutboxRelay(env: NodeJS.ProcessEnv = process.env): WorkerFunction {
  const config = loadConfigOf(OutboxRelayConfigSchema, withAwsMode(env))
  const logger = createLogger(config)
  const { documents } = awsDynamoDb(config)
  return createOutboxRelayWorker(outboxEventBus(documents, snsEventBus(config), config, logger, emfMetrics(config)), logger)
}
