// Serving the app on HOST:PORT as a long-running process (the container, or the embedded runtime):
// listen, and close cleanly once on SIGINT/SIGTERM, an uncaught exception, or the death of the
// parent that started it over IPC (scripts/start.mjs). Shared by src/server.ts (AWS mode) and
// src/local/server.ts (local mode).
import { createServer } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config'
import type { Logger } from './logger'

/**
 * Listens; `release` runs after the app has closed (the embedded runtime's engines). Resolves with the
 * address. `log` is the process logger: the app has none of its own when info is off (request-logging.ts).
 */
export async function serve(app: FastifyInstance, config: Pick<Config, 'HOST' | 'PORT'>, log: Logger, release: () => Promise<void> = async () => undefined): Promise<string> {
  let closing = false
  const shutdown = async (reason: string, code: number) => {
    if (closing) return
    closing = true
    log.info({ reason }, 'shutting down')
    await app.close().catch(() => undefined)
    await release().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown('SIGINT', 0))
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0))
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception')
    void shutdown('uncaughtException', 1)
  })
  stopWithParent()
  return app.listen({ host: config.HOST, port: config.PORT })
}

/** A parent gone is given this long to see its server shut down in order before the process just exits. */
const ORPHAN_SHUTDOWN_MS = 15_000
let watchingParent = false

/**
 * Started by a parent over IPC (scripts/start.mjs), we must not outlive it, even when it is SIGKILLed
 * and cannot tell us: its end of the channel closes whenever it dies. We then SIGTERM ourselves, which
 * is a graceful shutdown once serve() has set it up, and before that an immediate exit (DynamoDB Local
 * watches us in turn). Call as early as possible; a no-op without an IPC channel or when called again.
 */
export function stopWithParent(): void {
  if (watchingParent || !process.send) return
  watchingParent = true
  const stop = () => {
    setTimeout(() => process.exit(1), ORPHAN_SHUTDOWN_MS).unref()
    process.kill(process.pid, 'SIGTERM')
  }
  if (!process.connected) stop()
  else process.once('disconnect', stop)
}

/** HOST:PORT cannot be listened on; the message is one line, naming the variable. */
export class PortUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PortUnavailableError'
  }
}

/** How many ports above a busy PORT are tried for a suggestion. */
const SUGGESTION_TRIES = 10

/**
 * Fails fast with a PortUnavailableError when HOST:PORT cannot be listened on, before anything slow is
 * started (the embedded runtime boots Java). PORT 0 (any free port) always passes.
 */
export async function assertPortAvailable(host: string, port: number): Promise<void> {
  if (port === 0) return
  const problem = await tryListen(host, port)
  if (problem === undefined) return
  let free: number | undefined
  for (let candidate = port + 1; candidate <= Math.min(port + SUGGESTION_TRIES, 65_535) && free === undefined; candidate++) {
    if ((await tryListen(host, candidate)) === undefined) free = candidate
  }
  throw portError(problem, host, port, free)
}

function portError(code: string, host: string, port: number, free?: number): PortUnavailableError {
  const where = host === '127.0.0.1' ? `Port ${port}` : `Port ${port} on ${host}`
  const instead = `start with PORT=${free ?? 0}${free === undefined ? ' (any free port)' : ''}`
  if (code === 'EADDRINUSE') return new PortUnavailableError(`${where} is in use (PORT). Stop the other process or ${instead}.`)
  if (code === 'EACCES') return new PortUnavailableError(`${where} needs privileges to listen on (PORT). Use a port above 1023, or ${instead}.`)
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new PortUnavailableError(`Cannot listen on ${host} (HOST): no such address on this machine.`)
  return new PortUnavailableError(`Cannot listen on ${host}:${port} (HOST, PORT): ${code}.`)
}

/** Listens on host:port and lets it go again: undefined when that worked, else the error code. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer()
    probe.unref()
    probe.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => done(undefined)))
  })
}

/**
 * Startup errors the user can fix (bad config, no Java, DynamoDB Local not installed, a busy port):
 * by name, as they may come from another bundle.
 */
const USER_FIXABLE = new Set(['ConfigError', 'JavaMissingError', 'DynamoDbLocalNotInstalledError', 'PortUnavailableError', 'PortInUseError'])

/** One clear line for what the user can fix, the whole error otherwise; then exit 1. */
export function exitOnStartupError(error: unknown): never {
  const listenError = error as NodeJS.ErrnoException & { address?: string; port?: number }
  // Listening lost a race after assertPortAvailable (or was not preceded by it, in AWS mode).
  if (listenError?.syscall === 'listen' && typeof listenError.code === 'string' && typeof listenError.port === 'number') {
    console.error(portError(listenError.code, listenError.address ?? '', listenError.port).message)
  } else if (error instanceof Error && USER_FIXABLE.has(error.name)) console.error(error.message)
  else console.error('Startup failed:', error)
  process.exit(1)
}
