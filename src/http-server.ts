// Serving the app on HOST:PORT as a long-running process (the container, or the embedded runtime):
// listen, and close cleanly once on SIGINT/SIGTERM or an uncaught exception. Shared by src/server.ts
// (AWS mode) and src/local/server.ts (local mode).
import type { FastifyInstance } from 'fastify'
import type { Config } from './config'

/** Listens; `release` runs after the app has closed (the embedded runtime's engines). Resolves with the address. */
export async function serve(app: FastifyInstance, config: Pick<Config, 'HOST' | 'PORT'>, release: () => Promise<void> = async () => undefined): Promise<string> {
  let closing = false
  const shutdown = async (reason: string, code: number) => {
    if (closing) return
    closing = true
    app.log.info({ reason }, 'shutting down')
    await app.close().catch(() => undefined)
    await release().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown('SIGINT', 0))
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0))
  process.on('uncaughtException', (error) => {
    app.log.fatal({ err: error }, 'uncaught exception')
    void shutdown('uncaughtException', 1)
  })
  return app.listen({ host: config.HOST, port: config.PORT })
}

/** Startup errors the user can fix (bad config, no Java, DynamoDB Local not installed): by name, as they may come from another bundle. */
const USER_FIXABLE = new Set(['ConfigError', 'JavaMissingError', 'DynamoDbLocalNotInstalledError'])

/** One clear line for what the user can fix, the whole error otherwise; then exit 1. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof Error && USER_FIXABLE.has(error.name)) console.error(error.message)
  else console.error('Startup failed:', error)
  process.exit(1)
}
