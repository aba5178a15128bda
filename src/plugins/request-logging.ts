// How Fastify logs requests. Two costs of every request are avoided here (BENCHMARKS.md, GET /health
// throughput): Fastify gives every request a child logger bound to its correlation id, whose making
// costs more than the rest of a cheap request, so the child is made on first use, when a line at an
// enabled level is logged; and whenever Fastify has a logger, it readies the request-start and
// request-completed lines (level info) of every request: two response listeners, a clock read, the
// lines' arguments. With info off those lines could never be written, so Fastify then gets no logger
// of its own, and request loggers (warnings and errors, with the correlation id) come from our factory.
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Logger } from '../logger'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = Parameters<FastifyBaseLogger['info']>
type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]

class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: Logger,
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
    if (this.made || this.parent.isLevelEnabled(level)) (this.real()[level] as (...a: LogArgs) => void)(...args)
  }

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }
}

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

/** What `req` and `res` become on a request's log lines (the shapes of Fastify's own serializers). */
const REQUEST_SERIALIZERS = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }),
  res: (reply: FastifyReply) => ({ statusCode: reply.statusCode })
}

/** Fastify's logging options for the process logger `logger` (a level change later does not bring request lines back). */
export function fastifyLogging(logger: Logger): Pick<FastifyServerOptions, 'logger' | 'loggerInstance' | 'childLoggerFactory' | 'logController'> {
  const requestParent = logger.child({}, { serializers: REQUEST_SERIALIZERS })
  // Fastify passes the parent it made of its own logger; ours is the same whether Fastify has one or not.
  const childLoggerFactory: ChildLoggerFactory = (_fastifyLogger, bindings, options) =>
    new LazyRequestLogger(requestParent, bindings, options) as unknown as FastifyBaseLogger
  const requestLines = logger.isLevelEnabled('info')
  return {
    ...(requestLines ? { loggerInstance: logger } : { logger: false }),
    childLoggerFactory,
    // Without request lines Fastify would still build the request-start line's arguments for nothing.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: !requestLines })
  }
}
