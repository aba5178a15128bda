// Entry of `node dist/server.js` (and of the container). Without AWS config it starts the embedded
// runtime (DynamoDB Local, local bus, Step Functions runner, mailbox) and serves the API on
// HOST:PORT; with AWS config it serves the same API against real AWS services.
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app'
import { startEmbeddedRuntime, type EmbeddedRuntime } from './adapters/local/embedded-runtime'
import { DynamoDbLocalNotInstalledError, JavaMissingError } from './adapters/local/dynamodb-local'
import { awsRuntimeOnce } from './composition'
import { ConfigError, runtimeMode } from './config'
import { projectRootFrom } from './infra/project-root'

async function main(): Promise<void> {
  const projectRoot = projectRootFrom(import.meta.url)
  const env = { ...process.env }
  if (process.argv.includes('--persist')) env.LOCAL_DATA_DIR ??= join(projectRoot, '.data', 'dynamodb')

  let local: EmbeddedRuntime | undefined
  let app: FastifyInstance
  if (runtimeMode(env) === 'local') {
    local = await startEmbeddedRuntime({ projectRoot, env })
    app = await buildApp({ config: local.config, services: local.services, authenticate: local.authenticate, logger: local.logger, localRoutes: local.localRoutes })
  } else {
    const runtime = awsRuntimeOnce(env)
    app = await buildApp({ config: runtime.config, services: runtime.services, authenticate: runtime.authenticate, logger: runtime.logger })
  }
  const config = (local ?? awsRuntimeOnce(env)).config

  let closing = false
  const shutdown = async (reason: string, code: number) => {
    if (closing) return
    closing = true
    app.log.info({ reason }, 'shutting down')
    await app.close().catch(() => undefined)
    await local?.close().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown('SIGINT', 0))
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0))
  process.on('uncaughtException', (error) => {
    app.log.fatal({ err: error }, 'uncaught exception')
    void shutdown('uncaughtException', 1)
  })

  const address = await app.listen({ host: config.HOST, port: config.PORT })
  if (local) {
    local.stripe.webhookUrl = `${address}/webhooks/stripe`
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
}

main().catch((error: unknown) => {
  // Startup errors the user can fix get one clear line, not a stack trace.
  if (error instanceof ConfigError || error instanceof JavaMissingError || error instanceof DynamoDbLocalNotInstalledError) {
    console.error((error as Error).message)
  } else {
    console.error('Startup failed:', error)
  }
  process.exit(1)
})
