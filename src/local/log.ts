// The one log shape every part of the embedded runtime takes: pino's four levels with a fields
// object and a message, a subset of the runtime's logger (src/logger.ts), so the runtime passes its
// logger as it is and tests pass a plain object that records what was said.
export interface Log {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

const ignore = () => {}

/** Says nothing: the default of the parts that log only when given a log. */
export const silentLog: Log = { debug: ignore, info: ignore, warn: ignore, error: ignore }

/**
 * A log that forwards to whatever `current()` returns when a line is written, and drops lines until
 * it returns one: for the parts started before the logger exists (the Stripe simulator's secret is
 * part of the config the logger is made from).
 */
export function forwardingLog(current: () => Log | undefined): Log {
  return {
    debug: (obj, msg) => current()?.debug(obj, msg),
    info: (obj, msg) => current()?.info(obj, msg),
    warn: (obj, msg) => current()?.warn(obj, msg),
    error: (obj, msg) => current()?.error(obj, msg)
  }
}
