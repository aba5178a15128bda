// Local mode of `node dist/server.js` (bundled as dist/local-server.js, loaded by src/server.ts only
// when no AWS config is given): starts the embedded runtime, serves the app with its /_local routes,
// and says where everything is.
import { join } from 'node:path'
import { buildApp } from '../app'
import { serve } from '../http-server'
import { startEmbeddedRuntime } from './runtime'

export interface LocalServerOptions {
  projectRoot: string
  env: NodeJS.ProcessEnv
  /** `--persist`: keep DynamoDB Local's data (and the runner's and simulator's state) under .data/. */
  persist: boolean
}

export async function runLocalServer(options: LocalServerOptions): Promise<void> {
  const env = { ...options.env }
  if (options.persist) env.LOCAL_DATA_DIR ??= join(options.projectRoot, '.data', 'dynamodb')
  const local = await startEmbeddedRuntime({ projectRoot: options.projectRoot, env })
  const app = await buildApp({ config: local.config, services: local.services, authenticate: local.authenticate, logger: local.logger, localRoutes: local.localRoutes })
  const address = await serve(app, local.config, () => local.close())
  local.stripe.webhookUrl = `${address}/webhooks/stripe`
  const { config } = local
  const data = config.LOCAL_DATA_DIR ? `persisted under ${config.LOCAL_DATA_DIR}` : 'in memory (start with --persist to keep it)'
  const state = local.stateDir ? `kept under ${local.stateDir}` : 'in memory'
  console.log(
    [
      '',
      `  Commerce API (embedded runtime) listening on ${address}`,
      `  API docs:      ${address}/docs`,
      `  Local mailbox: ${address}/_local/mailbox`,
      `  DynamoDB Local at ${local.dynamodbEndpoint}, data ${data}`,
      `  Step Functions executions and the Stripe simulator: ${state}`,
      `  Fault switches: ${address}/_local/faults`,
      '  Press Ctrl-C to stop.',
      ''
    ].join('\n')
  )
}
