// Request loggers made on first use. Fastify gives every request a child logger bound to its
// correlation id; building one costs more than the rest of a cheap request (GET /health), and most
// requests log nothing at the production level (request start/end lines are info, the default level
// in production is warn or info). The child is created only when a line at an enabled level is logged.
// A class, so that creating one per request is a plain allocation (methods live on the prototype).
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = Parameters<FastifyBaseLogger['info']>
type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]
type LevelAware = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }

class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: LevelAware,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions
  ) {}

  get level(): string {
    return (this.made ?? this.parent).level
  }

  set level(level: string) {
    this.real().level = level
  }

  fatal(...args: LogArgs) {
    this.write('fatal', args)
  }
  error(...args: LogArgs) {
    this.write('error', args)
  }
  warn(...args: LogArgs) {
    this.write('warn', args)
  }
  info(...args: LogArgs) {
    this.write('info', args)
  }
  debug(...args: LogArgs) {
    this.write('debug', args)
  }
  trace(...args: LogArgs) {
    this.write('trace', args)
  }
  silent() {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real().child(bindings, options)
  }

  private write(level: Level, args: LogArgs): void {
    if (this.made || (this.parent.isLevelEnabled?.(level) ?? true)) (this.real()[level] as (...a: LogArgs) => void)(...args)
  }

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }
}

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

export const lazyChildLoggerFactory: ChildLoggerFactory = (logger, bindings, options) =>
  new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger
