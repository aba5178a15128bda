// The process logger (pino, JSON). Fastify, the services and the workers all log through it. Secrets
// are redacted by path so a stray `log.info({ body })` cannot leak a password or token. In a local
// terminal the embedded runtime passes a pretty-printing destination (src/local/terminal-log.ts),
// so pino-pretty is in no Lambda bundle.
import { pino, type Logger } from 'pino'
import type { Config } from './config'

export type { Logger }

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'headers.authorization',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  '*.clientSecret',
  '*.taskToken',
  'password',
  'passwordHash',
  'token',
  'refreshToken',
  'taskToken'
]

export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'RUNTIME_MODE'>, destination?: NodeJS.WritableStream): Logger {
  const options = { level: config.LOG_LEVEL, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
  return destination ? pino(options, destination) : pino(options)
}
