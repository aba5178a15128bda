// Request loggers made on first use. Fastify gives every request a child logger bound to its
// correlation id; building one costs more than the rest of a cheap request (GET /health), and most
// requests log nothing at the production level (request start/end lines are info, the default level
// in production is warn or info). The child is created only when a line at an enabled level is logged.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
const LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace']

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

type MaybeLevelAware = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }

export const lazyChildLoggerFactory: ChildLoggerFactory = (logger, bindings, options) => {
  const enabled = (level: Level) => (logger as MaybeLevelAware).isLevelEnabled?.(level) ?? true
  let child: FastifyBaseLogger | undefined
  const real = () => (child ??= logger.child(bindings, options))
  const lazy = {
    get level() {
      return (child ?? logger).level
    },
    set level(level: string) {
      real().level = level
    },
    silent: () => undefined,
    child: (more: Parameters<FastifyBaseLogger['child']>[0], moreOptions?: Parameters<FastifyBaseLogger['child']>[1]) => real().child(more, moreOptions)
  } as unknown as FastifyBaseLogger
  for (const level of LEVELS) {
    const write = ((...args: Parameters<FastifyBaseLogger['info']>) => {
      if (child || enabled(level)) real()[level](...args)
    }) as FastifyBaseLogger['info']
    Object.defineProperty(lazy, level, { value: write, enumerable: true })
  }
  return lazy
}
