// A rate limit on one action (login, registration; password reset and resend-verification when they
// exist) in several dimensions at once, e.g. per client address and per target email, over an
// AttemptCounter shared by every instance. An attempt is reserved in every dimension before the work
// it guards, or in none.
import { TooManyRequestsError } from '../domain/errors'
import type { AttemptCounter } from '../ports/attempt-counter'

/** The reservations of one attempt; give some back when the attempt is not to count. */
export interface Attempt<D extends string> {
  release(dimension: D): Promise<void>
}

export class RateLimiter<D extends string> {
  constructor(
    private readonly counter: AttemptCounter,
    /** Prefix of the counters' keys, e.g. `login`. */
    private readonly action: string,
    private readonly limits: Readonly<Record<D, number>>,
    private readonly message: string
  ) {}

  /** Counts one attempt in every dimension; TooManyRequestsError (counting nothing) when any is at its limit. */
  async acquire(values: Readonly<Record<D, string>>): Promise<Attempt<D>> {
    const dimensions = Object.keys(this.limits) as D[]
    const reservations = await Promise.all(dimensions.map((dimension) => this.counter.reserve(this.key(dimension, values[dimension]), this.limits[dimension])))
    const refusals = reservations.flatMap((reservation) => (reservation.granted ? [] : [reservation.retryAfterSeconds]))
    if (refusals.length > 0) {
      await Promise.all(reservations.map((reservation) => (reservation.granted ? reservation.release() : undefined)))
      throw new TooManyRequestsError(this.message, Math.max(...refusals))
    }
    return {
      release: async (dimension) => {
        const reservation = reservations[dimensions.indexOf(dimension)]
        if (reservation?.granted) await reservation.release()
      }
    }
  }

  /** Forgets every attempt counted for `value` in `dimension` (e.g. an account's failures after a success). */
  reset(dimension: D, value: string): Promise<void> {
    return this.counter.reset(this.key(dimension, value))
  }

  private key(dimension: D, value: string): string {
    return `${this.action}#${dimension}#${value}`
  }
}
