// Local mode of `node dist/server.js` (bundled as dist/local-server.js, loaded by src/server.ts only
// when no AWS config is given): starts the embedded runtime, serves the app with its /_local routes,
// and says where everything is.
import { join } from 'node:path'
import { buildApp } from '../app'
import { configSchema, HttpSlice, loadConfigOf } from '../config'
import { assertPortAvailable, serve, stopWithParent } from '../http-server'
import { holdPort, withListenAddress } from './listen-address'
import { startEmbeddedRuntime } from './runtime'
import { chooseStripe, stripeLine } from './stripe/choice'

export interface LocalServerOptions {
  projectRoot: string
  env: NodeJS.ProcessEnv
  /** `--persist`: keep DynamoDB Local's data (and the runner's and simulator's state) under .data/. */
  persist: boolean
}

export async function runLocalServer(options: LocalServerOptions): Promise<void> {
  // Before anything is started: a parent that dies from here on takes us with it.
  stopWithParent()
  const env = { ...options.env }
  if (options.persist) env.LOCAL_DATA_DIR ??= join(options.projectRoot, '.data', 'dynamodb')
  // A busy port is told at once, not after Java and the tables are up (which take seconds).
  const { HOST, PORT } = loadConfigOf(configSchema({ HOST: HttpSlice.HOST, PORT: HttpSlice.PORT }), env)
  await assertPortAvailable(HOST, PORT)
  // The port is held from now on (PORT=0 picks it here), so email links can name it (listen-address.ts).
  const held = await holdPort(HOST, PORT)
  const runtimeEnv = withListenAddress(env, HOST, held.port)
  // Progress on stdout, one short line per step: the first start takes a while. Errors go to stderr.
  const local = await startEmbeddedRuntime({ projectRoot: options.projectRoot, env: runtimeEnv, stripe: chooseStripe(runtimeEnv), progress: (line) => console.log(line) })
  const app = await buildApp({ config: local.config, services: local.services, authenticate: local.authenticate, logger: local.logger, localRoutes: local.localRoutes })
  await held.release()
  const address = await serve(app, local.config, local.logger, () => local.close())
  if (local.stripe) local.stripe.webhookUrl = `${address}/webhooks/stripe`
  const { config } = local
  const data = config.LOCAL_DATA_DIR ? `persisted under ${config.LOCAL_DATA_DIR}` : 'in memory (start with --persist to keep it)'
  const state = local.stateDir ? `kept under ${local.stateDir}` : 'in memory'
  console.log(
    [
      '',
      `  Commerce API (embedded runtime) listening on ${address}`,
      `  API docs:      ${address}/docs`,
      `  Local mailbox: ${address}/_local/mailbox (email links open ${config.PUBLIC_BASE_URL})`,
      `  DynamoDB Local at ${local.dynamodbEndpoint}, data ${data}`,
      `  Step Functions executions and the Stripe simulator: ${state}`,
      `  Fault switches: ${address}/_local/faults`,
      `  ${stripeLine(local.stripeChoice, `${address}/webhooks/stripe`, local.stripe?.url)}`,
      '  Press Ctrl-C to stop.',
      ''
    ].join('\n')
  )
}
